import type { Page, RetryReason } from '../source/client';
import type { CycleRecord, SweepRecord } from '../checkpoint/state';
import { INITIAL_RECORDING, isRecording } from '../checkpoint/recording';
import type { WaitHeader } from '../source/wait-cap';
import type { RejectReason } from '../source/window-check';
import type { RunResult } from '../transparency/verifier';
import { redact } from './redact';
import { BoundedLabel, Instruments, type Sample } from './instruments';
import type { CycleHandle, ForwarderObserver, ForwarderView } from './observer';
import { REQUEST_OUTCOMES, type RequestOutcome, type SinkStats } from '../sinks/runtime/stats';

/**
 * The forwarder's Prometheus metrics (names follow the Prometheus conventions:
 * `claude_audit_forwarder_*`, `_total` for counters, base units such as `_seconds`).
 * The names the Helm chart's PrometheusRule and deploy/ use are part of the contract:
 * source_lag_seconds, checkpoint_age_seconds, dead_lettered_total, api_requests_total{status}
 * and sink_healthy.
 */
export const METRIC_PREFIX = 'claude_audit_forwarder_';

const BATCH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const CYCLE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
/** Access Transparency rows may be up to two business days late: minutes to a week. */
const LATENESS_BUCKETS = [
  600,
  3600,
  6 * 3600,
  12 * 3600,
  24 * 3600,
  36 * 3600,
  48 * 3600,
  72 * 3600,
  96 * 3600,
  168 * 3600,
];

/** Rejection reasons become a short label: numbers and ids vary per event, the cause does not. */
export function reasonLabel(reason: string): string {
  return redact(reason)
    .replace(/\s+/g, ' ')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(/\b(activity|event)_[A-Za-z0-9]+/g, '$1_<id>')
    .trim()
    .slice(0, 120);
}

export interface ForwarderMetricsOptions {
  /** Also export through OpenTelemetry (telemetry on; the SDK must be started first). */
  readonly otel?: boolean;
  readonly version: string;
  readonly now?: () => number;
  /** process_* / nodejs_* metrics (default on). */
  readonly processMetrics?: boolean;
}

const SINK_LANE_STATES = ['attached', 'detached', 'catching_up'] as const;

export class ForwarderMetrics implements ForwarderObserver {
  readonly instruments: Instruments;
  private view?: ForwarderView;
  private readonly now: () => number;
  private lastAdvancedAt: number;
  /** End of the newest fully-read and committed window: caught up to here. */
  private caughtUpToMs = Number.NEGATIVE_INFINITY;
  private lastCycleAt?: number;
  /** 1 after a 2xx from the API, 0 after a 401/403; unknown before the first answer. */
  private credentialsAccepted?: 0 | 1;

  private readonly unknownTypeLabel = new BoundedLabel(200);
  private readonly reasonLabels = new Map<string, BoundedLabel>();

  private readonly fetched;
  private readonly filtered;
  private readonly duplicates;
  private readonly late;
  private readonly unknownTypes;
  private readonly apiRequests;
  private readonly apiRetries;
  private readonly rateLimited;
  private readonly waitsCapped;
  private readonly rejected;
  private readonly delivered;
  private readonly sinkFiltered;
  private readonly deadLettered;
  private readonly sendErrors;
  private readonly batchSeconds;
  private readonly cycles;
  private readonly cycleSeconds;
  private readonly cycleFailures;
  private readonly sweeps;
  private readonly sweepFailures;
  private readonly sweepRequests;
  private readonly verificationFailures;
  private readonly verificationRuns;
  private readonly foundLate;
  private readonly lateness;
  private readonly detachments;
  private readonly catchUpDelivered;

