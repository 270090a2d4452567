import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { startHecReceiver, type HecReceiver } from '../support/hec-receiver';
import { readJsonl, tempDir, writeConfig } from '../support/forwarder';
import {
  eventually,
  httpGet,
  readyz,
  scrape,
  startForwarder,
  type RunningForwarder,
  type Scrape,
} from './support/scrape';

/**
 * A real forwarder (the CLI, as a child process) polling the simulator and delivering to a
 * file and to a strict HEC receiver, read from outside through /metrics, /healthz and
 * /readyz while things happen to it: a backlog with 429s, unknown activity types and events
 * HEC refuses; late-indexed rows; HEC refusing the token; the API key revoked. Each
 * metric must move the way the event says, and readiness must turn red naming the part.
 */
const P = 'claude_audit_forwarder_';
const TOKEN = randomUUID();
const API_KEY = `sk-ant-api01-observability-${randomUUID()}`;

let sim: SimulatorHandle;
let hec: HecReceiver;
let fwd: RunningForwarder;
let dir: string;

/** HEC refuses about one event in 16 as "invalid data format": the dead-letter path. */
function refused(envelope: Readonly<Record<string, unknown>>): boolean {
  const id = String((envelope.fields as { event_id?: unknown } | undefined)?.event_id ?? '');
  return /[0-3]$/.test(id) && id.charCodeAt(id.length - 2) % 4 === 0;
}

before(async () => {
  sim = await startSimulator({
    seed: 81,
    keys: [API_KEY],
    backlog: 1500,
    backlogWindowMs: 2 * 3600_000,
    rate: 4,
    futureTypeRate: 0.03,
    faults: {
      script: [null, null, 'rate_limited', null, 'error_503', null, 'rate_limited'],
      retryAfterSeconds: 1,
    },
    // Our own reads would each add a compliance_api_accessed row: the feed would never go quiet.
    selfEvents: false,
  });
  hec = await startHecReceiver({ tokens: { [TOKEN]: { acks: true } } });
  hec.faults.rejectEvent = (envelope) => (refused(envelope) ? 6 : undefined);
  dir = tempDir('caf-obs-');
  const config = writeConfig(dir, {
    source: {
      base_url: sim.url,
      api_key: API_KEY,
      page_size: 100,
      start_at: '3h',
      lookback: '2m',
      poll_interval: '1s',
      max_requests_per_minute: 600,
    },
    checkpoint: { path: join(dir, 'checkpoint.json') },
    dead_letter: { path: join(dir, 'dead-letter.jsonl') },
    sinks: {
      archive: { type: 'file', path: join(dir, 'events.jsonl'), format: 'raw' },
      splunk: {
        type: 'splunk_hec',
        endpoint: hec.url,
        token: TOKEN,
        indexer_acknowledgements: true,
        ack: { poll_interval: '50ms', timeout: '20s' },
        retry: { initial_backoff: '100ms', max_backoff: '500ms' },
        batch: { max_events: 100, timeout: '200ms' },
      },
    },
    metrics: { listen: '127.0.0.1:0' },
    log: { level: 'info', format: 'json' },
  });
  fwd = await startForwarder(['run', '-c', config]);
});

after(async () => {
  if (fwd && fwd.child.exitCode === null) {
    await fwd.kill9();
  }
  await hec?.stop();
  await sim?.close();
});

const idle = (s: Scrape): boolean =>
  s.count(`${P}queue_depth_events`) === 0 && s.count(`${P}sink_batches_in_flight`) === 0;

test('/healthz answers at once, /readyz turns green once the key and every sink are proven', async () => {
  const health = await httpGet(`${fwd.base}/healthz`);
  assert.equal(health.status, 200);
  assert.equal((JSON.parse(health.body) as { status: string }).status, 'alive');
  const ready = await eventually(
    () => readyz(fwd.base),
    (r) => r.status === 200,
    30_000,
    '/readyz to turn green',
  );
  assert.equal(ready.report.status, 'ready');
  assert.deepEqual(ready.report.failing, []);
  assert.equal(ready.report.checks.sinks.splunk.ok, true);
});

