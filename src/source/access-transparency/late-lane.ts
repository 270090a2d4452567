import type { Activity } from '../activity';
import type { ComplianceApiClient, Page, PageQuery } from '../client';
import { ApiError } from '../api-errors';
import type { FilterVerdict } from '../filters';
import type { PolledItem } from '../poller';
import type { Logger } from '../../observability/logger';
import type { SweepRecord } from '../../checkpoint/state';
import { checkCreatedAt, type RejectedRow } from '../window-check';
import { rejectedRows } from '../rejected-rows';
import { ACCESS_TRANSPARENCY_TYPES, isAccessTransparency } from './activity';
import type { AccessTransparencyLedger } from './ledger';

export type LaneFilter = SweepRecord['filter'];

/** The API's largest page: reading a window unfiltered costs the fewest requests at it. */
export const UNFILTERED_PAGE_SIZE = 5000;

/** Below the poll cycle's requests (0-9, lower first): the lane never holds the main cycle up. */
const LANE_URGENCY = 9;

export interface LateLaneObserver {
  /** A sweep finished; `lateSeconds` says how long after its created_at each found row was found. */
  onSweep?(record: SweepRecord, lateSeconds: readonly number[]): void;
  onSweepFailed?(error: string): void;
  /** One request of a sweep was answered (retries not counted). */
  onRequest?(): void;
}

export interface LateLaneOptions {
  readonly client: ComplianceApiClient;
  readonly ledger: AccessTransparencyLedger;
  /** sweep_window: how far back from the newest created_at seen. */
  readonly windowMs: number;
  /** The poll cycle's lookback: rows inside it are the poll cycle's to read. */
  readonly lookbackMs: number;
  /** page_size, for reads filtered by the API. */
  readonly pageSize: number;
  /** source.activity_types / exclude_activity_types: the lane reads only the types they let through. */
  readonly configured: { readonly include: readonly string[]; readonly exclude: readonly string[] };
  readonly filter: (a: Activity) => FilterVerdict;
  /** Newest committed created_at, or null before the first commit. */
  readonly watermark: () => string | null;
  /** Where the first run started: nothing before it is read. */
  readonly start: string;
  /** Which type filter worked before (persisted), and where to remember a change. */
  readonly filterMode: () => LaneFilter | null;
  readonly rememberFilterMode: (mode: LaneFilter) => void;
  /** Hands rows to the pipeline; resolves when it has room for more (or `signal` aborts). */
  readonly emit: (items: PolledItem[], signal: AbortSignal) => Promise<void>;
  /**
   * Rows of the two types the source checks refused (outside the window asked for, an
   * unreadable created_at, over the size cap): the dead-letter file. Delivered, a row dated
   * in the future would carry the checkpoint's watermark past everything not yet read.
   */
  readonly reject: (rows: RejectedRow[]) => Promise<void>;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly observer?: LateLaneObserver;
  /**
   * The size of the organization's transparency log, from a verified checkpoint (one
   * request); undefined when there is no log or it could not be read. With it, a sweep reads
   * its window only when the log holds leaves not delivered yet.
   */
  readonly logSize?: (signal: AbortSignal) => Promise<number | undefined>;
}

/**
 * Sweeps skipped on the log's word in a row before one reads its window anyway: events
 * recorded before the log existed carry no leaf, and only a window read finds them late.
 */
const MAX_SKIPS_IN_A_ROW = 3;

/**
 * The late lane. Access Transparency rows are dated when Anthropic recorded them and can
 * appear in the feed up to two business days later (spec: access-transparency.md §2.5), far
 * behind the poll cycle's lookback. Each sweep re-reads `[newest created_at seen −
 * sweep_window, newest − lookback)` for those two types alone and hands every row not
 * delivered before (see AccessTransparencyLedger) to the same pipeline as everything else.
 *
 * The window ends where the poll cycle's re-read begins, so the lane never moves the
 * checkpoint's watermark and never races the cycle for a row it will read anyway. The
 * window is measured from the newest row seen rather than from now, so a forwarder that
 * was down for a week still sweeps the days before it stopped.
 *
 * The `activity_types[]` enum lacks both types (§2.7). The lane asks the API to filter on
 * them; if the API refuses that (400), it reads the window whole at the largest page size
 * and filters here, and remembers which works.
 */
export class LateLane {
  readonly types: readonly string[];
  private skippedInARow = 0;

  constructor(private readonly opts: LateLaneOptions) {
    const { include, exclude } = opts.configured;
    this.types = ACCESS_TRANSPARENCY_TYPES.filter((t) =>
      include.length > 0 ? include.includes(t) : !exclude.includes(t),
    );
  }

