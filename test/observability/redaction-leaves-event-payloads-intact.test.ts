import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { runCli, tempDir, writeConfig } from '../support/forwarder';

/**
 * Redaction is for log and error text. An activity is evidence: it reaches its destination
 * exactly as the API served it, even when a word in it equals a configured secret. Proven
 * with the stdout sink (stdout is the stream the redaction layer guards) and a dry run, using
 * an API key that is also a word most activities carry ("user_actor").
 */

const KEY_THAT_IS_ALSO_CONTENT = 'user_actor';
let sim: SimulatorHandle;
let dir: string;
let config: string;

before(async () => {
  sim = await startSimulator({
    seed: 33,
    keys: [KEY_THAT_IS_ALSO_CONTENT],
    backlog: 60,
    backlogWindowMs: 3600_000,
    selfEvents: false,
  });
  dir = tempDir('caf-payload-');
  config = writeConfig(dir, {
    source: {
      base_url: sim.url,
      api_key: KEY_THAT_IS_ALSO_CONTENT,
      page_size: 50,
      start_at: '2h',
      max_requests_per_minute: 600,
    },
    checkpoint: { path: join(dir, 'checkpoint.json') },
    dead_letter: { path: join(dir, 'dead-letter.jsonl') },
    sinks: { terminal: { type: 'stdout', format: 'raw' } },
    metrics: { enabled: false },
    log: { level: 'debug' },
  });
});

after(() => sim?.close());

function expectedLines(): string[] {
  return sim.allActivities().map((a) => JSON.stringify(a));
}

// First: a dry run reads from the start, before the run below writes a checkpoint.
test('a dry run prints activities unredacted too', async () => {
  const r = await runCli(['run', '--dry-run', '--limit', '20', '-c', config]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes('[REDACTED]'), r.stdout.slice(0, 500));
  assert.ok(r.stdout.includes(KEY_THAT_IS_ALSO_CONTENT), r.stdout.slice(0, 500));
});

test('the stdout sink writes every activity byte for byte, the secret-looking word included', async () => {
  const r = await runCli(['run', '--once', '-c', config]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.ok(!r.stdout.includes('[REDACTED]'), 'no event was rewritten by redaction');
  const carrying = lines.filter((l) => l.includes(`"${KEY_THAT_IS_ALSO_CONTENT}"`));
  assert.ok(carrying.length >= 10, `many activities carry the word (${carrying.length} of ${lines.length})`);
  assert.deepEqual(
    new Set(lines.map((l) => (JSON.parse(l) as { id: string }).id)),
    new Set(sim.allActivities().map((a) => a.id)),
  );
  const served = new Map(
    expectedLines().map((l) => [(JSON.parse(l) as { id: string }).id, JSON.parse(l) as unknown]),
  );
  for (const l of lines) {
    const a = JSON.parse(l) as { id: string };
    assert.deepEqual(a, served.get(a.id), `activity ${a.id} as served`);
  }
});
