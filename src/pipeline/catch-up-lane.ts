import type { Sink } from '../sinks/sink';
import { whenAborted } from '../util/when-aborted';
import type { Checkpointer } from '../checkpoint/checkpointer';
import type { ComplianceApiClient } from '../source/client';
import type { FilterVerdict } from '../source/filters';
import type { Activity } from '../source/activity';
import { Poller } from '../source/poller';
import type { Page } from '../source/client';
import { ApiError } from '../source/api-errors';
import { ACCESS_TRANSPARENCY_TYPES } from '../source/access-transparency/activity';
import { UNFILTERED_PAGE_SIZE } from '../source/access-transparency/late-lane';
import { InvertedWindowError } from '../source/window-check';
import type { Logger } from '../observability/logger';
import { AbortedError, errorMessage } from '../util/errors';
import { retry, sleep } from '../util/retry';
import type { DeadLetterFile } from './dead-letter';
import { Pipeline } from './pipeline';
import type { SinkObserver } from './sink-worker';
import type { SinkRoute } from '../routing/route';

/** How soon a lane waiting for the main lane looks again (no request: only a comparison). */
const NO_WINDOW_RECHECK_MS = 200;

/** Catch-up requests wait behind the poll cycles' (0-5) and go before the late lane's (9). */
export const CATCH_UP_URGENCY = 8;

export interface CatchUpLaneOptions {
  readonly sink: Sink;
  /** The sink's filter and privacy: the lane delivers exactly what the main lane would. */
  readonly route?: SinkRoute;
  /** The sink failed its start-up check: the lane retries it before reading anything. */
  readonly needsStart: boolean;
  readonly checkpointer: Checkpointer;
  readonly client: Pick<ComplianceApiClient, 'fetchPage' | 'knowsActivity'>;
  readonly filter: (activity: Activity) => FilterVerdict;
  readonly knownTypes: readonly string[];
  readonly lookbackMs: number;
  readonly pageSize: number;
  readonly pollIntervalMs: number;
  readonly backfill: { readonly concurrency: number; readonly sliceAboveMs: number };
  readonly maxBufferedEvents: number;
  readonly unhealthyAfterMs: number;
  readonly deadLetter: DeadLetterFile;
  /** The main lane's last recorded cycle end: the lane never reads past it. */
  readonly mainReadTo: () => string | undefined;
  readonly logger: Logger;
  readonly observer?: SinkObserver;
  /** A catch-up cycle committed (for metrics). */
  readonly onCycle?: (delivered: number) => void;
}

/**
 * A detached sink's own reader: it reads the feed again from the sink's position, through
 * the shared client and rate governor at a low urgency, and delivers to that sink alone
 * (same batching, retries and dead-letter file as the main lane). Its commits move only the
 * sink's position in the checkpoint, so a crash anywhere in a catch-up loses nothing.
 *
 * It never reads past the main lane's last cycle: once a cycle ends exactly there, the sink
 * has everything the main lane committed (see `caughtUpTo`) and can be attached again.
 */
export class CatchUpLane {
  readonly pipeline: Pipeline;
  private readonly poller: Poller;
  private readonly stopping = new AbortController();
  private running?: Promise<void>;
  private needsStart: boolean;
  /** `to` of the last cycle whose records are all committed; undefined while a cycle runs. */
  private committedTo?: string;
  private cycleRunning = false;