  /** The window the next sweep reads, or undefined when there is none yet. */
  window(): { from: string; to: string } | undefined {
    const w = this.opts.watermark();
    if (!w || this.types.length === 0) return undefined;
    const newest = Date.parse(w);
    const fromMs = Math.max(Date.parse(this.opts.start), newest - this.opts.windowMs);
    const toMs = newest - this.opts.lookbackMs;
    if (!(fromMs < toMs)) return undefined;
    return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() };
  }

  /** One sweep; undefined when there is nothing to sweep yet (no watermark, or the window is empty). */
  async sweep(signal: AbortSignal): Promise<SweepRecord | undefined> {
    const window = this.window();
    if (!window) return undefined;
    const now = this.opts.now ?? Date.now;
    const startedAt = new Date(now()).toISOString();
    let mode: LaneFilter = this.opts.filterMode() ?? 'server';
    const skipped = await this.skipOnLogSize(signal);
    if (skipped !== undefined)
      return {
        started_at: startedAt,
        finished_at: new Date(now()).toISOString(),
        from: window.from,
        to: window.to,
        filter: mode,
        requests: 1,
        fetched: 0,
        found: 0,
        max_lateness_seconds: null,
        last_request_id: null,
        log_size: skipped,
      };
    let stats: SweepStats;
    try {
      stats = await this.read(window, mode, signal);
    } catch (err) {
      if (!(mode === 'server' && err instanceof ApiError && err.status === 400)) throw err;
      this.opts.logger.warn(
        `the Compliance API refused a filter on ${this.types.join(', ')} (they are missing from its activity_types[] enum); the late lane now reads its window unfiltered at ${UNFILTERED_PAGE_SIZE} rows a page and keeps those types itself`,
        { status: err.status, request_id: err.requestId },
      );
      mode = 'client';
      stats = await this.read(window, mode, signal);
    }
    if (this.opts.filterMode() !== mode) this.opts.rememberFilterMode(mode);
    const record: SweepRecord = {
      started_at: startedAt,
      finished_at: new Date(now()).toISOString(),
      from: window.from,
      to: window.to,
      filter: mode,
      requests: stats.requests,
      fetched: stats.fetched,
      found: stats.lateSeconds.length,
      max_lateness_seconds:
        stats.lateSeconds.length > 0 ? stats.lateSeconds.reduce((a, b) => Math.max(a, b)) : null,
      last_request_id: stats.lastRequestId,
    };
    if (record.found > 0) {
      this.opts.logger.warn(
        'Access Transparency records appeared late, behind the poll window; delivering them',
        {
          found: record.found,
          max_lateness_seconds: record.max_lateness_seconds,
          window_from: window.from,
          window_to: window.to,
        },
      );
    }
    this.opts.observer?.onSweep?.(record, stats.lateSeconds);
    return record;
  }

  /** The log's size when it shows nothing new to sweep for (the window read is skipped). */
  private async skipOnLogSize(signal: AbortSignal): Promise<number | undefined> {
    if (!this.opts.logSize || this.skippedInARow >= MAX_SKIPS_IN_A_ROW) {
      this.skippedInARow = 0;
      return undefined;
    }
    const size = await this.opts.logSize(signal);
    if (size === undefined || !this.opts.ledger.coversLeavesBelow(size)) {
      this.skippedInARow = 0;
      return undefined;
    }
    this.skippedInARow++;
    return size;
  }

  private async read(
    window: { from: string; to: string },
    mode: LaneFilter,
    signal: AbortSignal,
  ): Promise<SweepStats> {
    const now = this.opts.now ?? Date.now;
    const types: PageQuery['types'] =
      mode === 'server'
        ? { include: this.types, exclude: [] }
        : { include: [], exclude: this.opts.configured.exclude };
    const limit = mode === 'server' ? this.opts.pageSize : UNFILTERED_PAGE_SIZE;
    const stats: SweepStats = { requests: 0, fetched: 0, lateSeconds: [], lastRequestId: null };
    let afterId: string | undefined;
    for (;;) {
      const page: Page = await this.opts.client.fetchPage(
        { createdAtGte: window.from, createdAtLt: window.to, afterId, limit, order: 'asc', types },
        signal,
        LANE_URGENCY,
      );
      stats.requests++;
      stats.lastRequestId = page.requestId ?? stats.lastRequestId;
      this.opts.observer?.onRequest?.();
      const items: PolledItem[] = [];
      const mine = (type: string): boolean => isAccessTransparency(type) && this.types.includes(type);
      const rejected = rejectedRows(page.oversized ?? []).filter((r) => mine(r.type));
      const activities = page.activities;
      for (let i = 0; i < activities.length; i++) {
        const activity = activities[i];
        if (!mine(activity.type)) continue;
        stats.fetched++;
        const inWindow = checkCreatedAt(activity.created_at, { gte: window.from, lt: window.to });
        if (!inWindow.ok) {
          rejected.push({
            id: activity.id,
            type: activity.type,
            created_at: activity.created_at,
            reason: inWindow.reason,
            detail: inWindow.detail,
            raw: page.raw?.[i] ?? JSON.stringify(activity),
          });
          continue;
        }
        if (!this.opts.ledger.isNew(activity) || this.opts.filter(activity) !== 'deliver') continue;
        this.opts.ledger.emitted(activity);
        stats.lateSeconds.push(Math.max(0, (now() - inWindow.ms) / 1000));
        items.push({ activity, raw: page.raw?.[i] ?? JSON.stringify(activity), deliver: true });
      }
      if (rejected.length > 0) {
        this.opts.logger.warn(
          'Access Transparency rows refused by the source checks: written to the dead-letter file, not delivered',
          { count: rejected.length, first: rejected[0].detail, request_id: page.requestId },
        );
        await this.opts.reject(rejected);
      }
      if (items.length > 0) await this.opts.emit(items, signal);
      if (signal.aborted || !page.hasMore || !page.lastId) return stats;
      // A sweep that stopped here would look complete; failing it, the next one reads the window again.
      if (page.lastId === afterId)
        throw new Error(
          `the Compliance API said has_more but its cursor did not move (after_id ${afterId}); the sweep stops and is tried again`,
        );
      afterId = page.lastId;
    }
  }
}

interface SweepStats {
  requests: number;
  fetched: number;
  lateSeconds: number[];
  lastRequestId: string | null;
}