test('the backlog shows up as fetched, delivered per sink, dead-lettered, 429s, schema drift and latency', async () => {
  const s = await eventually(
    () => scrape(fwd.base),
    (m) =>
      m.count(`${P}poll_cycles_total`) >= 2 && (m.get(`${P}source_lag_seconds`) ?? Infinity) < 120 && idle(m),
    60_000,
    'the backlog to be delivered',
  );
  const archived = readJsonl<{ id: string }>(join(dir, 'events.jsonl')).length;
  const deadLetters = readJsonl<{ sink: string; reason: string }>(join(dir, 'dead-letter.jsonl'));
  assert.ok(archived >= 1500, `the file holds the backlog (${archived})`);
  assert.ok(s.count(`${P}activities_fetched_total`) >= archived, 'fetched counts every activity read');
  assert.equal(
    s.count(`${P}delivered_total`, { sink: 'archive' }),
    archived,
    'delivered{archive} = lines in the file',
  );
  const splunkDelivered = s.count(`${P}delivered_total`, { sink: 'splunk' });
  const splunkDead = s.count(`${P}dead_lettered_total`, { sink: 'splunk' });
  assert.ok(splunkDead > 0, 'HEC refused some events');
  assert.equal(
    splunkDead,
    deadLetters.filter((d) => d.sink === 'splunk').length,
    'dead_lettered{splunk} = its lines in the dead-letter file',
  );
  assert.equal(
    splunkDelivered + splunkDead,
    archived,
    'every activity was delivered to HEC or dead-lettered, once',
  );
  assert.ok(
    s.all(`${P}dead_lettered_total`).every((x) => /Splunk HEC refused the event/.test(x.labels.reason ?? '')),
    'the reason label says why',
  );
  assert.equal(s.count(`${P}checkpoint_delivered_total`), archived);
  const r429 = s.count(`${P}api_requests_total`, { status: '429' });
  assert.equal(r429, 2, 'the two scripted 429s were counted');
  assert.equal(s.count(`${P}api_rate_limited_total`), r429);
  assert.equal(s.count(`${P}api_retries_total`, { reason: 'rate_limited' }), r429);
  assert.equal(s.count(`${P}api_requests_total`, { status: '503' }), 1);
  assert.equal(s.count(`${P}api_retries_total`, { reason: 'server_error' }), 1);
  assert.ok(s.count(`${P}api_requests_total`, { status: '200' }) > 15);
  assert.equal(s.get(`${P}api_rate_limit_limit`), 600);
  assert.ok((s.get(`${P}api_rate_limit_remaining`) ?? -1) >= 0);
  const unknown = s.all(`${P}unknown_activity_types_total`);
  assert.ok(
    unknown.length > 0 && unknown.every((u) => u.labels.type && u.value > 0),
    'unknown activity types are counted by type',
  );
  assert.ok(
    s.count(`${P}duplicates_suppressed_total`) > 0,
    'the lookback re-read found activities already delivered',
  );
  for (const sink of ['archive', 'splunk']) {
    assert.ok(
      s.count(`${P}sink_batch_duration_seconds_count`, { sink }) > 0,
      `batch latency recorded for ${sink}`,
    );
    assert.equal(s.get(`${P}sink_healthy`, { sink }), 1);
  }
  assert.ok(
    s.count(`${P}sink_requests_total`, { sink: 'splunk' }) > 0,
    "the HEC sink's own request counter is exported",
  );
  assert.ok((s.get(`${P}checkpoint_age_seconds`) ?? Infinity) < 30);
  assert.equal(s.get(`${P}api_credentials_accepted`), 1);
  assert.equal(s.get(`${P}build_info`, { version: '0.1.0' }), 1);
  assert.ok((s.get('process_resident_memory_bytes') ?? 0) > 0, 'process metrics are there');
});

test('late-indexed rows are caught and counted', async () => {
  const before = (await scrape(fwd.base)).count(`${P}late_activities_total`);
  sim.append(25, { createdAt: new Date(Date.now() - 60_000) });
  const s = await eventually(
    () => scrape(fwd.base),
    (m) => m.count(`${P}late_activities_total`) >= before + 25,
    30_000,
    'the late rows to be counted',
  );
  assert.ok(s.count(`${P}late_activities_total`) >= before + 25);
});

