import type { PipelineRecord } from '../pipeline/record';
import type { Logger } from '../observability/logger';
import type { SinkStats } from './runtime/stats';

/**
 * The one interface every destination implements. The pipeline owns batching, fan-out,
 * acknowledgement order and the checkpoint; a sink only turns records into bytes and gets
 * those bytes durably accepted.
 */

/** A record encoded for one sink. `size` (bytes on the wire) drives byte-bounded batching. */
export interface EncodedRecord {
  readonly record: PipelineRecord;
  readonly size: number;
}

/** A record the destination will never accept as it is: it goes to the dead-letter file. */
export interface Rejection<E extends EncodedRecord = EncodedRecord> {
  readonly item: E;
  readonly reason: string;
}

export interface SendResult<E extends EncodedRecord = EncodedRecord> {
  /** Records permanently refused; every other record of the batch was durably accepted. */
  readonly rejected: readonly Rejection<E>[];
}

export interface BatchLimits {
  readonly maxEvents: number;
  readonly maxBytes: number;
  /** How long a partial batch may wait for more records. */
  readonly timeoutMs: number;
  /** Batches this sink may have in flight at once. */
  readonly concurrency: number;
}

export interface SinkHealth {
  readonly healthy: boolean;
  /** Why not, in words an operator can act on (never a secret). */
  readonly detail?: string;
  /** When delivery stopped working (ISO 8601), while it is not working. */
  readonly since?: string;
  /** The destination refuses us (credentials, certificate, configuration): people must fix it. */
  readonly refused?: boolean;
}

export interface Sink<E extends EncodedRecord = EncodedRecord> {
  readonly name: string;
  readonly type: string;
  readonly batch: BatchLimits;
  /**
   * Connects and checks the destination (credentials, topic, health endpoint). Throws an
   * Error whose message says plainly what is wrong; the CLI refuses to start on it.
   */
  start(signal: AbortSignal): Promise<void>;
  /** Pure and synchronous. Throws PermanentError for a record this sink can never carry. */
  encode(record: PipelineRecord): E;
  /**
   * Resolves only when every record of `batch` is durably accepted (fsync, acks=all, HEC
   * indexer ack, flushed socket) or permanently rejected (listed in the result). Retries
   * transient failures itself, through util/retry, for as long as it takes; rejects only
   * with AbortedError when `signal` aborts (shutdown), or for a bug.
   */
  send(batch: readonly E[], signal: AbortSignal): Promise<SendResult<E>>;
  health(): SinkHealth;
  /** Requests, bytes sent and retries, counted the same way by every sink (runtime/stats.ts). */
  readonly stats: SinkStats;
  /** Flushes and releases connections. Called once, after the last send settled. */
  close(): Promise<void>;
}

export interface SinkContext {
  readonly logger: Logger;
  /** This host's name, for syslog HOSTNAME and HEC `host`. */
  readonly hostname: string;
  /** The forwarder's version, for User-Agent strings and headers. */
  readonly version: string;
  /** Relative paths in the config are resolved against this directory (the working directory). */
  readonly baseDir: string;
}
