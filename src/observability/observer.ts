import type { PollObserver } from '../source/poller';
import type { LateLaneObserver } from '../source/access-transparency/late-lane';
import type { TransparencyLogObserver } from '../source/access-transparency/log-verifier';
import type { RetryReason } from '../source/client';
import type { RateLimitSnapshot } from '../source/rate-limit';
import type { WaitHeader } from '../source/wait-cap';
import type { SinkObserver } from '../pipeline/sink-worker';
import type { IsolationObserver, SinkLaneView } from '../pipeline/sink-isolation';
import type { Sink, SinkHealth } from '../sinks/sink';
import type { CheckpointState, CycleRecord } from '../checkpoint/state';

/**
 * What the forwarder tells observability, and what observability reads back from it. The
 * forwarder calls these hooks; it never knows whether metrics, traces or a progress bar are
 * listening.
 */
export interface ForwarderObserver {
  /** Every Compliance API response (any status). */
  apiResponse?(status: number, requestId: string | undefined): void;
  /** A Compliance API request failed transiently and is retried after `delayMs`. */
  apiRetry?(reason: RetryReason, delayMs: number): void;
  /** A Compliance API request succeeded: its whole page was read and parsed. */
  apiPageRead?(): void;
  /** The API asked for a longer wait than source.max_wait; max_wait is waited instead. */
  apiWaitCapped?(header: WaitHeader): void;
  readonly poll?: PollObserver;
  readonly lateLane?: LateLaneObserver;
  readonly transparencyLog?: TransparencyLogObserver;
  readonly sinks?: SinkObserver;
  /** Sinks detached from the main lane, and attached again after catching up. */
  readonly isolation?: IsolationObserver;
  /** The checkpoint durably recorded progress (committed records, or a finished cycle). */
  checkpointAdvanced?(): void;
  /** A poll cycle begins; the handle is told how it ended. */
  cycleStarted?(): CycleHandle;
}

export interface CycleHandle {
  /** The cycle's records are all committed and its completeness record is written. */
  completed(record: CycleRecord, durationSeconds: number): void;
  failed(error: string): void;
}

/**
 * The running forwarder as observability reads it at scrape time. `Forwarder` satisfies
 * this structurally; tests may hand in anything shaped like it.
 */
export interface ForwarderView {
  readonly governor: { readonly state: RateLimitSnapshot & { readonly pausedUntil: number } };
  readonly pipeline: {
    readonly buffered: number;
    workerStats(): readonly {
      readonly sink: string;
      readonly queued: number;
      readonly batchesInFlight: number;
    }[];
    health(): readonly ({ readonly sink: string; readonly type: string } & SinkHealth)[];
    readonly sinks: readonly Pick<Sink, 'name' | 'type' | 'stats'>[];
  };
  readonly checkpointer: {
    readonly watermark: string | null;
    readonly saveError: string | undefined;
    readonly current: CheckpointState;
  };
  /** Why the last poll cycle failed, while it is failing (401/403 included). */
  readonly sourceError: string | undefined;
  /** Each sink's place against the main lane (attached, detached, catching up). */
  readonly isolation?: { views(): readonly SinkLaneView[] };
}

/** Fans every hook out to several observers (metrics, traces, progress). */
export function combineObservers(parts: readonly ForwarderObserver[]): ForwarderObserver {
  return {
    apiResponse: (status, requestId) => parts.forEach((p) => p.apiResponse?.(status, requestId)),
    apiRetry: (reason, delayMs) => parts.forEach((p) => p.apiRetry?.(reason, delayMs)),
    apiPageRead: () => parts.forEach((p) => p.apiPageRead?.()),
    apiWaitCapped: (header) => parts.forEach((p) => p.apiWaitCapped?.(header)),
    checkpointAdvanced: () => parts.forEach((p) => p.checkpointAdvanced?.()),
    poll: {
      onCycleStart: (window) => parts.forEach((p) => p.poll?.onCycleStart?.(window)),
      onPage: (page, stats) => parts.forEach((p) => p.poll?.onPage?.(page, stats)),
      onRejected: (reason, count) => parts.forEach((p) => p.poll?.onRejected?.(reason, count)),
    },
    lateLane: {
      onSweep: (record, lateSeconds) => parts.forEach((p) => p.lateLane?.onSweep?.(record, lateSeconds)),
      onSweepFailed: (error) => parts.forEach((p) => p.lateLane?.onSweepFailed?.(error)),
      onRequest: () => parts.forEach((p) => p.lateLane?.onRequest?.()),
    },
    transparencyLog: {
      onRun: (result) => parts.forEach((p) => p.transparencyLog?.onRun?.(result)),
    },
    sinks: {
      onDelivered: (sink, count, seconds) =>
        parts.forEach((p) => p.sinks?.onDelivered?.(sink, count, seconds)),
      onDeadLettered: (sink, reason, count) =>
        parts.forEach((p) => p.sinks?.onDeadLettered?.(sink, reason, count)),
      onSendError: (sink, error) => parts.forEach((p) => p.sinks?.onSendError?.(sink, error)),
      onFiltered: (sink, count) => parts.forEach((p) => p.sinks?.onFiltered?.(sink, count)),
      onBatchStart: (sink, events) => {
        const ends = parts.map((p) => p.sinks?.onBatchStart?.(sink, events)).filter((e) => e !== undefined);
        return (outcome) => ends.forEach((end) => end(outcome));
      },
    },
    isolation: {
      onDetached: (sink, reason) => parts.forEach((p) => p.isolation?.onDetached?.(sink, reason)),
      onAttached: (sink) => parts.forEach((p) => p.isolation?.onAttached?.(sink)),
      onCatchUpCycle: (sink, delivered) =>
        parts.forEach((p) => p.isolation?.onCatchUpCycle?.(sink, delivered)),
    },
    cycleStarted: () => {
      const handles = parts.map((p) => p.cycleStarted?.()).filter((h) => h !== undefined);
      return {
        completed: (record, seconds) => handles.forEach((h) => h.completed(record, seconds)),
        failed: (error) => handles.forEach((h) => h.failed(error)),
      };
    },
  };
}
