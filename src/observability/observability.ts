import type { ForwarderConfig } from '../config/schema';
import { DEFAULT_METRICS_LISTEN } from '../config/schema';
import type { Logger } from './logger';
import { ForwarderMetrics } from './metrics';
import { Readiness } from './readiness';
import { startHealthServer, ListenError, type HealthServer } from './health-server';
import { Telemetry } from './telemetry';
import { combineObservers, type ForwarderObserver, type ForwarderView } from './observer';
import type { ProgressReporter } from './progress';

/**
 * Everything that watches a run, assembled in the order it must start: telemetry first (the
 * OpenTelemetry SDK must be registered before metrics create their OTLP instruments), then
 * metrics and readiness, then the HTTP listener — before the forwarder is built, so that
 * liveness answers while sinks are still being checked.
 */
export interface ObservabilityOptions {
  readonly logger: Logger;
  readonly version: string;
  readonly progress?: ProgressReporter;
  readonly env?: NodeJS.ProcessEnv;
}

export class Observability {
  readonly observer: ForwarderObserver;

  private constructor(
    readonly metrics: ForwarderMetrics,
    readonly readiness: Readiness,
    private readonly telemetry: Telemetry | undefined,
    private readonly server: HealthServer | undefined,
    private readonly progress: ProgressReporter | undefined,
  ) {
    const parts: ForwarderObserver[] = [metrics, readiness];
    if (telemetry) parts.push(telemetry);
    if (progress) parts.push(progress);
    this.observer = combineObservers(parts);
  }

  /** The address /metrics, /healthz and /readyz are served on, if they are. */
  get url(): string | undefined {
    return this.server?.url;
  }

  static async start(config: ForwarderConfig, opts: ObservabilityOptions): Promise<Observability> {
    const { logger } = opts;
    const telemetry = await Telemetry.start(config.telemetry, {
      logger: logger.child({ component: 'telemetry' }),
      version: opts.version,
      env: opts.env,
    });
    const metrics = new ForwarderMetrics({ otel: telemetry !== undefined, version: opts.version });
    const readiness = new Readiness({
      sourceStaleAfterMs: 2 * (config.source.poll_interval + config.source.request_timeout),
    });
    let server: HealthServer | undefined;
    if (config.metrics.enabled) {
      const listen = config.metrics.listen ?? DEFAULT_METRICS_LISTEN;
      try {
        server = await startHealthServer({
          listen,
          metrics: async () => ({ contentType: metrics.contentType, text: await metrics.text() }),
          readiness: () => readiness.report(),
        });
        logger.info('serving /metrics, /healthz and /readyz', { url: server.url });
      } catch (err) {
        if (!(err instanceof ListenError) || config.metrics.listen !== undefined) {
          await telemetry?.stop();
          throw new Error(
            `metrics.listen: ${err instanceof Error ? err.message : String(err)}; set metrics.listen to a free host:port, or metrics.enabled: false`,
            { cause: err },
          );
        }
        // Only the default address: another forwarder on this host may hold it. Run on.
        logger.warn(
          'not serving /metrics, /healthz and /readyz: the default address is taken; set metrics.listen to a free host:port',
          {
            listen,
            error: err.message,
          },
        );
      }
    }
    return new Observability(metrics, readiness, telemetry, server, opts.progress);
  }

  /** The forwarder is built: gauges and readiness read it from now on. */
  attach(view: ForwarderView): void {
    this.metrics.attach(view);
    this.readiness.attach(view);
  }

  /** Shutdown began: readiness goes red at once. */
  stopping(): void {
    this.readiness.stopping();
    this.progress?.stop();
  }

  /**
   * Stops listening and flushes telemetry. False when an exporter is still stuck retrying
   * an unreachable collector (it would hold the process open long after the run ended).
   */
  async close(): Promise<boolean> {
    this.progress?.stop();
    await this.server?.close();
    return (await this.telemetry?.stop()) ?? true;
  }
}
