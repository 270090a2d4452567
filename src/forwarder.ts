import { hostname } from 'node:os';
import { whenAborted } from './util/when-aborted';
import { resolve } from 'node:path';
import type { ForwarderConfig } from './config/schema';
import { sinkFactory } from './sinks/registry';
import type { Sink, SinkContext } from './sinks/sink';
import { Pipeline, SinkStartError, describeStartFailure } from './pipeline/pipeline';
import { CatchUpLane } from './pipeline/catch-up-lane';
import type { SinkObserver } from './pipeline/sink-worker';
import { SinkIsolation } from './pipeline/sink-isolation';
import { DeadLetterFile } from './pipeline/dead-letter';
import type { PipelineRecord } from './pipeline/record';
import { CheckpointError, FileCheckpointStore } from './checkpoint/file-store';
import { Checkpointer } from './checkpoint/checkpointer';
import type { CycleRecord } from './checkpoint/state';
import type { RateGovernor } from './source/rate-limit';
import type { Poller, CycleSummary } from './source/poller';
import { createSource, type Source } from './source/create-source';
import { PROBE_URGENCY, probeWhileHeld } from './source/api-probe';
import { resolveStartAt } from './source/start-position';
import { ApiError } from './source/api-errors';
import type { Logger } from './observability/logger';
import type { ForwarderObserver } from './observability/observer';
import { AbortedError, ConfigError, errorMessage } from './util/errors';
import { sleep } from './util/retry';
import { VERSION } from './version';
import { LateLane } from './source/access-transparency/late-lane';
import { LogVerifier, verificationWanted } from './source/access-transparency/log-verifier';
import type { RejectedRow } from './source/window-check';
import { sinkRoutes, type SinkRoute } from './routing/route';

export interface RunOptions {
  /** Catch up once, deliver, checkpoint, and return. */
  readonly once?: boolean;
  readonly logger: Logger;
  /** Aborting this is a graceful shutdown (SIGTERM). */
  readonly signal: AbortSignal;
  readonly baseDir?: string;
  /** Metrics, readiness, traces, progress: told what happens, never in the way. */
  readonly observer?: ForwarderObserver;
}

/** How a run ended, for the CLI's exit code. */
export type RunOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Builds every configured sink through the registry. */
export function createSinks(config: ForwarderConfig, ctx: SinkContext): Sink[] {
  return Object.entries(config.sinks).map(([name, sinkConfig]) => {
    const factory = sinkFactory(sinkConfig.type);
    if (!factory) throw new ConfigError(`unknown sink type "${sinkConfig.type}"`, `sinks.${name}.type`);
    return factory.create(name, sinkConfig, ctx);
  });
}

/**
 * The composition root: source → pipeline → sinks, with the checkpoint fed only by the
 * pipeline's commits. One cycle at a time; the next cycle starts after the last one's
 * records are committed (that ordering is what the no-loss argument in Poller relies on).
 */
export class Forwarder {
  readonly pipeline: Pipeline;
  readonly checkpointer: Checkpointer;
  readonly governor: RateGovernor;
  readonly poller: Poller;
  /** Absent when source.access_transparency.sweep_interval is 0, or the type filters exclude both types. */
  readonly lateLane?: LateLane;
  /** Absent unless source.access_transparency asks for log verification and names the organization. */
  readonly logVerifier?: LogVerifier;
  private lastCycle?: CycleSummary;
  private apiError?: string;
  /** The API has accepted our key at least once in this process. */
  private keyAccepted = false;
  private readonly source: Source;
  private readonly deadLetter: DeadLetterFile;
  /** What every sink worker (main or catch-up) reports to; dead letters count in the checkpoint too. */
  private readonly sinkObserver: SinkObserver;
  /** Detached sinks and their catch-up lanes (pipeline.on_sink_failure: isolate). */
  readonly isolation: SinkIsolation;
  /** Each sink's filter and privacy, for the main lane and every catch-up lane alike. */
  private readonly routes: ReadonlyMap<string, SinkRoute>;

