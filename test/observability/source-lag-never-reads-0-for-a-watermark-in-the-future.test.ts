import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ForwarderMetrics } from '../../src/observability/metrics';
import type { ForwarderView } from '../../src/observability/observer';
import { Checkpointer } from '../../src/checkpoint/checkpointer';
import type { CycleRecord } from '../../src/checkpoint/state';
import { Scrape } from './support/scrape';

/**
 * Issue #15: a watermark moved to 2999 by one future-dated row made source_lag_seconds read 0
 * while nothing was read. Lag is the wall clock minus how far delivery has reached, and a
 * point in the future has not been reached.
 */
const P = 'claude_audit_forwarder_';
const T0 = Date.parse('2026-05-01T12:00:00Z');

test('a watermark in the future does not count: lag grows from the last window really read', async () => {
  const clock = { now: T0 };
  const metrics = new ForwarderMetrics({ version: 't', now: () => clock.now, processMetrics: false });
  const state = {
    ...Checkpointer.fresh('http://x', new Date(T0 - 3600_000).toISOString()),
    watermark: '2999-01-01T00:00:00.000000Z',
  };
  const view: ForwarderView = {
    governor: { state: { pausedUntil: 0 } },
    pipeline: { buffered: 0, workerStats: () => [], health: () => [], sinks: [] },
    checkpointer: { watermark: state.watermark, saveError: undefined, current: state },
    sourceError: undefined,
  };
  metrics.attach(view);
  const lag = async (): Promise<number | undefined> =>
    new Scrape(await metrics.text()).get(`${P}source_lag_seconds`);
  assert.equal(await lag(), 3600, 'counted from where reading started, not from 2999');
  metrics.cycleStarted().completed({ to: new Date(T0).toISOString() } as CycleRecord, 0.1);
  clock.now += 600_000;
  assert.equal(await lag(), 600, 'ten minutes without a completed cycle are ten minutes behind');
});