  constructor(private readonly options: ForwarderMetricsOptions) {
    this.now = options.now ?? Date.now;
    this.lastAdvancedAt = this.now();
    const i = (this.instruments = new Instruments({
      otel: options.otel,
      version: options.version,
      processMetrics: options.processMetrics,
    }));
    const p = METRIC_PREFIX;

    this.fetched = i.counter(
      `${p}activities_fetched_total`,
      'Activities read from the Compliance API (duplicates of the lookback re-read included).',
    );
    this.filtered = i.counter(
      `${p}activities_filtered_total`,
      'Activities dropped by client-side filters (api_key_ids, self_events: drop); they still move the checkpoint.',
    );
    this.duplicates = i.counter(
      `${p}duplicates_suppressed_total`,
      'Activities read again (lookback overlap, API duplicates) and not delivered twice.',
    );
    this.late = i.counter(
      `${p}late_activities_total`,
      'Activities the API indexed late, caught behind the cursor by the lookback re-read.',
    );
    this.unknownTypes = i.counter(
      `${p}unknown_activity_types_total`,
      'Activities of a type missing from the catalogue (schema drift), by type.',
      ['type'],
    );
    this.apiRequests = i.counter(`${p}api_requests_total`, 'Compliance API responses by HTTP status.', [
      'status',
    ]);
    this.apiRetries = i.counter(`${p}api_retries_total`, 'Compliance API requests retried, by reason.', [
      'reason',
    ]);
    this.rateLimited = i.counter(
      `${p}api_rate_limited_total`,
      'Compliance API 429 responses (rate limited; retried after Retry-After).',
    );
    this.waitsCapped = i.counter(
      `${p}api_waits_capped_total`,
      'Waits the Compliance API asked for (Retry-After, rate-limit reset) longer than source.max_wait, waited only max_wait, by header.',
      ['header'],
    );
    this.rejected = i.counter(
      `${p}source_rejected_total`,
      'Activities the source refused and dead-letter-filed: created_at outside the requested window or not a time, or over the size cap; by reason.',
      ['reason'],
    );
    this.delivered = i.counter(`${p}delivered_total`, 'Activities durably accepted by a sink.', ['sink']);
    this.sinkFiltered = i.counter(
      `${p}sink_filtered_total`,
      "Activities a sink's filter left out; they count as done for that sink and move the checkpoint.",
      ['sink'],
    );
    this.deadLettered = i.counter(
      `${p}dead_lettered_total`,
      'Activities a sink permanently rejected (written to the dead-letter file), by sink and reason.',
      ['sink', 'reason'],
    );
    this.sendErrors = i.counter(
      `${p}sink_send_errors_total`,
      'Batches whose send failed unexpectedly and was retried by the pipeline.',
      ['sink'],
    );
    this.batchSeconds = i.histogram(
      `${p}sink_batch_duration_seconds`,
      'Time from handing a batch to a sink until it was durably accepted (retries included).',
      ['sink'],
      BATCH_BUCKETS,
    );
    this.cycles = i.counter(
      `${p}poll_cycles_total`,
      'Poll cycles completed (all their activities committed, completeness record written).',
    );
    this.cycleFailures = i.counter(
      `${p}poll_cycle_failures_total`,
      'Poll cycles that failed (API refused the request, or an unexpected error).',
    );
    this.cycleSeconds = i.histogram(
      `${p}poll_cycle_duration_seconds`,
      'Duration of completed poll cycles, from the first request to the last commit.',
      [],
      CYCLE_BUCKETS,
    );

    this.sweeps = i.counter(
      `${p}access_transparency_sweeps_total`,
      'Sweeps of the Access Transparency late lane, by the type filter used (server: the API filtered; client: the window was read whole).',
      ['filter'],
    );
    this.sweepFailures = i.counter(
      `${p}access_transparency_sweep_failures_total`,
      'Sweeps of the Access Transparency late lane that failed (tried again after the poll interval).',
    );
    this.sweepRequests = i.counter(
      `${p}access_transparency_requests_total`,
      'Compliance API requests made by the Access Transparency late lane (part of api_requests_total).',
    );
    this.verificationFailures = i.counter(
      `${p}transparency_log_verification_failures_total`,
      "Findings of the Access Transparency log verifier, by reason (spec §4.7): Anthropic's log or feed failed a check. Never counts 429s, 5xx or timeouts.",
      ['reason'],
    );
    this.verificationRuns = i.counter(
      `${p}transparency_log_verification_runs_total`,
      'Runs of the Access Transparency log verifier, by outcome: clean, findings, incomplete (could not finish; tried again) or no_log.',
      ['outcome'],
    );
    i.gauge(
      `${p}transparency_log_verified_size`,
      'Tree size of the last verified checkpoint of the Access Transparency log.',
      [],
      () =>
        this.view?.checkpointer.current.transparency_log
          ? [[{}, this.view.checkpointer.current.transparency_log.size]]
          : [],
    );
    i.gauge(
      `${p}transparency_log_verified_events`,
      'Access Transparency events whose inclusion in the log was verified, over every run.',
      [],
      () =>
        this.view?.checkpointer.current.transparency_log
          ? [[{}, this.view.checkpointer.current.transparency_log.verified_events]]
          : [],
    );
    this.detachments = i.counter(
      `${p}sink_detached_total`,
      'Times a sink was detached from the main lane (down, or too far behind) to catch up on its own.',
      ['sink'],
    );
    this.catchUpDelivered = i.counter(
      `${p}sink_catch_up_delivered_total`,
      "Activities a detached sink's catch-up lane read again from the API and delivered to it.",
      ['sink'],
    );
    i.gauge(
      `${p}sink_state`,
      "1 for a sink's current place against the main lane: attached, detached (failing; the others flow on) or catching_up.",
      ['sink', 'state'],
      () =>
        (this.view?.isolation?.views() ?? []).flatMap((v) =>
          SINK_LANE_STATES.map((state): Sample<'sink' | 'state'> => [
            { sink: v.sink, state },
            v.state === state ? 1 : 0,
          ]),
        ),
    );
    i.gauge(
      `${p}sink_lag_seconds`,
      "How far a sink's newest delivered activity is behind the main lane's (0 while attached).",
      ['sink'],
      () =>
        (this.view?.isolation?.views() ?? []).map((v): Sample<'sink'> => [{ sink: v.sink }, v.lagSeconds]),
    );
    this.foundLate = i.counter(
      `${p}access_transparency_found_late_total`,
      'Access Transparency records the late lane found behind the poll window and delivered.',
    );
    this.lateness = i.histogram(
      `${p}access_transparency_lateness_seconds`,
      'How long after its created_at the late lane found an Access Transparency record.',
      [],
      LATENESS_BUCKETS,
    );
    i.gauge(
      `${p}compliance_api_recording`,
      "1 while the tenant's Compliance API records activity; 0 from a settings row that switched it (or its logging) off until one that switches it on. Nothing is recorded meanwhile, and that gap can never be filled.",
      [],
      () =>
        this.view
          ? [[{}, isRecording(this.view.checkpointer.current.recording ?? INITIAL_RECORDING) ? 1 : 0]]
          : [],
    );
    i.gauge(
      `${p}build_info`,
      'Always 1; the labels say which build is running.',
      ['version', 'node_version'],
      () => [[{ version: options.version, node_version: process.version }, 1]],
    );
    i.gauge(
      `${p}source_lag_seconds`,
      'How far delivery is behind now: now minus the newest point up to which every activity is delivered (newest delivered created_at, or the end of the last fully read window).',
      [],
      () => this.lag(),
    );
    i.gauge(
      `${p}newest_delivered_timestamp_seconds`,
      'created_at of the newest activity every sink accepted (Unix time).',
      [],
      () =>
        this.view?.checkpointer.watermark ? [[{}, Date.parse(this.view.checkpointer.watermark) / 1000]] : [],
    );
    i.gauge(
      `${p}checkpoint_age_seconds`,
      'Seconds since the checkpoint last durably recorded progress (committed activities or a completed poll cycle).',
      [],
      () => (this.view ? [[{}, (this.now() - this.lastAdvancedAt) / 1000]] : []),
    );
    i.gauge(
      `${p}checkpoint_write_failing`,
      '1 while writing the checkpoint fails (delivery continues; the write is retried).',
      [],
      () => (this.view ? [[{}, this.view.checkpointer.saveError ? 1 : 0]] : []),
    );
    i.gauge(
      `${p}last_poll_cycle_timestamp_seconds`,
      'When the last poll cycle completed (Unix time).',
      [],
      () => (this.lastCycleAt === undefined ? [] : [[{}, this.lastCycleAt / 1000]]),
    );
    i.gauge(
      `${p}queue_depth_events`,
      'Activities in the pipeline not yet durably checkpointed (what a crash now would deliver again); backpressure holds it under pipeline.max_buffered_events.',
      [],
      () => (this.view ? [[{}, this.view.pipeline.buffered]] : []),
    );
    i.gauge(`${p}sink_queued_events`, "Activities waiting in a sink's batcher.", ['sink'], () =>
      (this.view?.pipeline.workerStats() ?? []).map((w): Sample<'sink'> => [{ sink: w.sink }, w.queued]),
    );
    i.gauge(`${p}sink_batches_in_flight`, 'Batches handed to a sink and not yet settled.', ['sink'], () =>
      (this.view?.pipeline.workerStats() ?? []).map((w): Sample<'sink'> => [
        { sink: w.sink },
        w.batchesInFlight,
      ]),
    );
    i.gauge(
      `${p}sink_healthy`,
      '1 when a sink accepts deliveries, 0 once it has not delivered for health.unhealthy_after (unreachable, failing, not acknowledging) or refuses our credentials.',
      ['sink', 'type'],
      () => {
        const detached = new Set(
          (this.view?.isolation?.views() ?? []).filter((v) => v.state === 'detached').map((v) => v.sink),
        );
        return (this.view?.pipeline.health() ?? []).map((h): Sample<'sink' | 'type'> => [
          { sink: h.sink, type: h.type },
          h.healthy && !detached.has(h.sink) ? 1 : 0,
        ]);
      },
    );
    i.gauge(
      `${p}api_credentials_accepted`,
      '1 while the Compliance API accepts the API key, 0 after it answered 401/403.',
      [],
      () => (this.credentialsAccepted === undefined ? [] : [[{}, this.credentialsAccepted]]),
    );
    i.gauge(
      `${p}api_rate_limit_remaining`,
      "Requests left in the tenant's rate-limit window (anthropic-ratelimit-requests-remaining).",
      [],
      () => {
        const s = this.view?.governor.state;
        return s?.remaining === undefined ? [] : [[{}, s.remaining]];
      },
    );
    i.gauge(
      `${p}api_rate_limit_limit`,
      "The tenant's request limit per window (anthropic-ratelimit-requests-limit).",
      [],
      () => {
        const s = this.view?.governor.state;
        return s?.limit === undefined ? [] : [[{}, s.limit]];
      },
    );
    i.gauge(
      `${p}api_paused_seconds`,
      'Seconds left before the next request may be sent (Retry-After or a nearly spent window).',
      [],
      () => {
        const s = this.view?.governor.state;
        return s ? [[{}, Math.max(0, s.pausedUntil - this.now()) / 1000]] : [];
      },
    );
    i.observedCounter(
      `${p}checkpoint_delivered_total`,
      'Activities every sink accepted and the checkpoint moved past, since the checkpoint was created (carried across restarts).',
      [],
      () => (this.view ? [[{}, this.view.checkpointer.current.totals.delivered]] : []),
    );
    i.observedCounter(
      `${p}sink_requests_total`,
      'Requests a sink made to its destination (an HEC post, a Kafka produce, a syslog batch write, a file append, a stdout write), by outcome: ok (taken), retried (failed transiently, sent again), rejected (data refused for good: halved or dead-lettered).',
      ['sink', 'outcome'],
      () =>
        this.sinkStats().flatMap(([sink, s]) =>
          REQUEST_OUTCOMES.map((outcome): Sample<'sink' | 'outcome'> => [
            { sink, outcome },
            s.requests[outcome satisfies RequestOutcome],
          ]),
        ),
    );
    i.observedCounter(
      `${p}sink_retries_total`,
      'Waits before a sink tried a failed request (or connection) again.',
      ['sink'],
      () => this.sinkStats().map(([sink, s]): Sample<'sink'> => [{ sink }, s.retries]),
    );
    i.observedCounter(
      `${p}sink_sent_bytes_total`,
      'Bytes a sink sent to its destination (compressed where the sink compresses).',
      ['sink'],
      () => this.sinkStats().map(([sink, s]): Sample<'sink'> => [{ sink }, s.sentBytes]),
    );
  }

