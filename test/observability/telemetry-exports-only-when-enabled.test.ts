import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { runCli, tempDir, writeConfig } from '../support/forwarder';

/**
 * OpenTelemetry is off by default and sends nothing; `telemetry.enabled: true` or the
 * standard OTEL_EXPORTER_OTLP_ENDPOINT turns it on, and then a real run exports its poll
 * cycle and sink batch spans and the forwarder's metrics to an OTLP/HTTP receiver.
 */
interface Received {
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
}

class OtlpReceiver {
  readonly received: Received[] = [];
  private server?: http.Server;

  async start(port = 0): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({
          path: req.url ?? '',
          contentType: String(req.headers['content-type']),
          body: Buffer.concat(chunks),
        });
        // An empty ExportServiceResponse is an empty protobuf message.
        res.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', resolve);
    });
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  bodies(path: string): string {
    return this.received
      .filter((r) => r.path === path)
      .map((r) => r.body.toString('latin1'))
      .join('\n');
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }
}

const CLEAN_OTEL_ENV = {
  OTEL_EXPORTER_OTLP_ENDPOINT: '',
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: '',
  OTEL_SDK_DISABLED: '',
  OTEL_TRACES_EXPORTER: '',
  OTEL_METRICS_EXPORTER: '',
};

let sim: SimulatorHandle;
let receiver: OtlpReceiver;
let url: string;
/** A receiver on the OTLP default port, when it is free: the off runs must not reach it either. */
let defaultPort: OtlpReceiver | undefined;

before(async () => {
  sim = await startSimulator({ seed: 3, backlog: 200, backlogWindowMs: 3600_000 });
  receiver = new OtlpReceiver();
  url = await receiver.start();
  const d = new OtlpReceiver();
  defaultPort = await d.start(4318).then(
    () => d,
    () => undefined,
  );
});

after(async () => {
  await receiver?.stop();
  await defaultPort?.stop();
  await sim?.close();
});

async function runOnce(
  telemetry: Record<string, unknown> | undefined,
  env: NodeJS.ProcessEnv = {},
): Promise<void> {
  const dir = tempDir('caf-otel-');
  const config = writeConfig(dir, {
    source: {
      base_url: sim.url,
      api_key: sim.apiKey,
      page_size: 100,
      start_at: '2h',
      max_requests_per_minute: 600,
    },
    checkpoint: { path: join(dir, 'checkpoint.json') },
    dead_letter: { path: join(dir, 'dead-letter.jsonl') },
    sinks: { archive: { type: 'file', path: join(dir, 'events.jsonl') } },
    metrics: { enabled: false },
    ...(telemetry ? { telemetry } : {}),
  });
  const r = await runCli(['run', '--once', '-c', config], {
    env: { ...CLEAN_OTEL_ENV, ...env },
    timeoutMs: 60_000,
  });
  assert.equal(r.code, 0, r.stderr.slice(-2000));
}

test('off by default, and off when telemetry.enabled is false even with OTEL_EXPORTER_OTLP_ENDPOINT set: nothing is sent', async () => {
  await runOnce(undefined);
  await runOnce({ enabled: false, endpoint: url }, { OTEL_EXPORTER_OTLP_ENDPOINT: url });
  assert.deepEqual(receiver.received, []);
  assert.deepEqual(defaultPort?.received ?? [], [], 'nothing reached the default OTLP port');
});

test('telemetry.enabled: true exports poll-cycle and sink-batch spans and the metrics over OTLP/HTTP', async () => {
  receiver.received.length = 0;
  await runOnce({ enabled: true, endpoint: url, service_name: 'caf-under-test' });
  const traces = receiver.bodies('/v1/traces');
  assert.ok(receiver.received.every((r) => r.contentType.startsWith('application/x-protobuf')));
  assert.match(traces, /poll cycle/);
  assert.match(traces, /sink batch/);
  assert.match(traces, /caf\.sink/);
  assert.match(traces, /caf-under-test/, 'the service name is the configured one');
  const metrics = receiver.bodies('/v1/metrics');
  assert.match(metrics, /claude_audit_forwarder_delivered/);
  assert.match(metrics, /claude_audit_forwarder_api_requests/);
  assert.match(metrics, /claude_audit_forwarder_sink_batch_duration_seconds/);
});

test('the standard OTEL_EXPORTER_OTLP_ENDPOINT alone turns it on', async () => {
  receiver.received.length = 0;
  await runOnce(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: url });
  assert.match(receiver.bodies('/v1/traces'), /poll cycle/);
  assert.match(receiver.bodies('/v1/traces'), /claude-audit-forwarder/, 'the default service name');
});
