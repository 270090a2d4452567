import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprintOf, keysFromServed, PUBLISHED_KEYS, verifierKey } from '../../src/transparency/keys';
import { parseTilePath, tilePath } from '../../src/transparency/tiles';
import { TEST_LOG_KEY } from '../../src/simulator/log-key';
import { TEST_ORIGIN } from '../support/transparency-vectors';

test('§8.6 and §3.7.2: verifier strings and fingerprints of the example, production and test keys', () => {
  const example = Buffer.from(
    'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE4Y2Ux7quyahtKp3v01vgJ6oE9NNOp97ZiYxkDnEG8oS3WnfNLnHohIld1a9lHle9mpOPGHsj29oJsoeK+Qk09g==',
    'base64',
  );
  assert.equal(
    verifierKey('example.test/org', example),
    'example.test/org+a6fbbac1+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABOGNlMe6rsmobSqd79Nb4CeqBPTTTqfe2YmMZA5xBvKEt1p3zS5x6ISJXdWvZR5XvZqTjxh7I9vaCbKHivkJNPY=',
  );
  assert.ok(fingerprintOf(example).startsWith('a6fbbac1'));
  const [production] = PUBLISHED_KEYS;
  assert.equal(production.keyHash, '1dff5fe4');
  assert.equal(
    verifierKey(TEST_ORIGIN, production.spki),
    'axt.anthropic.com/25f6429a-3293-49bf-afed-cb312911554b+1dff5fe4+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABL/qJvsGht6jbitV+vpRNuuOp6U0jucSnyTgL5pZ3yj47kBIb1Q09/O6eVO9S1mWM66wTPoIqHmiyOeq3og/MYw=',
  );
  assert.equal(fingerprintOf(Buffer.from(TEST_LOG_KEY.spki, 'base64')), TEST_LOG_KEY.fingerprint);
});

test('served keys are kept only when they check out and their fingerprint is pinned', () => {
  const spki = Buffer.from(TEST_LOG_KEY.spki, 'base64');
  const served = {
    verifier_key: verifierKey(TEST_ORIGIN, spki),
    key_hash: TEST_LOG_KEY.fingerprint.slice(0, 8),
    fingerprint: TEST_LOG_KEY.fingerprint,
    algorithm: 'ecdsa_p256_sha256',
    public_key: TEST_LOG_KEY.spki,
  };
  const pins = [{ fingerprint: TEST_LOG_KEY.fingerprint }];
  assert.equal(keysFromServed([served], pins, TEST_ORIGIN).length, 1);
  assert.equal(keysFromServed([served], [], TEST_ORIGIN).length, 0, 'not pinned');
  assert.equal(
    keysFromServed([{ ...served, key_hash: '00000000' }], pins, TEST_ORIGIN).length,
    0,
    'wrong key hash',
  );
  assert.equal(
    keysFromServed([{ ...served, algorithm: 'ed25519' }], pins, TEST_ORIGIN).length,
    0,
    'unsupported algorithm',
  );
});

test('§3.9.1: tile paths render and parse as tlog-tiles writes them; malformed ones are refused', () => {
  const cases: readonly (readonly [number | 'entries', number, number | undefined, string])[] = [
    [0, 0, undefined, 'tile/0/000'],
    [0, 5, undefined, 'tile/0/005'],
    [1, 1234, undefined, 'tile/1/x001/234'],
    [0, 1000, undefined, 'tile/0/x001/000'],
    [2, 1234067, 17, 'tile/2/x001/x234/067.p/17'],
    ['entries', 273, 112, 'tile/entries/273.p/112'],
  ];
  for (const [level, index, width, path] of cases) {
    assert.equal(tilePath(level, index, width), path);
    assert.deepEqual(parseTilePath(path.slice('tile/'.length)), { level, index, width });
  }
  for (const bad of [
    '64/000',
    '01/000',
    '0/1234',
    '0/001/234',
    '0/000.p/0',
    '0/000.p/256',
    '0/000.p/05',
    '0/x000/005',
    'x/000',
  ])
    assert.equal(parseTilePath(bad), undefined, bad);
});
