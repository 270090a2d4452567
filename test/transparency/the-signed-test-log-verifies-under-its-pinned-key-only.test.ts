import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import {
  fingerprintOf,
  keyHashOf,
  PUBLISHED_KEYS,
  trustedKey,
  type TrustedKey,
} from '../../src/transparency/keys';
import {
  CheckpointError,
  parseNote,
  privateKeyFromPkcs8,
  signCheckpoint,
  verifyCheckpoint,
} from '../../src/transparency/note';
import { buildLeaf } from '../../src/transparency/leaf';
import { encodeBundle, parseBundle } from '../../src/transparency/tiles';
import { leafHash } from '../../src/transparency/merkle';
import { TEST_LOG_KEY } from '../../src/simulator/log-key';
import {
  BUNDLE_0_P5_SHA256,
  NOTE_3,
  NOTE_5,
  ROOTS,
  SERVED_EVENTS,
  TEST_ORIGIN,
  TILE_0_P5,
  TILE_0_P5_SHA256,
} from '../support/transparency-vectors';

const NOW = new Date('2026-12-01T00:00:00Z');
const TEST_KEY: TrustedKey = trustedKey(Buffer.from(TEST_LOG_KEY.spki, 'base64'), {
  fingerprint: TEST_LOG_KEY.fingerprint,
});

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof CheckpointError) return err.reason;
    throw err;
  }
  return 'verified';
}

test('§8.5: both signed checkpoints verify under the pinned test key and give their size and root', () => {
  for (const [note, size] of [
    [NOTE_3, 3],
    [NOTE_5, 5],
  ] as const) {
    const cp = verifyCheckpoint(note, TEST_ORIGIN, [TEST_KEY], NOW);
    assert.equal(cp.size, size);
    assert.equal(cp.root.toString('base64'), ROOTS[size - 1]);
  }
});

test('§8.5: the size line changed from 5 to 6 is a bad signature; the same note is an unknown key without the pin', () => {
  assert.equal(
    failure(() => verifyCheckpoint(NOTE_5.replace('\n5\n', '\n6\n'), TEST_ORIGIN, [TEST_KEY], NOW)),
    'checkpoint_bad_signature',
  );
  assert.equal(
    failure(() => verifyCheckpoint(NOTE_5, TEST_ORIGIN, PUBLISHED_KEYS, NOW)),
    'checkpoint_unknown_key',
  );
  assert.equal(
    failure(() =>
      verifyCheckpoint(NOTE_5, TEST_ORIGIN, [{ ...TEST_KEY, signingSince: new Date('2027-01-01Z') }], NOW),
    ),
    'checkpoint_unknown_key',
    'a key before its switch date signs nothing yet',
  );
  assert.equal(
    failure(() =>
      verifyCheckpoint(NOTE_5, TEST_ORIGIN, [{ ...TEST_KEY, retiredOn: new Date('2026-11-01Z') }], NOW),
    ),
    'checkpoint_unknown_key',
    'a retired key signs no newly fetched checkpoint',
  );
});

test('another organization\u2019s origin is refused before the signature is looked at', () => {
  const other = 'axt.anthropic.com/00000000-1111-2222-3333-444444444444';
  assert.equal(
    failure(() => verifyCheckpoint(NOTE_5, other, [TEST_KEY], NOW)),
    'checkpoint_wrong_origin',
  );
});

test('malformed notes are refused: no blank line, a non-canonical size, a short root, a control character', () => {
  for (const bad of [
    NOTE_5.replace('\n\n', '\n'),
    NOTE_5.replace('\n5\n', '\n05\n'),
    NOTE_5.replace('\n5\n', '\n0x5\n'),
    NOTE_5.replace(
      'oQS/uP450iuG5z1M1rvpVwzkXNW8JrN/rdcwiu5g8CI=',
      'oQS/uP450iuG5z1M1rvpVwzkXNW8JrN/rdcwiu5g8A==',
    ),
    NOTE_5.replace('\n5\n', '\n5\r\n'),
  ])
    assert.equal(
      failure(() => parseNote(bad)),
      'checkpoint_malformed',
      JSON.stringify(bad),
    );
});

test('a checkpoint signed here verifies, and one by a fresh unpinned key is an unknown key', () => {
  const root = Buffer.from(ROOTS[4], 'base64');
  const note = signCheckpoint(
    TEST_ORIGIN,
    5,
    root,
    privateKeyFromPkcs8(Buffer.from(TEST_LOG_KEY.pkcs8, 'base64')),
    TEST_KEY.keyHash,
  );
  assert.equal(verifyCheckpoint(note, TEST_ORIGIN, [TEST_KEY], NOW).size, 5);
  const fresh = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = fresh.publicKey.export({ format: 'der', type: 'spki' });
  const rogue = signCheckpoint(TEST_ORIGIN, 5, root, fresh.privateKey, keyHashOf(spki));
  assert.equal(
    failure(() => verifyCheckpoint(rogue, TEST_ORIGIN, [TEST_KEY], NOW)),
    'checkpoint_unknown_key',
  );
  assert.notEqual(fingerprintOf(spki), TEST_KEY.fingerprint);
});

test('§8.5: the level-0 partial tile and the entry bundle at size 5 have the listed bytes', () => {
  const entries = SERVED_EVENTS.map((e) => {
    const leaf = buildLeaf(e);
    if (leaf.kind !== 'leaf') throw new Error('unbuildable');
    return leaf.entry;
  });
  const tile = Buffer.concat(entries.map(leafHash));
  assert.equal(tile.toString('base64'), TILE_0_P5);
  assert.equal(createHash('sha256').update(tile).digest('hex'), TILE_0_P5_SHA256);
  const bundle = encodeBundle(entries);
  assert.equal(bundle.length, 2459);
  assert.equal(bundle.subarray(0, 8).toString('hex'), '01f9017b22616363');
  assert.equal(createHash('sha256').update(bundle).digest('hex'), BUNDLE_0_P5_SHA256);
  assert.deepEqual(parseBundle(bundle), entries);
  assert.equal(parseBundle(bundle.subarray(0, bundle.length - 1)), undefined, 'truncated');
  assert.equal(parseBundle(Buffer.concat([bundle, Buffer.of(0)])), undefined, 'trailing byte');
});