  private constructor(
    readonly config: ForwarderConfig,
    private readonly opts: RunOptions,
    sinks: Sink[],
    checkpointer: Checkpointer,
  ) {
    const { logger } = opts;
    const baseDir = opts.baseDir ?? process.cwd();
    const src = config.source;
    this.checkpointer = checkpointer;
    const deadLetter = new DeadLetterFile(resolve(baseDir, config.dead_letter.path));
    this.deadLetter = deadLetter;
    this.sinkObserver = {
      ...opts.observer?.sinks,
      onDeadLettered: (sink, reason, count) => {
        this.checkpointer.addDeadLettered(count);
        opts.observer?.sinks?.onDeadLettered?.(sink, reason, count);
      },
    };
    const rejectBySource = async (rows: RejectedRow[]): Promise<void> => {
      await deadLetter.writeRejectedBySource(rows);
      this.checkpointer.addDeadLettered(rows.length);
    };
    this.routes = sinkRoutes(config.sinks);
    this.pipeline = new Pipeline({
      sinks,
      routes: this.routes,
      maxBufferedEvents: config.pipeline.max_buffered_events,
      unhealthyAfterMs: config.health.unhealthy_after,
      deadLetter,
      logger,
      onCommit: (records) => this.onCommit(records),
      persistSoon: () => this.checkpointer.saveSoon(),
      observer: this.sinkObserver,
    });
    checkpointer.onPersisted = (n) => {
      this.pipeline.persisted(n);
      if (n > 0) opts.observer?.checkpointAdvanced?.();
    };
    checkpointer.onSinkLanePersisted = (sink, n) => this.isolation.persisted(sink, n);
    const source = createSource(src, {
      logger,
      baseDir,
      position: {
        start: checkpointer.current.start,
        watermark: () => this.checkpointer.watermark,
        committedIds: () => this.checkpointer.committedIds(),
        isOwnRequest: (id) => this.checkpointer.isOwnRequest(id),
        accessTransparency: checkpointer.accessTransparency,
      },
      emit: (items) => this.heldBySinks(this.pipeline.push(items, opts.signal), opts.signal),
      reject: rejectBySource,
      onResponse: (status, requestId) => {
        if (requestId) this.checkpointer.rememberOwnRequestId(requestId);
        if (status >= 200 && status < 300) this.keyAccepted = true;
        opts.observer?.apiResponse?.(status, requestId);
      },
      onRetry: (_reason, delayMs, kind) => opts.observer?.apiRetry?.(kind, delayMs),
      onWaitCapped: (wait) => opts.observer?.apiWaitCapped?.(wait.header),
      onPageRead: () => opts.observer?.apiPageRead?.(),
      pollObserver: opts.observer?.poll,
    });
    this.source = source;
    this.governor = source.governor;
    this.poller = source.poller;
    this.isolation = new SinkIsolation({
      pipeline: this.pipeline,
      checkpointer,
      closeEnoughMs: Math.max(10_000, 4 * config.source.poll_interval),
      behindAfterMs: config.health.unhealthy_after,
      logger,
      newLane: (sink, needsStart) => this.newCatchUpLane(sink, needsStart),
      observer: opts.observer?.isolation,
    });
    const { client, filter } = source;
    const lane = new LateLane({
      client,
      ledger: checkpointer.accessTransparency,
      windowMs: src.access_transparency.sweep_window,
      lookbackMs: src.lookback,
      pageSize: src.page_size,
      configured: { include: src.activity_types, exclude: src.exclude_activity_types },
      filter,
      watermark: () => this.checkpointer.watermark,
      start: checkpointer.current.start,
      filterMode: () => this.checkpointer.lateLane.filter,
      rememberFilterMode: (mode) => this.checkpointer.setLateLaneFilter(mode),
      emit: async (items, signal) => {
        await this.pipeline.push(
          items.map((it) => ({ ...it, foundLate: true })),
          signal,
        );
        // Already days late, and few: they leave now rather than at the batch timeout.
        this.pipeline.sendQueued();
      },
      reject: async (rows) => {
        await rejectBySource(rows);
        for (const r of rows) opts.observer?.poll?.onRejected?.(r.reason, 1);
      },
      logger: logger.child({ component: 'access_transparency' }),
      observer: opts.observer?.lateLane,
      // The log, when verified, says whether a sweep can find anything: one request instead of a window read.
      logSize: (signal) => this.logVerifier?.verifiedSize(signal) ?? Promise.resolve(undefined),
    });
    if (verificationWanted(src.access_transparency))
      this.logVerifier = new LogVerifier({
        client,
        config: src.access_transparency,
        state: () => this.checkpointer.transparencyLog,
        save: (state) => this.checkpointer.saveTransparencyLog(state),
        logger: logger.child({ component: 'transparency_log' }),
        observer: opts.observer?.transparencyLog,
        emitFindings: async (events, signal) => {
          await this.pipeline.push(events, signal);
          // Rare and urgent: they leave now rather than at the batch timeout.
          this.pipeline.sendQueued();
        },
      });
    else if (src.access_transparency.verify_log === 'auto')
      logger.info(
        "Anthropic's Access Transparency log is not verified: set source.access_transparency.organization_uuid (Console > Settings > Organization) to verify it",
      );
    if (src.access_transparency.sweep_interval === 0) {
      logger.warn(
        'source.access_transparency.sweep_interval is 0: Access Transparency records (Anthropic staff access) that appear later than source.lookback after their created_at are never delivered',
        { lookback_ms: src.lookback },
      );
    } else if (lane.types.length > 0) this.lateLane = lane;
  }

