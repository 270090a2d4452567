import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { TEST_LOG_KEY } from '../../src/simulator/log-key';
import { buildLeaf } from '../../src/transparency/leaf';
import { keysFromServed, type ServedKey } from '../../src/transparency/keys';
import { leafHash, verifyConsistency, verifyInclusion } from '../../src/transparency/merkle';
import { verifyCheckpoint } from '../../src/transparency/note';
import { parseBundle, tilePath } from '../../src/transparency/tiles';
import { walkAfter } from './helpers';

/**
 * spec/access-transparency.md §3.4 and §5.2: the simulator's log is a real tlog-tiles log over
 * the very events its feed serves; every answer verifies with the transparency library.
 */
const LOG = '/v1/compliance/transparency_log/';

async function fetchLog(
  sim: SimulatorHandle,
  path: string,
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(`${sim.url}${LOG}${path}`, {
    headers: { 'x-api-key': sim.apiKey, 'anthropic-version': '2023-06-01' },
  });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

async function json<T>(sim: SimulatorHandle, path: string): Promise<T> {
  const r = await fetchLog(sim, path);
  assert.equal(r.status, 200, `${path}: ${r.body.toString()}`);
  return JSON.parse(r.body.toString()) as T;
}

interface Proof {
  readonly leaf_index?: number;
  readonly hashes: string[];
  readonly checkpoint: string;
}

describe('the simulated transparency log', () => {
  it('answers 404 everywhere before the log exists, then serves checkpoints, proofs, tiles and bundles that verify', async () => {
    let now = Date.parse('2026-10-05T09:00:00Z');
    const sim = await startSimulator({ seed: 7, rateLimit: false, selfEvents: false, clock: () => now });
    try {
      const before = await fetchLog(sim, 'checkpoint');
      assert.equal(before.status, 404);
      assert.equal(before.headers.get('vary'), 'x-api-key');
      assert.match(before.headers.get('cache-control') ?? '', /private, no-store/);

      sim.append(300, { type: 'anthropic_access' });
      now += 1000;
      const origin = `axt.anthropic.com/${sim.tenant.organizationUuid}`;
      const keys = keysFromServed(
        (await json<{ log_keys: ServedKey[] }>(sim, 'keys')).log_keys,
        [{ fingerprint: TEST_LOG_KEY.fingerprint }],
        origin,
      );
      assert.equal(keys.length, 1);
      const cpReply = await fetchLog(sim, 'checkpoint');
      assert.equal(cpReply.headers.get('content-type'), 'text/plain; charset=utf-8');
      assert.equal(cpReply.headers.get('cache-control'), 'private, no-store');
      const cp = verifyCheckpoint(cpReply.body.toString(), origin, keys, new Date(now));
      assert.equal(cp.size, 300);

      const feed = (
        await walkAfter(sim, { 'activity_types[]': ['anthropic_access'], order: 'asc', limit: 1000 })
      ).pages.flatMap((p) => p.data);
      assert.equal(feed.length, 300);
      for (const event of feed.filter((_, i) => i % 37 === 0)) {
        const leaf = buildLeaf(JSON.stringify(event));
        assert.equal(leaf.kind, 'leaf');
        if (leaf.kind !== 'leaf' || leaf.leafIndex === undefined) throw new Error('no index');
        const proof = await json<Proof>(sim, `inclusion?leaf_index=${leaf.leafIndex}`);
        assert.equal(proof.leaf_index, leaf.leafIndex);
        assert.equal(proof.checkpoint, cp.note, 'proofs embed the latest checkpoint');
        const hashes = proof.hashes.map((h) => Buffer.from(h, 'base64'));
        assert.ok(verifyInclusion(leafHash(leaf.entry), leaf.leafIndex, cp.size, hashes, cp.root));
      }

      // Tiles and bundles at size 300: a full level-0 tile and bundle, then partial ones of width 44.
      const full = await fetchLog(sim, tilePath(0, 0));
      assert.equal(full.headers.get('cache-control'), 'private, max-age=604800, immutable');
      assert.equal(full.body.length, 256 * 32);
      const bundle = parseBundle((await fetchLog(sim, tilePath('entries', 1, 44))).body);
      assert.equal(bundle?.length, 44);
      const partial = await fetchLog(sim, tilePath(0, 1, 44));
      assert.equal(partial.headers.get('cache-control'), 'private, no-store');
      assert.ok(bundle?.every((e, i) => leafHash(e).equals(partial.body.subarray(i * 32, i * 32 + 32))));
      assert.equal((await fetchLog(sim, tilePath(0, 1, 45))).status, 404, 'wider than the tree');
      assert.equal((await fetchLog(sim, tilePath(0, 1))).status, 404, 'the full tile does not exist yet');
      assert.equal((await fetchLog(sim, tilePath(1, 0, 1))).status, 200, 'level 1 holds the one full tile');
      assert.equal((await fetchLog(sim, 'tile/0/01')).status, 400, 'malformed path');

      sim.append(20, { type: 'cmek_preserve' });
      now += 1000;
      const consistency = await json<Proof>(sim, 'consistency?from=300');
      const next = verifyCheckpoint(consistency.checkpoint, origin, keys, new Date(now));
      assert.equal(next.size, 320);
      assert.ok(
        verifyConsistency(
          300,
          cp.root,
          320,
          next.root,
          consistency.hashes.map((h) => Buffer.from(h, 'base64')),
        ),
      );
      assert.deepEqual((await json<Proof>(sim, 'consistency?from=320')).hashes, []);
      assert.equal((await fetchLog(sim, 'consistency?from=321')).status, 400);
      assert.equal((await fetchLog(sim, 'consistency?from=0')).status, 400);
      assert.equal((await fetchLog(sim, 'inclusion?leaf_index=320')).status, 404, 'not covered yet');
      assert.equal((await fetchLog(sim, 'inclusion?leaf_index=-1')).status, 400);
      assert.equal((await fetchLog(sim, 'checkpoint?organization_ids[]=x')).status, 400, 'unknown parameter');
      assert.equal(
        (await fetchLog(sim, `checkpoint?organization_id=${sim.tenant.organizationUuid}`)).status,
        200,
      );
      assert.equal(
        (await fetchLog(sim, 'checkpoint?organization_id=00000000-1111-2222-3333-444444444444')).status,
        404,
        'another organization is out of scope',
      );
    } finally {
      await sim.close();
    }
  });

  it('commits events the feed never serves, and serves a changed index when told to', async () => {
    let now = Date.parse('2026-10-05T09:00:00Z');
    const sim = await startSimulator({ seed: 8, rateLimit: false, selfEvents: false, clock: () => now });
    try {
      const [served] = sim.append(1, { type: 'anthropic_access' });
      now += 1000;
      const [hidden] = sim.commitUnserved(1);
      now += 1000;
      assert.equal(sim.transparencyLog.size(now), 2);
      assert.deepEqual(sim.allIds(), [served], 'the feed never shows the committed event');
      const entries = parseBundle((await fetchLog(sim, tilePath('entries', 0, 2))).body) ?? [];
      assert.ok(entries[1].toString().includes(hidden));
      sim.changeLeafIndex(served, 5);
      assert.equal(sim.allActivities()[0].transparency_log_leaf_index, 5);
    } finally {
      await sim.close();
    }
  });
});
