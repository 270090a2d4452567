import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { TlsCertificateError } from '../../src/util/tls-errors';
import { tempDir, writeConfig } from '../support/forwarder';
import { startTlsFront, type TlsFront } from '../support/tls-front';
import { eventually, logLines, readyz, startForwarder } from '../observability/support/scrape';
import { testApiClient } from '../support/api-client';

/**
 * Issue #16: a wrong CA on the source was retried as a network fault, for ever, saying
 * "request failed". Now the request fails at once with the problem named (which certificate,
 * what is wrong, source.tls.ca_file), the poll cycle fails with it, and /readyz shows it.
 */
let sim: SimulatorHandle;
let front: TlsFront;

before(async () => {
  sim = await startSimulator({ seed: 16, backlog: 5, selfEvents: false });
  front = await startTlsFront(sim.url);
});

after(async () => {
  await front.close();
  await sim.close();
});

test(
  'a server certificate from an untrusted CA fails the request at once, naming source.tls.ca_file',
  { timeout: 15_000 },
  async () => {
    const retries: string[] = [];
    const client = testApiClient({
      baseUrl: front.url,
      apiKey: sim.apiKey,
      backoff: { initialMs: 20, maxMs: 100 },
      tls: { ca: readFileSync(front.certs.otherCaFile) },
      onRetry: (reason) => retries.push(reason),
    });
    try {
      const err = await client.fetchPage({ limit: 5, order: 'asc' }, AbortSignal.timeout(5000)).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof TlsCertificateError, `a certificate error, not ${String(err)}`);
      assert.match(
        err.message,
        new RegExp(
          `^TLS with the Compliance API at ${front.url.replace(/[.]/g, '\\.')} \\(source\\.base_url\\): its certificate is signed by a CA this process does not trust`,
        ),
      );
      assert.match(err.message, /set source\.tls\.ca_file to the CA that signed it/);
      assert.deepEqual(retries, [], 'never retried as a network fault');
    } finally {
      client.close();
    }
  },
);

test('/readyz names the certificate problem of the source while it lasts', { timeout: 60_000 }, async () => {
  const dir = tempDir('caf-source-ca-');
  const config = writeConfig(dir, {
    source: {
      base_url: front.url,
      api_key: sim.apiKey,
      page_size: 100,
      start_at: '1h',
      poll_interval: '1s',
      tls: { ca_file: front.certs.otherCaFile },
    },
    checkpoint: { path: join(dir, 'checkpoint.json') },
    dead_letter: { path: join(dir, 'dead-letter.jsonl') },
    sinks: { archive: { type: 'file', path: join(dir, 'events.jsonl'), format: 'raw' } },
    metrics: { listen: '127.0.0.1:0' },
    log: { level: 'info', format: 'json' },
  });
  const fwd = await startForwarder(['run', '-c', config]);
  try {
    const red = await eventually(
      () => readyz(fwd.base),
      (r) => r.status === 503 && /source\.tls\.ca_file/.test(r.report.checks.source?.detail ?? ''),
      30_000,
      '/readyz to name source.tls.ca_file',
    );
    assert.match(
      red.report.checks.source?.detail ?? '',
      /its certificate is signed by a CA this process does not trust/,
    );
    const retried = logLines(fwd.stderr()).filter(
      (l) => l.message === 'Compliance API request failed; retrying',
    );
    assert.deepEqual(retried, [], 'no network-fault retries');
  } finally {
    await fwd.kill9();
  }
});
