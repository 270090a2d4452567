import type { Activity } from './activity';
import type { ComplianceApiClient, Page, PageQuery, RequestedWindow } from './client';
import type { FilterVerdict } from './filters';
import type { Logger } from '../observability/logger';
import { cutSlices, slicedPages, type Urgency } from './sliced-pages';
import { isAccessTransparency } from './access-transparency/activity';
import type { AccessTransparencyLedger } from './access-transparency/ledger';
import { checkCreatedAt, InvertedWindowError, type RejectedRow, type RejectReason } from './window-check';
import { rejectedRows } from './rejected-rows';

/** An activity ready for the pipeline, with whether any sink should get it. */
export interface PolledItem {
  readonly activity: Activity;
  readonly raw: string;
  readonly deliver: boolean;
}

export interface PollerOptions {
  readonly client: Pick<ComplianceApiClient, 'fetchPage' | 'knowsActivity'>;
  readonly pageSize: number;
  readonly lookbackMs: number;
  readonly filter: (a: Activity) => FilterVerdict;
  /** Committed ids (persisted with the checkpoint) → created_at ms. */
  readonly committedIds: () => ReadonlyMap<string, number>;
  /** Newest committed created_at, or null before the first commit. */
  readonly watermark: () => string | null;
  /** Where the first run starts (resolved start_at). */
  readonly start: string;
  /** Hands a page to the pipeline; resolves when the pipeline has room for more. */
  readonly emit: (items: PolledItem[], page: Page) => Promise<void>;
  /** Rows kept out of the pipeline (outside their window, oversized): written down before the page goes on. */
  readonly reject?: (rows: RejectedRow[]) => Promise<void>;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly observer?: PollObserver;
  /**
   * Backfill: a window longer than `sliceAboveMs` is cut into created_at slices fetched
   * `concurrency` at a time (pages still come out in order). 1 = always one cursor walk.
   */
  readonly backfill?: { readonly concurrency: number; readonly sliceAboveMs: number };
  /**
   * Access Transparency rows delivered so far, shared with the late lane: neither delivers
   * one twice, and a copy re-served with a transparency-log index it lacked is delivered again.
   */
  readonly accessTransparency?: AccessTransparencyLedger;
}

export interface PollObserver {
  /** A cycle starts reading the created_at window [from, to). */
  onCycleStart?(window: { readonly from: string; readonly to: string }): void;
  onPage?(
    page: Page,
    stats: { fetched: number; duplicates: number; late: number; filtered: number; unknownTypes: string[] },
  ): void;
  /** Rows dead-lettered by the source, by reason. */
  onRejected?(reason: RejectReason, count: number): void;
}

export interface CycleSummary {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly from: string;
  readonly to: string;
  readonly startCursor: string | null;
  readonly endCursor: string | null;
  readonly pages: number;
  readonly fetched: number;
  readonly delivered: number;
  readonly filtered: number;
  readonly duplicates: number;
  readonly late: number;
  readonly firstCreatedAt: string | null;
  readonly lastCreatedAt: string | null;
  readonly lastRequestId: string | null;
}

/**
 * Reads the feed in poll cycles. Each cycle reads `[watermark - lookback, now)` in
 * ascending order, page after page (after_id cursors), and skips every id already
 * delivered: rows the API indexed late, behind a cursor we had passed, are still delivered
 * once, as long as they are no later than `lookback`.
 *
 * The caller must let a cycle's records commit before starting the next one: the next
 * cycle's window starts from the committed watermark, and that is what makes a crash at any
 * moment lose nothing (see DESIGN.md, "Nothing is lost").
 */
export class Poller {
  /** Ids handed to the pipeline by this process, committed or not → created_at ms. */
  private readonly emitted = new Map<string, number>();
  /** Newest created_at this process has seen: rows older than it that are new to us are late. */
  private newestSeenMs = Number.NEGATIVE_INFINITY;
  private readonly knownTypes: Set<string>;

  constructor(
    private readonly opts: PollerOptions,
    knownTypes: Iterable<string> = [],
  ) {
    this.knownTypes = new Set(knownTypes);
    const w = opts.watermark();
    if (w) this.newestSeenMs = Date.parse(w);
  }