  /** Loads the checkpoint (refusing a corrupt or foreign one) and builds everything. */
  static async create(config: ForwarderConfig, opts: RunOptions): Promise<Forwarder> {
    const baseDir = opts.baseDir ?? process.cwd();
    const ctx: SinkContext = { logger: opts.logger, hostname: hostname(), version: VERSION, baseDir };
    const sinks = createSinks(config, ctx);
    const store = new FileCheckpointStore(resolve(baseDir, config.checkpoint.path), config.source.base_url);
    const loaded = await store.load();
    const state =
      loaded ?? Checkpointer.fresh(config.source.base_url, resolveStartAt(config.source.start_at));
    if (!loaded)
      opts.logger.info('no checkpoint yet: first run', { start: state.start, path: store.location });
    else
      opts.logger.info('resuming from checkpoint', {
        watermark: state.watermark,
        path: store.location,
        delivered_total: state.totals.delivered,
      });
    await store.checkWritable();
    if (store.migratedFrom)
      opts.logger.warn(
        `the checkpoint is version ${store.migratedFrom.version}; it is migrated to version ${state.version} at the next save, and the original is kept at ${store.migratedFrom.backup}. A forwarder older than this one cannot read the migrated checkpoint (docs/upgrading.md).`,
      );
    const checkpointer = new Checkpointer(
      store,
      state,
      config.source.lookback,
      config.checkpoint.history,
      opts.logger.child({ component: 'checkpoint' }),
      undefined,
      config.source.access_transparency.sweep_window,
    );
    const forwarder = new Forwarder(config, opts, sinks, checkpointer);
    if (loaded) await forwarder.refuseForeignCheckpoint(store.location);
    return forwarder;
  }

  /** A checkpoint written for another organization behind the same URL: refuse it (see Poller.foreignPosition). */
  private async refuseForeignCheckpoint(path: string): Promise<void> {
    let unknown: string | undefined;
    try {
      unknown = await this.poller.foreignPosition(this.opts.signal);
    } catch (err) {
      // Stopped while the API was still being asked: run() sees the signal and stops cleanly.
      if (err instanceof AbortedError) return;
      // A deterministic 500 says nothing about the checkpoint: do not refuse to start over it.
      if (err instanceof ApiError && err.retryable) {
        this.opts.logger.warn(
          'could not confirm that the checkpoint belongs to this organization; continuing',
          { error: err.message },
        );
        return;
      }
      await this.governor.stop();
      throw err;
    }
    if (unknown === undefined) return;
    await this.governor.stop();
    throw new CheckpointError(
      `checkpoint ${path} belongs to another organization: its newest activity ${unknown} is unknown to ${this.config.source.base_url} with this key (cursors belong to an organization). Resuming from it would skip this organization's activities before ${this.checkpointer.watermark ?? 'its watermark'}. Point checkpoint.path at this organization's own checkpoint, or run "claude-audit-forwarder checkpoint reset -c <config>" to read this organization from source.start_at.`,
    );
  }

