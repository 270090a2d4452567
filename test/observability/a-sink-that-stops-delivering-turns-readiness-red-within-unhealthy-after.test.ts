import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { startHecReceiver, type HecReceiver } from '../support/hec-receiver';
import { tempDir, writeConfig } from '../support/forwarder';
import {
  eventually,
  readyz,
  scrape,
  startForwarder,
  type Readyz,
  type RunningForwarder,
} from './support/scrape';

/**
 * Issue #17: HEC with indexer acknowledgements killed for 90 s, or accepting events and never
 * acknowledging them, left /readyz 200 and sink_healthy 1. The batch in flight waited on its
 * ack, the failing ack queries were only logged, and no new send found the outage. Now every
 * sink's lane judges the same way: nothing delivered for health.unhealthy_after turns it red,
 * naming the sink and since when, and the next delivery turns it green. A real forwarder (the
 * CLI) polling the simulator and delivering to a file and to a strict HEC receiver.
 */
const P = 'claude_audit_forwarder_';
const TOKEN = randomUUID();
const UNHEALTHY_AFTER_MS = 2000;
/** The promise: readiness and the gauge follow within unhealthy_after + 5 s. */
const WITHIN_MS = UNHEALTHY_AFTER_MS + 5000;

let sim: SimulatorHandle;
let hec: HecReceiver;
let fwd: RunningForwarder;

before(async () => {
  sim = await startSimulator({ seed: 17, backlog: 200, rate: 20, selfEvents: false });
  hec = await startHecReceiver({ tokens: { [TOKEN]: { acks: true } } });
  const dir = tempDir('caf-sink-health-');
  const config = writeConfig(dir, {
    source: {
      base_url: sim.url,
      api_key: sim.apiKey,
      page_size: 100,
      start_at: '1h',
      poll_interval: '1s',
      max_requests_per_minute: 600,
    },
    checkpoint: { path: join(dir, 'checkpoint.json') },
    dead_letter: { path: join(dir, 'dead-letter.jsonl') },
    health: { unhealthy_after: `${UNHEALTHY_AFTER_MS}ms` },
    sinks: {
      archive: { type: 'file', path: join(dir, 'events.jsonl'), format: 'raw' },
      splunk: {
        type: 'splunk_hec',
        endpoint: hec.url,
        token: TOKEN,
        indexer_acknowledgements: true,
        // One batch at a time, and a long ack timeout: while it waits on its ack, only the
        // ack queries can notice that HEC is gone.
        ack: { poll_interval: '500ms', timeout: '5m' },
        retry: { initial_backoff: '100ms', max_backoff: '500ms' },
        batch: { max_events: 50, timeout: '100ms', concurrency: 1 },
      },
    },
    metrics: { listen: '127.0.0.1:0' },
    log: { level: 'info', format: 'json' },
  });
  fwd = await startForwarder(['run', '-c', config]);
});

after(async () => {
  if (fwd && fwd.child.exitCode === null) {
    fwd.child.kill('SIGKILL');
    await fwd.exited;
  }
  await hec?.stop();
  await sim?.close();
});

function splunkRed(r: Readyz): boolean {
  return r.status === 503 && r.report.failing.includes('sinks.splunk');
}

async function waitUntilGreenAndDelivering(): Promise<void> {
  await eventually(
    () => readyz(fwd.base),
    (r) => r.status === 200,
    30_000,
    '/readyz to be green',
  );
  const before = hec.events().length;
  await hec.waitFor(() => hec.events().length > before, 30_000, 'HEC to index new events');
}

/** Resolves once a batch HEC indexed waits on its ack: the moment the old code went blind. */
async function aBatchAwaitsItsAck(): Promise<void> {
  await hec.waitFor(
    () => hec.channelIds().some((c) => (hec.channelState(c)?.outstanding.length ?? 0) > 0),
    30_000,
    'a batch awaiting its ack',
  );
}

async function assertRedWithin(startedAt: number, what: string): Promise<Readyz> {
  const red = await eventually(() => readyz(fwd.base), splunkRed, WITHIN_MS, `/readyz to turn red (${what})`);
  const gauge = await eventually(
    () => scrape(fwd.base),
    (s) => s.get(`${P}sink_healthy`, { sink: 'splunk' }) === 0,
    Math.max(1, startedAt + WITHIN_MS - Date.now()),
    `sink_healthy{sink="splunk"} to read 0 (${what})`,
  );
  assert.ok(Date.now() - startedAt <= WITHIN_MS + 1000, `red within ${WITHIN_MS} ms of ${what}`);
  assert.equal(gauge.get(`${P}sink_healthy`, { sink: 'archive' }), 1, 'the file sink stays healthy');
  assert.deepEqual(red.report.failing, ['sinks.splunk']);
  const check = red.report.checks.sinks.splunk;
  assert.ok(check.since !== undefined, 'the check says since when');
  const since = Date.parse(check.since);
  assert.ok(
    since >= startedAt - 3000 && since <= Date.now(),
    `since ${check.since} is when delivery stopped`,
  );
  const summary = red.report.summary;
  assert.ok(
    summary.some((line) => line.startsWith(`sinks.splunk (since ${check.since}): `)),
    `the summary names the sink and since when: ${JSON.stringify(summary)}`,
  );
  return red;
}

async function assertGreenAgain(what: string): Promise<void> {
  await eventually(
    () => readyz(fwd.base),
    (r) => r.status === 200,
    30_000,
    `/readyz to turn green again (${what})`,
  );
  await eventually(
    () => scrape(fwd.base),
    (s) => s.get(`${P}sink_healthy`, { sink: 'splunk' }) === 1,
    10_000,
    `sink_healthy{sink="splunk"} to read 1 again (${what})`,
  );
}

test('HEC killed while a batch awaits its ack: red within unhealthy_after + 5 s, green once it is back', async () => {
  await waitUntilGreenAndDelivering();
  await aBatchAwaitsItsAck();
  await hec.stop();
  const killedAt = Date.now();
  try {
    const red = await assertRedWithin(killedAt, 'HEC killed');
    assert.match(red.report.checks.sinks.splunk.detail ?? '', /cannot reach Splunk HEC|not acknowledged/);
  } finally {
    await hec.start();
  }
  await assertGreenAgain('HEC back');
  await waitUntilGreenAndDelivering();
});

test('HEC accepting events but never acknowledging them: red within unhealthy_after + 5 s, green once acks come', async () => {
  await waitUntilGreenAndDelivering();
  hec.faults.acksNeverTrue = true;
  const silentAt = Date.now();
  try {
    const red = await assertRedWithin(silentAt, 'acks stopped');
    assert.match(red.report.checks.sinks.splunk.detail ?? '', /not acknowledged/);
  } finally {
    hec.faults.acksNeverTrue = false;
    hec.releaseAcks();
  }
  await assertGreenAgain('acks back');
  await waitUntilGreenAndDelivering();
});

test('HEC holding every request without an answer: red within unhealthy_after + 5 s, green once it answers', async () => {
  await waitUntilGreenAndDelivering();
  // Well inside request_timeout (30s): no send fails, it just does not end.
  hec.faults.slowMs = 9000;
  const hungAt = Date.now();
  try {
    const red = await assertRedWithin(hungAt, 'sends hang');
    assert.match(red.report.checks.sinks.splunk.detail ?? '', /not acknowledged/);
  } finally {
    hec.faults.slowMs = 0;
  }
  await assertGreenAgain('answers again');
  await waitUntilGreenAndDelivering();
});
