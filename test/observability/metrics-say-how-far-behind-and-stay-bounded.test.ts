import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ForwarderMetrics, reasonLabel } from '../../src/observability/metrics';
import type { ForwarderView } from '../../src/observability/observer';
import { Checkpointer } from '../../src/checkpoint/checkpointer';
import type { CheckpointState, CycleRecord } from '../../src/checkpoint/state';
import type { Page } from '../../src/source/client';
import { clearSecretsForTests, registerSecret } from '../../src/observability/redact';
import { Scrape } from './support/scrape';
import { SinkStats } from '../../src/sinks/runtime/stats';

/**
 * The metrics' meaning, with a controlled clock: lag counts from the newest point up to
 * which everything is delivered (so a quiet feed is not "behind"), checkpoint age counts
 * from the last durable progress, and labels fed by outside data stay bounded and secret-free.
 */
const P = 'claude_audit_forwarder_';
const T0 = Date.parse('2026-05-01T12:00:00Z');

function setup(state: CheckpointState, clock: { now: number }) {
  const metrics = new ForwarderMetrics({ version: 't', now: () => clock.now, processMetrics: false });
  const checkpointer = {
    watermark: state.watermark,
    saveError: undefined as string | undefined,
    current: state,
  };
  const view: ForwarderView = {
    governor: { state: { pausedUntil: clock.now + 2500, limit: 600, remaining: 42 } },
    pipeline: {
      buffered: 7,
      workerStats: () => [{ sink: 'a', queued: 3, batchesInFlight: 1 }],
      health: () => [{ sink: 'a', type: 'file', healthy: true }],
      sinks: [{ name: 'a', type: 'file', stats: new SinkStats() }],
    },
    checkpointer,
    sourceError: undefined,
  };
  metrics.attach(view);
  return { metrics, checkpointer, scrape: async () => new Scrape(await metrics.text()) };
}

const record = (to: string): CycleRecord => ({ to }) as CycleRecord;

test('a first run starting 24 h back is 24 h behind; it catches up as the watermark moves', async () => {
  const clock = { now: T0 };
  const state = Checkpointer.fresh('http://x', new Date(T0 - 24 * 3600_000).toISOString());
  const { checkpointer, scrape } = setup(state, clock);
  assert.equal((await scrape()).get(`${P}source_lag_seconds`), 24 * 3600);
  checkpointer.watermark = new Date(T0 - 3600_000).toISOString();
  assert.equal((await scrape()).get(`${P}source_lag_seconds`), 3600);
  assert.equal((await scrape()).get(`${P}newest_delivered_timestamp_seconds`), (T0 - 3600_000) / 1000);
});

test('a quiet feed is not behind: lag counts from the end of the last fully read window', async () => {
  const clock = { now: T0 };
  const state = {
    ...Checkpointer.fresh('http://x', new Date(T0 - 3600_000).toISOString()),
    watermark: new Date(T0 - 2 * 3600_000).toISOString(),
  };
  const { metrics, scrape } = setup(state, clock);
  const cycle = metrics.cycleStarted();
  clock.now += 30_000;
  cycle.completed(record(new Date(T0).toISOString()), 0.2);
  assert.equal(
    (await scrape()).get(`${P}source_lag_seconds`),
    30,
    'nothing new for 2 h, but caught up as of the cycle',
  );
  assert.equal((await scrape()).get(`${P}poll_cycles_total`), 1);
  assert.equal((await scrape()).get(`${P}last_poll_cycle_timestamp_seconds`), clock.now / 1000);
});

test('checkpoint age grows without progress, and a resumed checkpoint counts from its last write', async () => {
  const clock = { now: T0 };
  const old = {
    ...Checkpointer.fresh('http://x', '2026-04-01T00:00:00Z'),
    updated_at: new Date(T0 - 600_000).toISOString(),
    history: [record('2026-05-01T11:50:00Z')],
  };
  const { metrics, scrape, checkpointer } = setup(old, clock);
  assert.equal((await scrape()).get(`${P}checkpoint_age_seconds`), 600);
  clock.now += 5000;
  metrics.checkpointAdvanced();
  clock.now += 2000;
  assert.equal((await scrape()).get(`${P}checkpoint_age_seconds`), 2);
  checkpointer.saveError = 'EROFS';
  assert.equal((await scrape()).get(`${P}checkpoint_write_failing`), 1);
});

test('gauges read the running forwarder: queue, in flight, health, rate limit, pause', async () => {
  const clock = { now: T0 };
  const { scrape } = setup(Checkpointer.fresh('http://x', new Date(T0).toISOString()), clock);
  const s = await scrape();
  assert.equal(s.get(`${P}queue_depth_events`), 7);
  assert.equal(s.get(`${P}sink_queued_events`, { sink: 'a' }), 3);
  assert.equal(s.get(`${P}sink_batches_in_flight`, { sink: 'a' }), 1);
  assert.equal(s.get(`${P}sink_healthy`, { sink: 'a', type: 'file' }), 1);
  assert.equal(s.get(`${P}api_rate_limit_remaining`), 42);
  assert.equal(s.get(`${P}api_paused_seconds`), 2.5);
});

test('labels from outside data stay bounded, and secrets never reach them', async () => {
  clearSecretsForTests();
  const token = '0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b';
  registerSecret(token);
  const { metrics, scrape } = setup(Checkpointer.fresh('http://x', new Date(T0).toISOString()), { now: T0 });
  const types = Array.from({ length: 250 }, (_, i) => `future_type_${i}`);
  metrics.poll.onPage({} as Page, { fetched: 250, duplicates: 0, late: 0, filtered: 0, unknownTypes: types });
  for (let i = 0; i < 40; i++)
    metrics.sinks.onDeadLettered('splunk', `reason number ${i}: event activity_01abc${i} refused`, 1);
  metrics.sinks.onDeadLettered('splunk', `HEC said: bad token ${token}`, 1);
  const s = await scrape();
  const unknown = s.all(`${P}unknown_activity_types_total`);
  assert.equal(unknown.length, 201, '200 types, then "other"');
  assert.equal(s.get(`${P}unknown_activity_types_total`, { type: 'other' }), 50);
  assert.equal(s.count(`${P}unknown_activity_types_total`), 250, 'every one counted');
  const reasons = s.all(`${P}dead_lettered_total`);
  assert.equal(reasons.length, 21, '20 reasons per sink, then "other"');
  assert.equal(s.count(`${P}dead_lettered_total`, { sink: 'splunk' }), 41);
  assert.ok(!s.text.includes(token));
  assert.equal(
    reasonLabel('Splunk HEC refused event activity_01XyZ: code 6'),
    'Splunk HEC refused event activity_<id>: code 6',
  );
  clearSecretsForTests();
});