  private onCommit(records: PipelineRecord[]): void {
    let delivered = 0;
    let foundLate = 0;
    for (const r of records) {
      if (r.deliver !== false && !r.synthetic) delivered++;
      if (r.foundLate) foundLate++;
    }
    this.checkpointer.commit(records, delivered, foundLate);
    if (foundLate > 0) this.checkpointer.oweLateRows(records);
  }

  get lastCycleSummary(): CycleSummary | undefined {
    return this.lastCycle;
  }

  get sourceError(): string | undefined {
    return this.apiError;
  }

  /** Runs until the signal aborts (or one cycle with `once`). Never throws for sink trouble. */
  async run(): Promise<RunOutcome> {
    const { signal } = this.opts;
    await this.startSinks(signal);
    let outcome: RunOutcome = { ok: true };
    // The late lane stops with the poll loop, whatever ended it.
    const laneStop = new AbortController();
    let lane: Promise<void> | undefined;
    let verifier: Promise<void> | undefined;
    const watchdog = this.isolating
      ? this.isolation.watch(AbortSignal.any([signal, laneStop.signal]))
      : undefined;
    try {
      while (!signal.aborted) {
        await this.isolation.attachCaughtUp(this.mainReadTo(), signal);
        const step = await this.pollOnce(signal);
        if (step.kind === 'stop') {
          if (step.outcome) outcome = step.outcome;
          break;
        }
        if (step.kind === 'committed' && this.opts.once) {
          // Sinks a daemon left detached: this run is their chance to catch up and attach.
          await this.isolation.attachCaughtUp(
            this.mainReadTo(),
            signal,
            this.config.pipeline.shutdown_timeout,
          );
          // Under cron, each run is the only chance to sweep: do it when it is due.
          if (this.lateLane && Date.now() >= this.nextSweepAt()) await this.sweepAndCommit(signal);
          break;
        }
        // Started after the first cycle: its window then starts behind what that cycle read.
        if (step.kind === 'committed') lane ??= this.runLateLane(AbortSignal.any([signal, laneStop.signal]));
        if (step.kind === 'committed')
          verifier ??= this.logVerifier?.loop(AbortSignal.any([signal, laneStop.signal]));
        await sleep(this.config.source.poll_interval, signal).catch(() => undefined);
      }
    } finally {
      laneStop.abort();
      await lane;
      await verifier;
      await watchdog;
      const saved = await this.shutdown();
      // `--once` under cron must not report success when its progress was not recorded.
      if (!saved && outcome.ok)
        outcome = {
          ok: false,
          reason: `the checkpoint could not be written: ${this.checkpointer.saveError ?? 'unknown error'}`,
        };
    }
    return outcome;
  }

  /** Whether a failing sink is detached (isolate) rather than holding every sink back. */
  private get isolating(): boolean {
    return this.config.pipeline.on_sink_failure === 'isolate' && !this.opts.once;
  }

  /** The end of the main lane's last recorded cycle: no catch-up lane reads past it. */
  private mainReadTo(): string | undefined {
    return this.checkpointer.current.history.at(-1)?.to;
  }

  private newCatchUpLane(sink: Sink, needsStart: boolean): CatchUpLane {
    const src = this.config.source;
    return new CatchUpLane({
      sink,
      route: this.routes.get(sink.name),
      needsStart,
      checkpointer: this.checkpointer,
      client: this.source.client,
      filter: this.source.filter,
      knownTypes: this.source.knownTypes,
      lookbackMs: src.lookback,
      pageSize: src.page_size,
      pollIntervalMs: src.poll_interval,
      backfill: this.source.backfill,
      maxBufferedEvents: this.config.pipeline.max_buffered_events,
      unhealthyAfterMs: this.config.health.unhealthy_after,
      deadLetter: this.deadLetter,
      mainReadTo: () => this.mainReadTo(),
      logger: this.opts.logger.child({ sink: sink.name, lane: 'catch_up' }),
      observer: this.sinkObserver,
      onCycle: (delivered) => this.opts.observer?.isolation?.onCatchUpCycle?.(sink.name, delivered),
    });
  }

