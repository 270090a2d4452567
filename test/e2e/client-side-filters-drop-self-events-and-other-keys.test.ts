import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSimulator } from '../../src/simulator';
import { readJsonl, runCli, tempDir, writeConfig } from '../support/forwarder';

test('self_events: drop skips exactly the compliance_api_accessed rows our own requests caused', async () => {
  const sim = await startSimulator({ seed: 31, backlog: 300, backlogWindowMs: 3600_000 });
  const dir = tempDir();
  try {
    // Another tool of the tenant reads the feed too: its rows must still be delivered.
    const other = 'sk-ant-api01-another-tools-key';
    sim.addKey(other);
    await fetch(`${sim.url}/v1/compliance/activities?limit=1`, { headers: { 'x-api-key': other } });
    const config = writeConfig(dir, {
      source: {
        base_url: sim.url,
        api_key: sim.apiKey,
        page_size: 50,
        start_at: '2h',
        max_requests_per_minute: 600,
        self_events: 'drop',
      },
      checkpoint: { path: join(dir, 'checkpoint.json') },
      dead_letter: { path: join(dir, 'dead.jsonl') },
      sinks: { archive: { type: 'file', path: join(dir, 'events.jsonl'), format: 'raw' } },
      log: { level: 'warn' },
    });
    for (let i = 0; i < 3; i++) {
      const r = await runCli(['run', '--once', '-c', config]);
      assert.equal(r.code, 0, r.stderr);
      await new Promise((res) => setTimeout(res, 1200)); // let our requests' rows appear
    }
    const delivered = readJsonl<{ id: string; type: string; request_id?: string }>(join(dir, 'events.jsonl'));
    const ownRequestIds = new Set(
      sim
        .requests()
        .filter((q) => !/[?&]limit=1$/.test(q.path) && q.requestId)
        .map((q) => q.requestId),
    );
    const selfRows = sim
      .allActivities({ includeSelf: true })
      .filter((a) => a.type === 'compliance_api_accessed');
    const ours = selfRows.filter((a) => ownRequestIds.has(a.request_id as string));
    const theirs = selfRows.filter((a) => !ownRequestIds.has(a.request_id as string));
    assert.ok(ours.length >= 6, 'our reads produced self events');
    assert.ok(theirs.length >= 1, "the other tool's read produced one");
    const deliveredIds = new Set(delivered.map((a) => a.id));
    assert.deepEqual(
      ours.filter((a) => deliveredIds.has(a.id)).map((a) => a.id),
      [],
      'none of ours delivered',
    );
    assert.deepEqual(
      theirs.filter((a) => !deliveredIds.has(a.id)).map((a) => a.id),
      [],
      "the other tool's are delivered",
    );
  } finally {
    await sim.close();
  }
});
