import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startHealthServer } from '../../src/observability/health-server';
import { Readiness } from '../../src/observability/readiness';
import type { ForwarderView } from '../../src/observability/observer';
import { Checkpointer } from '../../src/checkpoint/checkpointer';
import { runCli, tempDir, writeConfig } from '../support/forwarder';
import { httpGet } from './support/scrape';

/**
 * The probes' contract: /healthz is 200 while the process runs; /readyz is 503 with the
 * failing parts named until the key is accepted and every sink is healthy, and again while
 * shutting down; anything else is 404/405. A configured metrics.listen that cannot be bound
 * stops the start (exit 1, naming the field) — a forwarder nobody can watch is not running.
 */
function view(
  overrides: { sinkHealthy?: boolean; saveError?: string; sourceError?: string; buffered?: number } = {},
): ForwarderView {
  return {
    governor: { state: { pausedUntil: 0 } },
    pipeline: {
      buffered: overrides.buffered ?? 0,
      workerStats: () => [],
      health: () => [
        { sink: 'archive', type: 'file', healthy: true },
        {
          sink: 'splunk',
          type: 'splunk_hec',
          healthy: overrides.sinkHealthy ?? true,
          ...(overrides.sinkHealthy === false ? { detail: 'Splunk refused the token' } : {}),
        },
      ],
      sinks: [],
    },
    checkpointer: {
      watermark: null,
      saveError: overrides.saveError,
      current: Checkpointer.fresh('http://x', new Date().toISOString()),
    },
    sourceError: overrides.sourceError,
  };
}

test('readiness names what is not ready: starting, the source, a sink, the checkpoint, shutdown', () => {
  const r = new Readiness();
  assert.deepEqual(r.report().failing, ['forwarder', 'source']);
  assert.match(r.report().checks.forwarder.detail ?? '', /starting/);
  r.attach(view());
  assert.deepEqual(r.report().failing, ['source'], 'not ready before the API accepted the key');
  r.apiResponse(429);
  assert.deepEqual(r.report().failing, ['source'], 'a 429 proves nothing about the key');
  r.apiResponse(200);
  assert.equal(r.report().status, 'ready');
  r.attach(view({ sourceError: 'The Compliance API refused the API key (401 authentication_error)' }));
  r.apiResponse(401);
  assert.deepEqual(r.report().failing, ['source']);
  assert.match(r.report().checks.source.detail ?? '', /refused the API key/);
  assert.equal(r.report().checks.source.last_status, 401);
  r.apiResponse(200);
  r.attach(view({ sinkHealthy: false, saveError: 'ENOSPC: no space left on device' }));
  assert.deepEqual(r.report().failing, ['checkpoint', 'sinks.splunk']);
  assert.equal(r.report().checks.sinks.splunk.detail, 'Splunk refused the token');
  r.attach(view());
  r.stopping();
  assert.deepEqual(r.report().failing, ['forwarder']);
});

test('records held by a down sink excuse a quiet source, not one whose requests fail', () => {
  let now = 0;
  const r = new Readiness({ sourceStaleAfterMs: 10_000, now: () => now });
  r.attach(view({ buffered: 500 }));
  r.apiResponse(200);
  r.apiPageRead();
  now = 30_000;
  assert.equal(r.report().checks.source.ok, true, 'held back by backpressure: no request to judge');
  r.apiRetry();
  assert.equal(r.report().checks.source.ok, false, 'requests are made and fail: the API is down too');
  r.apiPageRead();
  assert.equal(r.report().checks.source.ok, true);
});

test('/healthz, /readyz, /metrics, HEAD, 404 and 405', async () => {
  const readiness = new Readiness();
  const server = await startHealthServer({
    listen: '127.0.0.1:0',
    metrics: async () => ({ contentType: 'text/plain', text: 'm 1\n' }),
    readiness: () => readiness.report(),
  });
  try {
    const health = await httpGet(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal((JSON.parse(health.body) as { status: string }).status, 'alive');
    const notReady = await httpGet(`${server.url}/readyz`);
    assert.equal(notReady.status, 503);
    assert.deepEqual((JSON.parse(notReady.body) as { failing: string[] }).failing, ['forwarder', 'source']);
    readiness.attach(view());
    readiness.apiResponse(200);
    assert.equal((await httpGet(`${server.url}/readyz`)).status, 200);
    assert.equal((await httpGet(`${server.url}/metrics`)).body, 'm 1\n');
    assert.equal((await httpGet(`${server.url}/nope`)).status, 404);
    const head = await fetch(`${server.url}/readyz`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    assert.equal((await fetch(`${server.url}/metrics`, { method: 'POST' })).status, 405);
  } finally {
    await server.close();
  }
});

test('a configured metrics.listen that is taken stops the start with exit 1, naming the field', async () => {
  const blocker = http.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as AddressInfo).port;
  const dir = tempDir('caf-listen-');
  try {
    const config = writeConfig(dir, {
      source: { base_url: 'http://127.0.0.1:9', api_key: 'sk-ant-api01-unused-key' },
      checkpoint: { path: join(dir, 'checkpoint.json') },
      sinks: { archive: { type: 'file', path: join(dir, 'events.jsonl') } },
      metrics: { listen: `127.0.0.1:${port}` },
    });
    const r = await runCli(['run', '--once', '-c', config]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `metrics\\.listen: cannot listen on 127\\.0\\.0\\.1:${port}: the address is already in use; set metrics\\.listen to a free host:port`,
      ),
    );
    assert.equal(existsSync(join(dir, 'events.jsonl')), false, 'nothing started');
  } finally {
    blocker.close();
  }
});