  /**
   * Starts every sink. Under isolate, a sink that fails its start-up check (unreachable,
   * credentials refused) starts detached and its catch-up lane keeps trying it; so does a sink
   * the checkpoint says is still catching up. Only configuration errors stop the start; with
   * every sink failing (or in lock-step: block, --once) the start is tried again with backoff.
   */
  private async startSinks(signal: AbortSignal): Promise<void> {
    try {
      await this.pipeline.open();
      let failed = await this.pipeline.startSinks(this.pipeline.sinks, signal);
      const refused = failed.find((f) => f.error instanceof ConfigError);
      if (refused) throw refused.error;
      if (failed.length > 0 && this.opts.once)
        throw new SinkStartError(failed.map(describeStartFailure).join('; '));
      if (failed.length > 0 && (!this.isolating || failed.length === this.pipeline.sinks.length))
        failed = await this.isolation.retryStarts(failed, { untilOneStarts: this.isolating, signal });
      this.isolation.resume(failed);
    } catch (err) {
      // Sinks that did start (a connected Kafka producer, keep-alive sockets) would keep the
      // process alive after the refusal is reported: release them.
      await this.pipeline.close().catch(() => undefined);
      await this.governor.stop();
      throw err;
    }
  }

  /** One poll cycle, delivered, committed and recorded; or why not. */
  private async pollOnce(signal: AbortSignal): Promise<CycleStep> {
    const cycle = this.opts.observer?.cycleStarted?.();
    const cycleStarted = process.hrtime.bigint();
    let summary: CycleSummary;
    try {
      summary = await this.poller.runCycle(signal);
      if (this.apiError) this.opts.logger.info('poll cycles work again', { previous_error: this.apiError });
      this.apiError = undefined;
    } catch (err) {
      cycle?.failed(errorMessage(err));
      return this.cycleFailed(err, signal);
    }
    // The next window starts at the committed watermark: wait for this cycle to commit.
    // Nothing more comes before the next cycle, so the last partial batches go now: left
    // to their batch timeout, they held every cycle's end (and every --once exit) back.
    this.pipeline.sendQueued();
    await this.heldBySinks(Promise.race([this.pipeline.whenIdle(), whenAborted(signal)]), signal);
    if (signal.aborted && this.pipeline.buffered > 0) {
      cycle?.failed('stopped before the cycle was committed');
      return { kind: 'stop' };
    }
    this.lastCycle = summary;
    const record = this.checkpointer.recordCycle(cycleRecordOf(summary));
    await this.checkpointer.flush().then(
      () => this.opts.observer?.checkpointAdvanced?.(),
      () => undefined,
    );
    cycle?.completed(record, Number(process.hrtime.bigint() - cycleStarted) / 1e9);
    this.opts.logger.info('poll cycle complete', { ...record });
    return { kind: 'committed' };
  }

  /**
   * Waits for the sinks (room in the buffer, or the cycle committed) while the source asks
   * the API once per poll interval, so that readiness still sees an API outage (api-probe.ts).
   */
  private heldBySinks<T>(wait: Promise<T>, signal: AbortSignal): Promise<T> {
    return probeWhileHeld(
      wait,
      (probeSignal) => this.source.client.probe(probeSignal, PROBE_URGENCY),
      this.config.source.poll_interval,
      signal,
    );
  }

  /** What a failed cycle means: stop (with why), or try again after the poll interval. */
  private cycleFailed(err: unknown, signal: AbortSignal): CycleStep {
    const { logger } = this.opts;
    if (err instanceof AbortedError || signal.aborted) return { kind: 'stop' };
    const keyRefused = err instanceof ApiError && (err.status === 401 || err.status === 403);
    if (keyRefused && this.keyAccepted && !this.opts.once) {
      // Revoked or narrowed while running: stay up and keep asking, so /readyz and the
      // auth alert say why nothing arrives, and a restored key needs no restart.
      if (this.apiError !== err.message) {
        logger.error(`${err.message} Asking again every poll interval; /readyz reports it meanwhile.`, {
          status: err.status,
          request_id: err.requestId,
        });
      }
      this.apiError = err.message;
      return { kind: 'retry' };
    }
    if (err instanceof ApiError && !err.retryable) {
      this.apiError = err.message;
      logger.error(err.message, { status: err.status, request_id: err.requestId });
      return { kind: 'stop', outcome: { ok: false, reason: err.message } };
    }
    this.apiError = errorMessage(err);
    logger.error('poll cycle failed; trying again after the poll interval', { error: errorMessage(err) });
    if (this.opts.once) return { kind: 'stop', outcome: { ok: false, reason: errorMessage(err) } };
    return { kind: 'retry' };
  }