  /**
   * The newest committed activity id when the API does not know it, else undefined. Every
   * tenant reads the same base URL, so a checkpoint copied from another organization's
   * forwarder passes the base_url check, and resuming from its watermark would silently skip
   * this organization's history before it. One request, at start-up.
   */
  async foreignPosition(signal?: AbortSignal): Promise<string | undefined> {
    let newest: { id: string; ms: number } | undefined;
    for (const [id, ms] of this.opts.committedIds()) if (!newest || ms > newest.ms) newest = { id, ms };
    if (!newest) return undefined;
    return (await this.opts.client.knowsActivity(newest.id, signal)) ? undefined : newest.id;
  }

  /** The window the next cycle will read. */
  nextWindow(now: number): { from: string; to: string } {
    const w = this.opts.watermark();
    const from = w ? new Date(Date.parse(w) - this.opts.lookbackMs).toISOString() : this.opts.start;
    const to = new Date(now).toISOString();
    if (!(Date.parse(from) < now)) {
      throw new InvertedWindowError(
        `the window to read is inverted (created_at.gte ${from} is not before created_at.lt ${to}): the checkpoint's watermark ${w ?? this.opts.start} is in the future. ` +
          'Check the clock; if the watermark came from a future-dated activity, run "claude-audit-forwarder checkpoint reset" (or set it back) to read on.',
      );
    }
    return { from, to };
  }

  private alreadyHave(id: string): boolean {
    return this.emitted.has(id) || this.opts.committedIds().has(id);
  }

  private prune(fromMs: number): void {
    const floor = fromMs - 60_000;
    for (const [id, ms] of this.emitted) if (ms < floor) this.emitted.delete(id);
  }

  /**
   * Forgets emitted ids no later read can return: older than the committed watermark minus
   * the lookback, the same floor the checkpoint's committed set keeps (the next window never
   * starts earlier). Done as pages arrive, not only between cycles: a catch-up cycle over a
   * million-row backlog would otherwise hold every id it ever emitted.
   */
  private pruneBehindWatermark(): void {
    const w = this.opts.watermark();
    if (w) this.prune(Date.parse(w) - this.opts.lookbackMs);
  }

  /**
   * The cycle's pages in ascending order. The first page is read for the whole window: a
   * window that fits in one page costs one request, however long it is. Only when more
   * remains, and what remains spans more than `sliceAboveMs`, is the rest cut into parallel
   * slices (starting at the last created_at read: rows sharing it are read again and
   * deduplicated by id); otherwise the cursor walk goes on.
   */
  private async *pages(from: string, to: string, signal: AbortSignal): AsyncGenerator<Page> {
    const fetch = (q: PageQuery, urgency?: Urgency) => this.opts.client.fetchPage(q, signal, urgency);
    const first = await fetch({
      createdAtGte: from,
      createdAtLt: to,
      limit: this.opts.pageSize,
      order: 'asc',
    });
    const last = first.activities.at(-1);
    if (!first.hasMore || !first.lastId || !last) {
      yield first;
      return;
    }
    const backfill = this.opts.backfill;
    const resumeAt = last.created_at;
    // Slices start at the last row read: only a row inside the window may say where.
    const resumable = checkCreatedAt(resumeAt, { gte: from, lt: to }).ok;
    if (
      backfill &&
      backfill.concurrency > 1 &&
      resumable &&
      Date.parse(to) - Date.parse(resumeAt) > backfill.sliceAboveMs
    ) {
      // As many slices as the first page's density says the rest needs pages (a quiet day
      // is one slice, not 32 requests), up to four per concurrent request; a slice denser
      // than estimated is cut again when its own first page comes back (sliced-pages.ts).
      const readMs = Math.max(1, Date.parse(resumeAt) - Date.parse(from));
      const estimatedRows = (first.activities.length * (Date.parse(to) - Date.parse(resumeAt))) / readMs;
      const wanted = Math.ceil(estimatedRows / this.opts.pageSize);
      const slices = cutSlices(resumeAt, to, Math.max(1, Math.min(256, backfill.concurrency * 4, wanted)));
      this.opts.logger.info('backfill: reading the rest of the window in parallel slices', {
        from: resumeAt,
        to,
        slices: slices.length,
        concurrency: backfill.concurrency,
      });
      yield* firstThenRest(
        first,
        slicedPages(fetch, slices, {
          pageSize: this.opts.pageSize,
          concurrency: backfill.concurrency,
          signal,
        }),
      );
      return;
    }
    yield* firstThenRest(
      first,
      slicedPages(fetch, [{ gte: from, lt: to, afterId: first.lastId }], {
        pageSize: this.opts.pageSize,
        concurrency: 1,
        signal,
      }),
    );
  }

