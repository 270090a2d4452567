import { dirname } from 'node:path';
import { SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { Logger } from './logger';
import type { CycleHandle, ForwarderObserver } from './observer';
import type { BatchOutcome } from '../pipeline/sink-worker';
import type { CycleRecord } from '../checkpoint/state';
import { redact, registerSecret } from './redact';
import { errorMessage } from '../util/errors';
import { sleep } from '../util/retry';

/**
 * OpenTelemetry through @splunk/otel: traces of poll cycles and sink batches, and the
 * Prometheus metrics exported over OTLP too. Off unless `telemetry.enabled: true`, or the
 * standard OTLP endpoint variables are set (and `telemetry.enabled` is not explicitly false).
 * When off, @splunk/otel is not even loaded: no SDK, no exporter, no network traffic.
 */

export interface TelemetryConfig {
  /** undefined: decided by the OTEL_* environment. */
  readonly enabled?: boolean;
  readonly service_name: string;
  readonly endpoint?: string;
}

/** Variables that mean "someone set up an OTLP destination for this process". */
const ENABLING_ENV = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
] as const;

export interface TelemetryDecision {
  readonly on: boolean;
  readonly why: string;
}

export function telemetryDecision(
  config: TelemetryConfig,
  env: NodeJS.ProcessEnv = process.env,
): TelemetryDecision {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true')
    return { on: false, why: 'OTEL_SDK_DISABLED=true' };
  if (config.enabled === true) return { on: true, why: 'telemetry.enabled: true' };
  if (config.enabled === false) return { on: false, why: 'telemetry.enabled: false' };
  const set = ENABLING_ENV.find((name) => (env[name] ?? '').trim() !== '');
  return set
    ? { on: true, why: `${set} is set` }
    : { on: false, why: 'off by default (telemetry.enabled, OTEL_EXPORTER_OTLP_ENDPOINT)' };
}

type OtelApi = typeof import('@opentelemetry/api');

interface SplunkOtel {
  start(options: Record<string, unknown>): void;
  stop(): Promise<unknown>;
}

/**
 * OTel's internal complaints (an unreachable collector, a refused export) become our own
 * log lines. They must be set through the API copy @splunk/otel registered its globals
 * with: OTel refuses a registration from a different API version.
 */
/** OTel reports exporter failures as a serialized error object; the message is what matters. */
function oneLine(message: string): string {
  if (!message.startsWith('{')) return message;
  try {
    const parsed = JSON.parse(message) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : message;
  } catch {
    return message;
  }
}

async function routeDiagnostics(logger: Logger): Promise<void> {
  try {
    const path = require.resolve('@opentelemetry/api', { paths: [dirname(require.resolve('@splunk/otel'))] });
    const api = (await import(path)) as OtelApi;
    const log =
      (level: 'warn' | 'error' | 'debug') =>
      (message: string, ...args: unknown[]) =>
        logger[level](
          `opentelemetry: ${oneLine(message)}`,
          args.length
            ? { detail: args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ') }
            : undefined,
        );
    api.diag.setLogger(
      {
        error: log('error'),
        warn: log('warn'),
        info: log('debug'),
        debug: log('debug'),
        verbose: log('debug'),
      },
      { logLevel: api.DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
  } catch (err) {
    logger.debug('cannot route OpenTelemetry diagnostics to the log', { error: errorMessage(err) });
  }
}

export class Telemetry implements ForwarderObserver {
  private readonly tracer: Tracer;

  private constructor(
    private readonly sdk: SplunkOtel,
    private readonly logger: Logger,
    version: string,
  ) {
    this.tracer = trace.getTracer('claude-audit-forwarder', version);
  }

  /** Starts the SDK, or returns undefined when telemetry is off. */
  static async start(
    config: TelemetryConfig,
    opts: { logger: Logger; version: string; env?: NodeJS.ProcessEnv },
  ): Promise<Telemetry | undefined> {
    const env = opts.env ?? process.env;
    const decision = telemetryDecision(config, env);
    if (!decision.on) {
      opts.logger.debug('telemetry off', { reason: decision.why });
      return undefined;
    }
    // Exporter credentials come from the environment; they are secrets like any other.
    registerSecret(env.SPLUNK_ACCESS_TOKEN);
    for (const part of (env.OTEL_EXPORTER_OTLP_HEADERS ?? '').split(','))
      registerSecret(part.split('=').slice(1).join('='));
    const sdk = (await import('@splunk/otel')) as unknown as SplunkOtel;
    sdk.start({
      serviceName: config.service_name,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      // Our own spans only: auto-instrumenting http would trace every /metrics scrape.
      tracing: { instrumentations: [] },
      metrics: true,
      logging: false,
      profiling: false,
      logLevel: 'none',
    });
    await routeDiagnostics(opts.logger);
    opts.logger.info('telemetry on: exporting traces and metrics over OTLP', {
      reason: decision.why,
      service_name: config.service_name,
      endpoint: config.endpoint ?? env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318',
    });
    return new Telemetry(sdk, opts.logger, opts.version);
  }

  cycleStarted(): CycleHandle {
    const span = this.tracer.startSpan('poll cycle');
    return {
      completed: (record: CycleRecord) => {
        span.setAttributes({
          'caf.cycle': record.cycle,
          'caf.window.from': record.from,
          'caf.window.to': record.to,
          'caf.pages': record.pages,
          'caf.fetched': record.fetched,
          'caf.delivered': record.delivered,
          'caf.duplicates_suppressed': record.duplicates_suppressed,
          'caf.late_caught': record.late_caught,
          'caf.sha256': record.sha256,
          ...(record.last_request_id ? { 'caf.last_request_id': record.last_request_id } : {}),
        });
        span.end();
      },
      failed: (error: string) => endWithError(span, error),
    };
  }

  readonly sinks = {
    onBatchStart: (sink: string, events: number): ((outcome: BatchOutcome) => void) => {
      const span = this.tracer.startSpan('sink batch', {
        attributes: { 'caf.sink': sink, 'caf.events': events },
      });
      return (outcome) => {
        span.setAttributes({ 'caf.delivered': outcome.delivered, 'caf.rejected': outcome.rejected });
        if (outcome.error) endWithError(span, outcome.error);
        else span.end();
      };
    },
  };

  /** Flushes spans and metrics still buffered, then stops the exporters; false if it gave up. */
  async stop(timeoutMs = 5000): Promise<boolean> {
    // An unreachable collector must not hold up a shutdown (or a Kubernetes rollout).
    const cancel = new AbortController();
    try {
      const flushed = await Promise.race([
        this.sdk.stop().then(() => true),
        sleep(timeoutMs, cancel.signal).then(() => false),
      ]);
      if (!flushed)
        this.logger.warn('telemetry could not flush its last spans and metrics in time; dropping them', {
          timeout_ms: timeoutMs,
        });
      return flushed;
    } catch (err) {
      this.logger.warn('telemetry did not flush cleanly', { error: errorMessage(err) });
      return true;
    } finally {
      cancel.abort();
    }
  }
}

function endWithError(span: Span, error: string): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: redact(error).slice(0, 500) });
  span.end();
}