  /** Starts reading gauges from the running forwarder. */
  attach(view: ForwarderView): void {
    this.view = view;
    const state = view.checkpointer.current;
    // A checkpoint carried over from a previous run: its age counts from its last write.
    const updated = Date.parse(state.updated_at);
    if (state.history.length > 0 && Number.isFinite(updated))
      this.lastAdvancedAt = Math.min(this.now(), updated);
    const last = state.history.at(-1);
    this.caughtUpToMs = Math.max(
      Date.parse(state.start),
      last ? Date.parse(last.to) : Number.NEGATIVE_INFINITY,
    );
  }

  /**
   * Wall clock minus how far delivery has reached. A watermark in the future proves nothing
   * (a future-dated row once put it there and lag read 0 while nothing was read): only
   * points already in the past count.
   */
  private lag(): Sample<never>[] {
    if (!this.view) return [];
    const now = this.now();
    const w = this.view.checkpointer.watermark;
    const watermarkMs = w ? Date.parse(w) : Number.NaN;
    const upTo = Math.max(this.caughtUpToMs, watermarkMs <= now ? watermarkMs : Number.NEGATIVE_INFINITY);
    return Number.isFinite(upTo) ? [[{}, Math.max(0, now - upTo) / 1000]] : [];
  }

  private sinkStats(): [string, SinkStats][] {
    return (this.view?.pipeline.sinks ?? []).map((sink): [string, SinkStats] => [sink.name, sink.stats]);
  }