  /** Dead-letters rows the window check or the size cap refused, before anything after them is emitted. */
  private async rejectRows(rows: RejectedRow[], page: Page): Promise<void> {
    const counts = new Map<RejectReason, number>();
    for (const r of rows) counts.set(r.reason, (counts.get(r.reason) ?? 0) + 1);
    this.opts.logger.warn(
      'activities refused by the source checks: written to the dead-letter file, not delivered',
      {
        count: rows.length,
        reasons: Object.fromEntries(counts),
        first: rows[0].detail,
        request_id: page.requestId,
      },
    );
    await this.opts.reject?.(rows);
    for (const [reason, count] of counts) this.opts.observer?.onRejected?.(reason, count);
  }

  async runCycle(signal: AbortSignal): Promise<CycleSummary> {
    const now = this.opts.now ?? Date.now;
    const startedAt = new Date(now()).toISOString();
    const { from, to } = this.nextWindow(now());
    this.prune(Date.parse(from));
    this.opts.observer?.onCycleStart?.({ from, to });
    const tally = new CycleTally();
    const requested: RequestedWindow = { gte: from, lt: to };
    // Rows older than anything seen before this cycle, and new to us, were indexed late.
    const newestBefore = this.newestSeenMs;
    for await (const page of this.pages(from, to, signal)) {
      if (signal.aborted) break;
      const sorted = this.sortPage(page, page.window ?? requested, newestBefore);
      tally.add(page, sorted);
      await this.handOn(page, sorted);
    }
    return tally.summary(startedAt, new Date(now()).toISOString(), from, to);
  }

  /**
   * Sorts a page row by row: a row outside the window it was requested for is refused, one
   * already delivered is skipped, and every other goes on, marked by the filter.
   */
  private sortPage(page: Page, window: RequestedWindow, newestBefore: number): SortedPage {
    const sorted = emptySortedPage(rejectedRows(page.oversized ?? []));
    for (let i = 0; i < page.activities.length; i++) {
      const activity = page.activities[i];
      const inWindow = checkCreatedAt(activity.created_at, window);
      if (!inWindow.ok) {
        sorted.rejected.push({
          id: activity.id,
          type: activity.type,
          created_at: activity.created_at,
          reason: inWindow.reason,
          detail: inWindow.detail,
          raw: rawText(page, i),
        });
        continue;
      }
      if (!this.rememberIfNew(activity, inWindow.ms)) {
        sorted.duplicates++;
        continue;
      }
      if (inWindow.ms < newestBefore) sorted.late++;
      if (this.knownTypes.size > 0 && !this.knownTypes.has(activity.type))
        sorted.unknownTypes.push(activity.type);
      const deliver = this.opts.filter(activity) === 'deliver';
      if (deliver) {
        sorted.firstDelivered ??= activity.created_at;
        sorted.lastDelivered = activity.created_at;
      } else {
        sorted.filtered++;
      }
      sorted.items.push({ activity, raw: rawText(page, i), deliver });
    }
    return sorted;
  }

  /**
   * False for a row already handed on. A new one is remembered: an Access Transparency row in
   * the ledger shared with the late lane, any other among the ids emitted.
   */
  private rememberIfNew(activity: Activity, ms: number): boolean {
    const ledger = isAccessTransparency(activity.type) ? this.opts.accessTransparency : undefined;
    if (ledger ? !ledger.isNew(activity) : this.alreadyHave(activity.id)) return false;
    if (ledger) ledger.emitted(activity);
    else this.emitted.set(activity.id, ms);
    if (ms > this.newestSeenMs) this.newestSeenMs = ms;
    return true;
  }