  constructor(private readonly opts: CatchUpLaneOptions) {
    const name = opts.sink.name;
    this.needsStart = opts.needsStart;
    this.pipeline = new Pipeline({
      sinks: [opts.sink],
      routes: opts.route ? new Map([[name, opts.route]]) : undefined,
      maxBufferedEvents: opts.maxBufferedEvents,
      unhealthyAfterMs: opts.unhealthyAfterMs,
      deadLetter: opts.deadLetter,
      logger: opts.logger,
      onCommit: (records) => opts.checkpointer.commitSink(name, records),
      persistSoon: () => opts.checkpointer.saveSoon(),
      observer: opts.observer,
      ownsSinks: false,
    });
    this.poller = new Poller(
      {
        client: {
          fetchPage: (q, signal, urgency) =>
            opts.client.fetchPage(q, signal, Math.max(urgency ?? CATCH_UP_URGENCY, CATCH_UP_URGENCY)),
          knowsActivity: (id, signal) => opts.client.knowsActivity(id, signal),
        },
        pageSize: opts.pageSize,
        lookbackMs: opts.lookbackMs,
        filter: opts.filter,
        committedIds: () => opts.checkpointer.sinkCommittedIds(name),
        watermark: () => opts.checkpointer.sinkWatermark(name),
        start: opts.checkpointer.current.start,
        // The window's end is the main lane's, not the clock's.
        now: () => Date.parse(opts.mainReadTo() ?? new Date(0).toISOString()),
        emit: (items) => this.pipeline.push(items, this.stopping.signal),
        logger: opts.logger.child({ component: 'catch_up' }),
        backfill: opts.backfill,
      },
      opts.knownTypes,
    );
  }

  /** The main-lane cycle end this lane has delivered everything up to, when it is between cycles. */
  caughtUpTo(): string | undefined {
    return this.cycleRunning ? undefined : this.committedTo;
  }

  /** How far (ms) the last committed cycle ended before `to`; undefined before its first cycle. */
  behindBy(to: string): number | undefined {
    return this.committedTo === undefined ? undefined : Date.parse(to) - Date.parse(this.committedTo);
  }