  /** The exposition text, redacted as a last line of defence (labels carry outside text). */
  async text(): Promise<string> {
    return redact(await this.instruments.registry.metrics());
  }

  get contentType(): string {
    return this.instruments.registry.contentType;
  }

  // ForwarderObserver ------------------------------------------------------------------

  apiResponse(status: number): void {
    this.apiRequests.inc({ status: String(status) });
    if (status === 429) this.rateLimited.inc({});
    if (status >= 200 && status < 300) this.credentialsAccepted = 1;
    else if (status === 401 || status === 403) this.credentialsAccepted = 0;
  }

  apiRetry(reason: RetryReason): void {
    this.apiRetries.inc({ reason });
  }

  apiWaitCapped(header: WaitHeader): void {
    this.waitsCapped.inc({ header });
  }

  readonly poll = {
    onPage: (
      _page: Page,
      stats: { fetched: number; duplicates: number; late: number; filtered: number; unknownTypes: string[] },
    ): void => {
      this.fetched.inc({}, stats.fetched);
      this.duplicates.inc({}, stats.duplicates);
      this.late.inc({}, stats.late);
      this.filtered.inc({}, stats.filtered);
      for (const type of stats.unknownTypes)
        this.unknownTypes.inc({ type: this.unknownTypeLabel.of(redact(type).slice(0, 200)) });
    },
    onRejected: (reason: RejectReason, count: number): void => {
      this.rejected.inc({ reason }, count);
    },
  };