  /** When the late lane sweeps next: a sweep_interval after the last one began (now, if never). */
  private nextSweepAt(): number {
    const last = this.checkpointer.lateLane.last_sweep;
    return last ? Date.parse(last.started_at) + this.config.source.access_transparency.sweep_interval : 0;
  }

  /**
   * The late lane's loop, beside the poll cycles: it shares the rate budget at the lowest
   * urgency, so the cycles' requests always go first. A failed or empty sweep is tried again
   * after the poll interval; every sweep re-reads its whole window, so nothing is skipped.
   */
  private async runLateLane(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const wait = this.nextSweepAt() - Date.now();
      if (wait > 0) await sleep(wait, signal).catch(() => undefined);
      if (signal.aborted) return;
      if (!(await this.sweep(signal)))
        await sleep(this.config.source.poll_interval, signal).catch(() => undefined);
    }
  }

  /** One sweep, recorded in the checkpoint; false if it failed or had no window yet. */
  private async sweep(signal: AbortSignal): Promise<boolean> {
    const lane = this.lateLane;
    if (!lane) return false;
    try {
      const record = await lane.sweep(signal);
      if (!record) return false;
      this.checkpointer.recordSweep(record);
      this.opts.logger.info('access transparency sweep complete', { ...record });
      return true;
    } catch (err) {
      if (err instanceof AbortedError || signal.aborted) return false;
      this.opts.logger.warn('access transparency sweep failed; trying again after the poll interval', {
        error: errorMessage(err),
      });
      this.opts.observer?.lateLane?.onSweepFailed?.(errorMessage(err));
      return false;
    }
  }

  /** A sweep in --once: its rows are committed and saved before the run ends. */
  private async sweepAndCommit(signal: AbortSignal): Promise<void> {
    if (!(await this.sweep(signal))) return;
    this.pipeline.sendQueued();
    await this.heldBySinks(Promise.race([this.pipeline.whenIdle(), whenAborted(signal)]), signal);
    await this.checkpointer.flush().catch(() => undefined);
  }

  /** False when the final checkpoint could not be written (the run did not end cleanly). */
  private async shutdown(): Promise<boolean> {
    const { logger } = this.opts;
    await this.isolation.stop();
    const drained = await this.pipeline.drain(this.config.pipeline.shutdown_timeout);
    if (!drained) {
      logger.warn('shutdown timeout: some batches were still in flight; the next run delivers them again', {
        buffered: this.pipeline.buffered,
      });
    }
    await this.pipeline.close();
    this.checkpointer.stop();
    let saved = true;
    await this.checkpointer.flush().catch((err: unknown) => {
      saved = false;
      logger.error(
        'final checkpoint write failed: the next run delivers the activities since the last saved checkpoint again',
        { error: errorMessage(err) },
      );
    });
    await this.governor.stop();
    logger.info('stopped', {
      watermark: this.checkpointer.watermark,
      delivered_total: this.checkpointer.current.totals.delivered,
    });
    return saved;
  }
}

/** How one poll cycle ended, for the run loop. */
type CycleStep =
  | { readonly kind: 'committed' }
  | { readonly kind: 'retry' }
  | { readonly kind: 'stop'; readonly outcome?: RunOutcome };

function cycleRecordOf(summary: CycleSummary): Omit<CycleRecord, 'cycle' | 'sha256'> {
  return {
    started_at: summary.startedAt,
    finished_at: new Date().toISOString(),
    from: summary.from,
    to: summary.to,
    start_cursor: summary.startCursor,
    end_cursor: summary.endCursor,
    pages: summary.pages,
    fetched: summary.fetched,
    delivered: summary.delivered,
    filtered: summary.filtered,
    duplicates_suppressed: summary.duplicates,
    late_caught: summary.late,
    first_created_at: summary.firstCreatedAt,
    last_created_at: summary.lastCreatedAt,
    last_request_id: summary.lastRequestId,
  };
}