test('HEC refusing the token turns readiness red naming the sink; the file sink flows on, and HEC catches up once fixed', async () => {
  hec.setToken(TOKEN, undefined);
  try {
    const red = await eventually(
      () => readyz(fwd.base),
      (r) => r.status === 503,
      30_000,
      '/readyz to turn red',
    );
    assert.deepEqual(red.report.failing, ['sinks.splunk']);
    assert.match(red.report.checks.sinks.splunk.detail ?? '', /token/i);
    assert.ok(!JSON.stringify(red.report).includes(TOKEN), 'the token is not in the answer');
    const down = await scrape(fwd.base);
    assert.equal(down.get(`${P}sink_healthy`, { sink: 'splunk' }), 0);
    assert.equal(down.get(`${P}sink_healthy`, { sink: 'archive' }), 1);
    // pipeline.on_sink_failure: isolate. HEC is detached; new activity (4/s) still reaches the
    // file sink and moves the checkpoint.
    const detached = await eventually(
      () => scrape(fwd.base),
      (m) => m.get(`${P}sink_state`, { sink: 'splunk', state: 'detached' }) === 1,
      30_000,
      'HEC to be detached',
    );
    assert.equal(detached.get(`${P}sink_state`, { sink: 'archive', state: 'attached' }), 1);
    const flowing = await eventually(
      () => scrape(fwd.base),
      (m) => (m.get(`${P}checkpoint_age_seconds`) ?? Infinity) < 3,
      30_000,
      'the checkpoint advancing without HEC',
    );
    assert.ok((flowing.get(`${P}checkpoint_age_seconds`) ?? Infinity) < 3);
  } finally {
    hec.setToken(TOKEN, { acks: true });
  }

  await eventually(
    () => readyz(fwd.base),
    (r) => r.status === 200,
    30_000,
    '/readyz to turn green again',
  );
  const back = await eventually(
    () => scrape(fwd.base),
    (m) => (m.get(`${P}checkpoint_age_seconds`) ?? Infinity) < 3,
    30_000,
    'the checkpoint to advance again',
  );
  assert.equal(back.get(`${P}sink_healthy`, { sink: 'splunk' }), 1);
  await eventually(
    () => scrape(fwd.base),
    (m) => m.get(`${P}sink_state`, { sink: 'splunk', state: 'attached' }) === 1,
    60_000,
    'HEC caught up and attached again',
  );
});

test('a revoked API key turns readiness red naming the source; restoring it turns it green without a restart', async () => {
  sim.revokeKey(API_KEY);
  try {
    const red = await eventually(
      () => readyz(fwd.base),
      // The explanation arrives once the cycle has failed; the 401 itself a moment earlier.
      (r) =>
        r.status === 503 &&
        /refused the API key \(401 authentication_error\)/.test(r.report.checks.source.detail ?? ''),
      30_000,
      '/readyz to turn red with the reason',
    );
    assert.deepEqual(red.report.failing, ['source']);
    const s = await scrape(fwd.base);
    assert.ok(s.count(`${P}api_requests_total`, { status: '401' }) > 0);
    assert.equal(s.get(`${P}api_credentials_accepted`), 0);
    assert.ok(s.count(`${P}poll_cycle_failures_total`) > 0);
    assert.equal(fwd.child.exitCode, null, 'the daemon stays up');
  } finally {
    sim.restoreKey(API_KEY);
  }
  await eventually(
    () => readyz(fwd.base),
    (r) => r.status === 200,
    30_000,
    '/readyz to turn green again',
  );
  assert.equal((await scrape(fwd.base)).get(`${P}api_credentials_accepted`), 1);
});

test('once the feed is quiet, every sink accounts for every activity, then SIGTERM exits 0', async () => {
  sim.setRate(0);
  const s = await eventually(
    async () => {
      const before = await scrape(fwd.base);
      await new Promise((r) => setTimeout(r, 1500));
      return { before, after: await scrape(fwd.base) };
    },
    ({ before, after }) =>
      idle(after) &&
      after.count(`${P}poll_cycles_total`) > before.count(`${P}poll_cycles_total`) &&
      after.count(`${P}checkpoint_delivered_total`) === before.count(`${P}checkpoint_delivered_total`),
    30_000,
    'a quiet, idle forwarder',
  );
  const m = s.after;
  const archived = readJsonl(join(dir, 'events.jsonl')).length;
  assert.equal(m.count(`${P}delivered_total`, { sink: 'archive' }), archived);
  assert.equal(
    m.count(`${P}delivered_total`, { sink: 'splunk' }) +
      m.count(`${P}dead_lettered_total`, { sink: 'splunk' }),
    archived,
  );
  assert.equal(m.count(`${P}checkpoint_delivered_total`), archived);
  assert.ok(
    (m.get(`${P}source_lag_seconds`) ?? Infinity) < 10,
    'a quiet feed is not "behind": lag counts from the end of the last window read',
  );
  const done = await fwd.stop();
  assert.equal(done.code, 0, done.stderr.slice(-2000));
});
