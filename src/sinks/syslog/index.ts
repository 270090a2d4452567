import { getMaxListeners, setMaxListeners } from 'node:events';
import type { ConnectionOptions } from 'node:tls';
import { defineSink } from '../factory';
import type { BatchLimits, SendResult, Sink, SinkContext, SinkHealth } from '../sink';
import type { PipelineRecord } from '../../pipeline/record';
import { backoffPolicy, batchLimits } from '../../config/fields';
import { AbortedError, ConfigError, errorMessage } from '../../util/errors';
import { HealthTracker } from '../runtime/health';
import { retryRequest } from '../runtime/retry-request';
import { SinkStats } from '../runtime/stats';
import { sleep } from '../../util/retry';
import { buildTlsOptions } from '../../util/tls';
import type { Logger } from '../../observability/logger';
import { formatAddress, parseAddress, type SyslogAddress } from './address';
import {
  effectiveFraming,
  effectiveMaxMessageBytes,
  syslogPlaintextPath,
  syslogSinkConfig,
  type SyslogSinkConfig,
} from './config';
import { SyslogEncoder, type SyslogFrame } from './encode';
import { bodyEncoder } from './payload';
import { StreamConnection } from './stream-connection';
import { DatagramConnection } from './datagram-connection';

/** Syslog's own counters, beside the shared ones in `stats`; monotonic. */
export interface SyslogSinkMetrics {
  /** Messages (events) delivered: written, flushed and settled (TCP/TLS) or sent (UDP). */
  messagesSent: number;
  /** Delivered messages that were cut to max_message_bytes. */
  truncated: number;
  connects: number;
  /** Connections lost or refused. */
  connectionFailures: number;
}

type Connection = StreamConnection | DatagramConnection;

/**
 * The syslog sink: RFC 5424 / RFC 3164 / CEF / LEEF over UDP, TCP or TLS, to rsyslog,
 * syslog-ng, QRadar, ArcSight and friends. One connection per sink; batches are written
 * whole and acknowledged under the rule in stream-connection.ts. Over UDP, delivery is
 * best effort (see README.md).
 */
export class SyslogSink implements Sink<SyslogFrame> {
  readonly type = 'syslog';
  readonly batch: BatchLimits;
  readonly metrics: SyslogSinkMetrics = { messagesSent: 0, truncated: 0, connects: 0, connectionFailures: 0 };
  readonly stats = new SinkStats();
  private readonly healthTracker: HealthTracker;
  private readonly encoder: SyslogEncoder;
  private readonly address: SyslogAddress;
  private readonly tls?: ConnectionOptions;
  private readonly logger: Logger;
  private connection?: Connection;
  private connecting?: Promise<Connection>;
  private closed = false;

  constructor(
    readonly name: string,
    private readonly config: SyslogSinkConfig,
    ctx: SinkContext,
  ) {
    this.batch = batchLimits(config.batch);
    this.logger = ctx.logger.child({ sink: name, sink_type: 'syslog' });
    const address = parseAddress(config.address, config.transport);
    if (typeof address === 'string') throw new ConfigError(address, `sinks.${name}.address`);
    this.address = address;
    this.healthTracker = new HealthTracker(this.logger, `syslog receiver ${this.where}`);
    if (config.transport === 'tls') {
      this.tls = buildTlsOptions(config.tls, {
        fieldPath: `sinks.${name}.tls`,
        component: `sink ${name}`,
        logger: this.logger,
        baseDir: ctx.baseDir,
      });
    }
    this.encoder = new SyslogEncoder({
      format: config.format,
      payloadFormat: config.payload_format,
      framing: effectiveFraming(config),
      facility: config.facility,
      hostname: config.hostname ?? ctx.hostname,
      appName: config.app_name,
      procid: String(process.pid),
      enterpriseId: config.enterprise_id,
      bom: config.bom,
      maxMessageBytes: effectiveMaxMessageBytes(config),
      leefDelimiter: config.leef_delimiter,
    });
  }

  private get where(): string {
    return `${this.config.transport}://${formatAddress(this.address)}`;
  }

