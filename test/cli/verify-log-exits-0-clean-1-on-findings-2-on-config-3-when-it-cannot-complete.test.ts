import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { TEST_LOG_KEY } from '../../src/simulator/log-key';
import { runCli, tempDir, writeConfig } from '../support/forwarder';

/**
 * `verify-log` runs one verification of the Access Transparency log. Its exit code tells a
 * finding (1) from configuration (2) and from a run that could not complete (3, run again).
 */
let sim: SimulatorHandle;
let dir: string;

before(async () => {
  sim = await startSimulator({ seed: 12, selfEvents: false, rateLimit: false });
  sim.append(12, { type: 'anthropic_access' });
  dir = tempDir('caf-verify-log-');
});
after(() => sim?.close());

function config(name: string, accessTransparency: Record<string, unknown>, baseUrl = sim.url): string {
  return writeConfig(
    dir,
    {
      source: {
        base_url: baseUrl,
        api_key: sim.apiKey,
        max_requests_per_minute: 600,
        retry: { initial_backoff: '10ms', max_backoff: '20ms' },
        access_transparency: {
          organization_uuid: sim.tenant.organizationUuid,
          trusted_keys: [TEST_LOG_KEY.fingerprint],
          ...accessTransparency,
        },
      },
      checkpoint: { path: join(dir, 'checkpoint.json') },
      dead_letter: { path: join(dir, 'dead-letter.jsonl') },
      sinks: { archive: { type: 'file', path: join(dir, 'events.jsonl') } },
      log: { level: 'error' },
      metrics: { enabled: false },
    },
    name,
  );
}

test('an honest log: exit 0 and every event proven', async () => {
  const r = await runCli(['verify-log', '-c', config('clean.yaml', {})]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { outcome: string; verified_now: number; verified_size: number };
  assert.equal(out.outcome, 'clean');
  assert.equal(out.verified_now, 12);
  assert.equal(out.verified_size, 12);
});

test('--save keeps the verified checkpoint in the checkpoint file for the next run to extend', async () => {
  const path = config('save.yaml', {});
  const first = await runCli(['verify-log', '--save', '-c', path]);
  assert.equal(first.code, 2, 'no checkpoint yet: run the forwarder first');
  assert.match(first.stderr, /checkpoint\.path/);
  const once = await runCli(['run', '--once', '-c', path], { timeoutMs: 60_000 });
  assert.equal(once.code, 0, once.stderr);
  assert.equal((await runCli(['verify-log', '--save', '-c', path])).code, 0);
  sim.append(3, { type: 'cmek_preserve' });
  const next = await runCli(['verify-log', '-c', path]);
  assert.equal(next.code, 0, next.stderr);
  const out = JSON.parse(next.stdout) as {
    verified_size: number;
    verified_now: number;
    verified_events_total: number;
  };
  assert.equal(out.verified_size, 15);
  assert.equal(out.verified_now, 3, 'only the new events: the saved run proved the first 12');
  assert.equal(out.verified_events_total, 15);
});

test('a key nobody pinned: exit 1, the finding on stdout and an error line on stderr', async () => {
  const r = await runCli(['verify-log', '-c', config('unpinned.yaml', { trusted_keys: [] })]);
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { failures: { reason: string }[] };
  assert.deepEqual(
    out.failures.map((f) => f.reason),
    ['checkpoint_unknown_key'],
  );
  assert.match(r.stderr, /transparency log verification failed/);
});

test('no organization UUID: exit 2 naming the field', async () => {
  const r = await runCli(['verify-log', '-c', config('no-uuid.yaml', { organization_uuid: undefined })]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /source\.access_transparency\.organization_uuid/);
});

test('503 on every request: exit 3, not a finding', async () => {
  sim.setFaults({ errorRate: 1 });
  try {
    const r = await runCli(['verify-log', '-c', config('down.yaml', {})]);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.equal((JSON.parse(r.stdout) as { outcome: string }).outcome, 'incomplete');
  } finally {
    sim.clearFaults();
  }
});