  /** Reports the page, dead-letters its refused rows, then hands the rest to the pipeline. */
  private async handOn(page: Page, sorted: SortedPage): Promise<void> {
    this.opts.observer?.onPage?.(page, {
      fetched: page.activities.length,
      duplicates: sorted.duplicates,
      late: sorted.late,
      filtered: sorted.filtered,
      unknownTypes: sorted.unknownTypes,
    });
    if (sorted.late > 0)
      this.opts.logger.info('late-indexed activities caught behind the cursor', {
        count: sorted.late,
        request_id: page.requestId,
      });
    if (sorted.rejected.length > 0) await this.rejectRows(sorted.rejected, page);
    if (sorted.items.length > 0) await this.opts.emit(sorted.items, page);
    this.pruneBehindWatermark();
  }
}

/** The row's JSON text: as the API sent it when the page kept it, else encoded again. */
function rawText(page: Page, i: number): string {
  return page.raw?.[i] ?? JSON.stringify(page.activities[i]);
}

/** One page, sorted: what goes to the pipeline, what is refused, and its counts. */
interface SortedPage {
  readonly items: PolledItem[];
  readonly rejected: RejectedRow[];
  readonly unknownTypes: string[];
  duplicates: number;
  late: number;
  filtered: number;
  /** created_at of the first and the last row to deliver. */
  firstDelivered: string | null;
  lastDelivered: string | null;
}

function emptySortedPage(rejected: RejectedRow[]): SortedPage {
  return {
    items: [],
    rejected,
    unknownTypes: [],
    duplicates: 0,
    late: 0,
    filtered: 0,
    firstDelivered: null,
    lastDelivered: null,
  };
}

/** What a cycle's summary says beyond its window and times: filled in page after page. */
type CycleTotals = {
  -readonly [K in Exclude<keyof CycleSummary, 'startedAt' | 'finishedAt' | 'from' | 'to'>]: CycleSummary[K];
};

class CycleTally {
  private readonly totals: CycleTotals = {
    startCursor: null,
    endCursor: null,
    pages: 0,
    fetched: 0,
    delivered: 0,
    filtered: 0,
    duplicates: 0,
    late: 0,
    firstCreatedAt: null,
    lastCreatedAt: null,
    lastRequestId: null,
  };

  add(page: Page, sorted: SortedPage): void {
    const t = this.totals;
    t.pages++;
    t.lastRequestId = page.requestId ?? t.lastRequestId;
    if (t.startCursor === null) t.startCursor = page.firstId;
    if (page.lastId) t.endCursor = page.lastId;
    // Oversized rows were fetched too, though only their ids are kept.
    t.fetched += (page.oversized?.length ?? 0) + page.activities.length;
    t.delivered += sorted.items.length - sorted.filtered;
    t.filtered += sorted.filtered;
    t.duplicates += sorted.duplicates;
    t.late += sorted.late;
    t.firstCreatedAt ??= sorted.firstDelivered;
    if (sorted.lastDelivered !== null) t.lastCreatedAt = sorted.lastDelivered;
  }

  summary(startedAt: string, finishedAt: string, from: string, to: string): CycleSummary {
    return { startedAt, finishedAt, from, to, ...this.totals };
  }
}

/**
 * Yields `first`, then `rest`, whose requests are already under way while the consumer
 * works on `first`: started only when the consumer came back for more, every catch-up
 * began with the consumer idle for a whole response time.
 */
async function* firstThenRest(first: Page, rest: AsyncGenerator<Page>): AsyncGenerator<Page> {
  const next = rest.next();
  next.catch(() => undefined); // its error reaches the consumer below, when it gets there
  try {
    yield first;
    for (let r = await next; !r.done; r = await rest.next()) yield r.value;
  } finally {
    await rest.return(undefined);
  }
}