  /** Waits (at most `timeoutMs`) for the lane to commit a cycle ending at `to`; true if it did. */
  async settleTo(to: string, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.caughtUpTo() !== to) {
      if (signal.aborted || Date.now() >= deadline) return false;
      await sleep(25, signal).catch(() => undefined);
    }
    return true;
  }

  start(): void {
    this.running ??= this.loop(this.stopping.signal).catch((err: unknown) => {
      if (!(err instanceof AbortedError))
        this.opts.logger.error('catch-up lane stopped unexpectedly', { error: errorMessage(err) });
    });
  }

  /** Stops reading and abandons what is in flight (the sink's position says where to resume). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
    await this.pipeline.close();
  }

  private async loop(signal: AbortSignal): Promise<void> {
    if (this.needsStart) await this.startSink(signal);
    while (!signal.aborted) {
      if (this.opts.checkpointer.sinkOwedLate(this.opts.sink.name).length > 0) {
        if (!(await this.deliverOwedLate(signal)))
          await sleep(this.opts.pollIntervalMs, signal).catch(() => undefined);
        continue;
      }
      if (!this.hasWindow()) {
        await sleep(NO_WINDOW_RECHECK_MS, signal).catch(() => undefined);
        continue;
      }
      if (!(await this.runCycle(signal)))
        await sleep(this.opts.pollIntervalMs, signal).catch(() => undefined);
    }
  }

  /** A sink that failed its start-up check is tried again with the shared backoff. */
  private async startSink(signal: AbortSignal): Promise<void> {
    await retry(() => this.opts.sink.start(signal), {
      signal,
      policy: { initialMs: 1000, maxMs: 30_000 },
      shouldRetry: (err) => !(err instanceof AbortedError),
      onRetry: (err, _attempt, delayMs) =>
        this.opts.logger.warn('sink still fails its start-up check; trying again', {
          error: errorMessage(err),
          delay_ms: delayMs,
        }),
    });
    this.needsStart = false;
    this.opts.logger.info('sink passes its start-up check; catching up from the API');
  }

  /**
   * Fetches the late Access Transparency rows the others got while this sink was detached,
   * by their dates and types, and delivers them to it; false if the read failed.
   */
  private async deliverOwedLate(signal: AbortSignal): Promise<boolean> {
    const name = this.opts.sink.name;
    const owed = this.opts.checkpointer.sinkOwedLate(name);
    const ids = new Set(owed.map(([id]) => id));
    const fromMs = Math.min(...owed.map(([, ms]) => ms));
    const toMs = Math.max(...owed.map(([, ms]) => ms)) + 1;
    const window = { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() };
    let filterByType = this.opts.checkpointer.lateLane.filter !== 'client';
    const found = new Set<string>();
    try {
      let afterId: string | undefined;
      for (;;) {
        let page: Page;
        try {
          page = await this.opts.client.fetchPage(
            {
              createdAtGte: window.from,
              createdAtLt: window.to,
              afterId,
              order: 'asc',
              limit: filterByType ? this.opts.pageSize : UNFILTERED_PAGE_SIZE,
              ...(filterByType ? { types: { include: ACCESS_TRANSPARENCY_TYPES, exclude: [] } } : {}),
            },
            signal,
            CATCH_UP_URGENCY,
          );
        } catch (err) {
          // The API refuses a filter on these types (as the late lane found): read unfiltered.
          if (filterByType && err instanceof ApiError && err.status === 400) {
            filterByType = false;
            afterId = undefined;
            continue;
          }
          throw err;
        }
        const items = page.activities.flatMap((activity, i) =>
          ids.has(activity.id) && !found.has(activity.id)
            ? [{ activity, raw: page.raw?.[i] ?? JSON.stringify(activity), deliver: true, foundLate: true }]
            : [],
        );
        for (const it of items) found.add(it.activity.id);
        if (items.length > 0) await this.pipeline.push(items, signal);
        if (!page.hasMore || !page.lastId || page.lastId === afterId || found.size === ids.size) break;
        afterId = page.lastId;
      }
      this.pipeline.sendQueued();
      await Promise.race([this.pipeline.whenIdle(), whenAborted(signal)]);
      if (signal.aborted) return false;
    } catch (err) {
      if (err instanceof AbortedError || signal.aborted) return false;
      this.opts.logger.warn(
        'could not fetch the late Access Transparency rows this sink is owed; trying again',
        {
          error: errorMessage(err),
        },
      );
      return false;
    }
    const missing = owed.length - found.size;
    if (missing > 0)
      this.opts.logger.error(
        'late Access Transparency rows the other sinks got are no longer in the feed; this sink cannot get them',
        { missing, window_from: window.from, window_to: window.to },
      );
    this.opts.logger.info(
      'delivered the late Access Transparency rows the other sinks got while this sink was detached',
      {
        delivered: found.size,
      },
    );
    this.opts.checkpointer.settleOwedLate(name, ids);
    return true;
  }

  /** Whether the main lane has read past this lane: there is a window to read. */
  private hasWindow(): boolean {
    const bound = this.opts.mainReadTo();
    if (bound === undefined) return false;
    if (this.committedTo !== undefined && Date.parse(bound) <= Date.parse(this.committedTo)) return false;
    try {
      this.poller.nextWindow(Date.parse(bound));
      return true;
    } catch (err) {
      // The sink's position is already within a lookback of the main lane's end: wait for more.
      if (err instanceof InvertedWindowError) return false;
      throw err;
    }
  }

  /** One catch-up cycle, committed and recorded; false if it failed. */
  private async runCycle(signal: AbortSignal): Promise<boolean> {
    const name = this.opts.sink.name;
    const startedAt = new Date().toISOString();
    this.cycleRunning = true;
    try {
      const summary = await this.poller.runCycle(signal);
      this.pipeline.sendQueued();
      await Promise.race([this.pipeline.whenIdle(), whenAborted(signal)]);
      if (signal.aborted) return false;
      this.opts.checkpointer.recordSinkCycle(name, {
        started_at: startedAt,
        finished_at: new Date().toISOString(),
        from: summary.from,
        to: summary.to,
        pages: summary.pages,
        fetched: summary.fetched,
        delivered: summary.delivered,
        duplicates_suppressed: summary.duplicates,
      });
      this.committedTo = summary.to;
      this.opts.onCycle?.(summary.delivered);
      this.opts.logger.info('catch-up cycle complete', {
        from: summary.from,
        to: summary.to,
        delivered: summary.delivered,
        duplicates_suppressed: summary.duplicates,
        pages: summary.pages,
      });
      return true;
    } catch (err) {
      if (err instanceof AbortedError || signal.aborted) return false;
      this.opts.logger.warn('catch-up cycle failed; trying again after the poll interval', {
        error: errorMessage(err),
      });
      return false;
    } finally {
      this.cycleRunning = false;
    }
  }
}