  readonly lateLane = {
    onSweep: (record: SweepRecord, lateSeconds: readonly number[]): void => {
      this.sweeps.inc({ filter: record.filter });
      this.foundLate.inc({}, lateSeconds.length);
      for (const s of lateSeconds) this.lateness.observe({}, s);
    },
    onSweepFailed: (): void => this.sweepFailures.inc({}),
    onRequest: (): void => this.sweepRequests.inc({}),
  };

  readonly transparencyLog = {
    onRun: (result: RunResult): void => {
      this.verificationRuns.inc({ outcome: result.outcome });
      for (const f of result.findings) this.verificationFailures.inc({ reason: f.reason });
    },
  };

  readonly sinks = {
    onDelivered: (sink: string, count: number, seconds: number): void => {
      this.delivered.inc({ sink }, count);
      this.batchSeconds.observe({ sink }, seconds);
    },
    onDeadLettered: (sink: string, reason: string, count: number): void => {
      let labels = this.reasonLabels.get(sink);
      if (!labels) this.reasonLabels.set(sink, (labels = new BoundedLabel(20)));
      this.deadLettered.inc({ sink, reason: labels.of(reasonLabel(reason)) }, count);
    },
    onSendError: (sink: string): void => {
      this.sendErrors.inc({ sink });
    },
    onFiltered: (sink: string, count: number): void => {
      this.sinkFiltered.inc({ sink }, count);
    },
  };

  readonly isolation = {
    onDetached: (sink: string): void => this.detachments.inc({ sink }),
    onCatchUpCycle: (sink: string, delivered: number): void => this.catchUpDelivered.inc({ sink }, delivered),
  };

  checkpointAdvanced(): void {
    this.lastAdvancedAt = this.now();
  }

  cycleStarted(): CycleHandle {
    return {
      completed: (record: CycleRecord, seconds: number) => {
        this.cycles.inc({});
        this.cycleSeconds.observe({}, seconds);
        this.lastCycleAt = this.now();
        this.caughtUpToMs = Math.max(this.caughtUpToMs, Date.parse(record.to));
      },
      failed: () => this.cycleFailures.inc({}),
    };
  }
}
