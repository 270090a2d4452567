import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { ComplianceApiClient, type PageQuery, type SourceFilters } from '../../src/source/client';
import { ApiError } from '../../src/source/api-errors';
import { RateGovernor } from '../../src/source/rate-limit';
import { silentLogger } from '../../src/observability/logger';

let sim: SimulatorHandle;
before(async () => {
  sim = await startSimulator({ seed: 5, backlog: 50, selfEvents: false });
});
after(() => sim.close());

const QUERY: PageQuery = { limit: 10, order: 'asc' };
const NO_FILTERS: SourceFilters = {
  activityTypes: [],
  excludeActivityTypes: [],
  organizationIds: [],
  actorIds: [],
};

function client(
  opts: {
    key?: string;
    perMinute?: number;
    filters?: Partial<typeof NO_FILTERS>;
    retries?: { reason: string; delayMs: number }[];
  } = {},
) {
  return new ComplianceApiClient({
    baseUrl: sim.url,
    apiKey: opts.key ?? sim.apiKey,
    version: '0.0.0-test',
    timeoutMs: 5000,
    filters: { ...NO_FILTERS, ...opts.filters },
    governor: new RateGovernor(opts.perMinute ?? 600),
    logger: silentLogger,
    backoff: { initialMs: 50, maxMs: 400 },
    onRetry: (reason, delayMs) => opts.retries?.push({ reason, delayMs }),
  });
}

test('sends the documented headers and bracketed array parameters', async () => {
  const c = client({ filters: { activityTypes: ['org_user_deleted', 'api_key_created'] } });
  await c.fetchPage(QUERY);
  const last = sim.requests().at(-1)!;
  assert.equal(last.status, 200);
  assert.match(
    last.path,
    /[?&]activity_types%5B%5D=org_user_deleted&activity_types%5B%5D=api_key_created(&|$)/,
  );
  assert.match(last.path, /[?&]limit=10(&|$)/);
  assert.match(last.path, /[?&]order=asc(&|$)/);
});

test('429: waits retry-after, then gets the same page (the position never advances on 429)', async () => {
  const retries: { reason: string; delayMs: number }[] = [];
  const c = client({ retries });
  const expected = await c.fetchPage(QUERY);
  sim.setFaults({ script: ['rate_limited'], retryAfterSeconds: 1 });
  const started = Date.now();
  const page = await c.fetchPage(QUERY);
  assert.ok(Date.now() - started >= 950, 'waited the Retry-After second');
  assert.equal(retries.length, 1);
  assert.match(retries[0].reason, /429/);
  assert.ok(retries[0].delayMs >= 1000);
  assert.deepEqual(
    page.activities.map((a) => a.id),
    expected.activities.map((a) => a.id),
  );
});

test('5xx, 529 and malformed pages are retried with backoff until they succeed', async () => {
  const retries: { reason: string; delayMs: number }[] = [];
  const c = client({ retries });
  sim.setFaults({
    script: [
      'error_500',
      'error_502',
      'error_503',
      'error_504',
      'error_529',
      'truncated_json',
      'invalid_json',
      'html_200',
      'html_502',
    ],
  });
  const page = await c.fetchPage(QUERY);
  assert.equal(page.activities.length, 10);
  assert.equal(retries.length, 9);
  assert.ok(retries.some((r) => /malformed page/.test(r.reason)));
  // Exponential: the delays grow (up to the cap) rather than hammering the API.
  assert.ok(retries[3].delayMs > retries[0].delayMs);
});

test('a 500 with x-should-retry: false is not retried', async () => {
  const retries: { reason: string; delayMs: number }[] = [];
  sim.setFaults({ script: ['fatal_500'] });
  await assert.rejects(client({ retries }).fetchPage(QUERY), (err: ApiError) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 500);
    assert.match(err.message, /x-should-retry: false/);
    return true;
  });
  assert.equal(retries.length, 0);
});

test('401: an invalid key stops with a message a person can act on', async () => {
  await assert.rejects(client({ key: 'sk-ant-api01-not-a-real-key' }).fetchPage(QUERY), (err: ApiError) => {
    assert.equal(err.status, 401);
    assert.equal(err.retryable, false);
    assert.match(err.message, /invalid, revoked or expired/);
    assert.match(err.message, /api_key_file/);
    assert.ok(!err.message.includes('sk-ant-api01-not-a-real-key'), 'the key is not echoed');
    return true;
  });
});

test('403: names the missing scope', async () => {
  sim.addKey({ key: 'sk-ant-api01-no-scope-key', scopes: [] });
  await assert.rejects(client({ key: 'sk-ant-api01-no-scope-key' }).fetchPage(QUERY), (err: ApiError) => {
    assert.equal(err.status, 403);
    assert.match(err.message, /read:compliance_activities/);
    return true;
  });
});

test('400: an unknown activity type in the filter stops with a pointer to the config', async () => {
  await assert.rejects(
    client({ filters: { activityTypes: ['no_such_activity_type'] } }).fetchPage(QUERY),
    (err: ApiError) => {
      assert.equal(err.status, 400);
      assert.match(err.message, /source\.activity_types/);
      return true;
    },
  );
});

test('holds its own request rate under max_requests_per_minute', async () => {
  const c = client({ perMinute: 120 }); // one request per 500 ms at most
  const before = sim.requests().length;
  const started = Date.now();
  for (let i = 0; i < 5; i++) await c.fetchPage(QUERY);
  const elapsed = Date.now() - started;
  assert.equal(sim.requests().length - before, 5);
  assert.ok(elapsed >= 4 * 500 - 50, `5 requests at 120/min take >= 2 s (took ${elapsed} ms)`);
});

test('pauses when the server says the shared budget is nearly spent', async () => {
  const governor = new RateGovernor(600);
  const reset = new Date(Date.now() + 700).toISOString();
  governor.observe({
    'anthropic-ratelimit-requests-limit': '600',
    'anthropic-ratelimit-requests-remaining': '20',
    'anthropic-ratelimit-requests-reset': reset,
  });
  const started = Date.now();
  await governor.schedule(async () => undefined);
  assert.ok(Date.now() - started >= 600, 'waited for the window to reset');
  await governor.stop();
});

test('identifies itself: x-api-key, anthropic-version, Accept and a versioned User-Agent', async () => {
  const http = await import('node:http');
  let seen: import('node:http').IncomingHttpHeaders = {};
  const server = http.createServer((req, res) => {
    seen = req.headers;
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end('{"data":[],"has_more":false,"first_id":null,"last_id":null}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as import('node:net').AddressInfo).port;
  try {
    const c = new ComplianceApiClient({
      baseUrl: `http://127.0.0.1:${port}`,
      apiKey: 'sk-ant-api01-header-check',
      version: '9.9.9',
      timeoutMs: 2000,
      filters: NO_FILTERS,
      governor: new RateGovernor(600),
      logger: silentLogger,
    });
    const page = await c.fetchPage(QUERY);
    assert.equal(page.activities.length, 0);
    assert.equal(seen['x-api-key'], 'sk-ant-api01-header-check');
    assert.equal(seen['anthropic-version'], '2023-06-01');
    assert.equal(seen['accept'], 'application/json');
    assert.match(String(seen['user-agent']), /^claude-audit-forwarder\/9\.9\.9/);
  } finally {
    server.close();
  }
});