  async start(signal: AbortSignal): Promise<void> {
    try {
      const connection = await this.connect(signal);
      // Under TLS 1.3 a receiver refuses a client certificate only after our side of the
      // handshake completed: give its alert the same window a batch gets.
      if (connection instanceof StreamConnection && this.tls) await sleep(this.config.ack_delay, signal);
      if (!connection.alive) throw connection.error ?? new Error('the connection closed');
    } catch (err) {
      if (err instanceof AbortedError) throw err;
      // The pipeline names the sink (`sinks.<name> (syslog): `); saying it here too doubled it.
      throw new Error(`cannot use the syslog receiver at ${this.where}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    this.logger.info('syslog sink connected', {
      address: this.where,
      format: this.config.format,
      framing: effectiveFraming(this.config),
    });
  }

  encode(record: PipelineRecord): SyslogFrame {
    return this.encoder.encode(record);
  }

  async send(batch: readonly SyslogFrame[], signal: AbortSignal): Promise<SendResult<SyslogFrame>> {
    if (batch.length === 0) return { rejected: [] };
    // Each batch in flight listens for shutdown on the pipeline's signal; more than the
    // default 10 would print a leak warning that is not one.
    const listeners = this.batch.concurrency * 2 + 2;
    if (getMaxListeners(signal) < listeners) setMaxListeners(listeners, signal);
    const frames = batch.map((f) => f.frame);
    const bytes = this.config.transport === 'udp' ? undefined : Buffer.concat(frames);
    await retryRequest(
      async () => {
        const connection = await this.connect(signal);
        try {
          if (connection instanceof DatagramConnection) await connection.send(frames);
          else
            await connection.write(bytes as Buffer, {
              settleMs: this.config.ack_delay,
              timeoutMs: this.config.write_timeout,
              signal,
            });
        } catch (err) {
          if (!(err instanceof AbortedError)) this.stats.request('retried');
          if (!connection.alive) this.lost(connection);
          throw err;
        }
      },
      {
        signal,
        policy: backoffPolicy(this.config.retry),
        stats: this.stats,
        health: this.healthTracker,
        onRetry: (err, attempt, delayMs) => {
          this.logger.warn('syslog send failed; will retry the batch', {
            address: this.where,
            attempt,
            delay_ms: delayMs,
            events: batch.length,
            error: errorMessage(err),
          });
        },
      },
    );
    this.delivered(batch);
    return { rejected: [] };
  }

  private delivered(batch: readonly SyslogFrame[]): void {
    const truncated = batch.filter((f) => f.truncatedFrom !== undefined);
    if (truncated.length > 0) {
      if (this.metrics.truncated === 0) {
        this.logger.warn(
          'messages longer than max_message_bytes are being truncated (marked "…[truncated]"); raise max_message_bytes if the receiver accepts more',
          {
            max_message_bytes: effectiveMaxMessageBytes(this.config),
            example_event_id: truncated[0].record.activity.id,
            example_bytes: truncated[0].truncatedFrom,
          },
        );
      }
      this.metrics.truncated += truncated.length;
    }
    this.metrics.messagesSent += batch.length;
    this.stats.request('ok');
    this.stats.sent(batch.reduce((n, f) => n + f.size, 0));
    this.healthTracker.ok();
  }

  /** The open connection, or a new one; concurrent sends share one connection attempt. */
  private async connect(signal: AbortSignal): Promise<Connection> {
    if (this.closed) throw new AbortedError('sink closed');
    if (this.connection?.alive) return this.connection;
    if (this.connection) this.lost(this.connection);
    if (!this.connecting) {
      this.connecting = (async (): Promise<Connection> => {
        try {
          const connection =
            this.config.transport === 'udp'
              ? await DatagramConnection.open(this.address)
              : await StreamConnection.open({
                  address: this.address,
                  tls: this.tls,
                  tlsField: `sinks.${this.name}.tls`,
                  connectTimeoutMs: this.config.connect_timeout,
                  signal,
                });
          this.metrics.connects++;
          this.connection = connection;
          return connection;
        } catch (err) {
          if (!(err instanceof AbortedError)) this.metrics.connectionFailures++;
          throw err;
        } finally {
          this.connecting = undefined;
        }
      })();
    }
    return this.connecting;
  }

  /** Forgets a failed connection so the next attempt opens a new one. */
  private lost(connection: Connection): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    this.metrics.connectionFailures++;
    this.logger.debug('syslog connection lost', {
      address: this.where,
      error: errorMessage(connection.error),
    });
    void connection.close();
  }

  health(): SinkHealth {
    return this.healthTracker.get();
  }

  async close(): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close();
  }
}

export const syslogSinkFactory = defineSink({
  type: 'syslog',
  configSchema: syslogSinkConfig,
  create: (name, config, ctx: SinkContext) => new SyslogSink(name, config, ctx),
  plaintext: syslogPlaintextPath,
  // CEF and LEEF are their own payload; rfc5424 / rfc3164 carry the event in payload_format.
  preview: (config) => ({
    format: config.format === 'cef' || config.format === 'leef' ? config.format : config.payload_format,
    render: bodyEncoder(config.format, config.payload_format, config.leef_delimiter),
  }),
});
