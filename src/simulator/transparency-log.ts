/**
 * Each organization's Access Transparency log, as far as the feed needs it: a leaf counter
 * per organization, and the `transparency_log_leaf_index` each row is stamped with when it
 * becomes eligible (spec/access-transparency.md §2.5 point 7: leaf order is the order of
 * eligibility, not of `created_at`). A log's `rows` list (leaf index → store row) is what the
 * log endpoints, tiles and proofs can later be built on.
 */
export interface OrganizationLog {
  readonly organizationId: string;
  /** Store rows in leaf order: `rows[i]` holds leaf index i. */
  readonly rows: number[];
}

export class TransparencyLogs {
  private readonly logs = new Map<string, OrganizationLog>();
  private readonly leafOfRow = new Map<number, number>();
  private readonly servedAs = new Map<number, number>();
  // Rows waiting for their stamp, ordered by (stampAt, row); consumed from `head`.
  private pendingRows: number[] = [];
  private pendingAt: number[] = [];
  private pendingOrg: string[] = [];
  private head = 0;

  /**
   * @param logCreatedAtMicros rows recorded before it never get a leaf
   * @param unindexedMs how long a row is served before its stamp (0: stamped as it appears)
   */
  constructor(
    private readonly logCreatedAtMicros: number | undefined,
    private readonly unindexedMs: number,
  ) {}

  /** Registers a row that becomes visible at `visibleAtMs`; it is stamped once `stampUpTo` passes that. */
  enqueue(
    row: number,
    organizationId: string | undefined,
    createdAtMicros: number,
    visibleAtMs: number,
  ): void {
    if (organizationId === undefined) return;
    if (this.logCreatedAtMicros !== undefined && createdAtMicros < this.logCreatedAtMicros) return;
    const at = visibleAtMs + this.unindexedMs;
    let lo = this.head;
    let hi = this.pendingAt.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.pendingAt[mid] < at || (this.pendingAt[mid] === at && this.pendingRows[mid] < row))
        lo = mid + 1;
      else hi = mid;
    }
    this.pendingRows.splice(lo, 0, row);
    this.pendingAt.splice(lo, 0, at);
    this.pendingOrg.splice(lo, 0, organizationId);
  }

  /** Appends every row whose time has come by `nowMs` to its organization's log. */
  stampUpTo(nowMs: number): void {
    while (this.head < this.pendingAt.length && this.pendingAt[this.head] <= nowMs) {
      this.append(this.pendingRows[this.head], this.pendingOrg[this.head]);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.pendingAt.length) {
      this.pendingRows = this.pendingRows.slice(this.head);
      this.pendingAt = this.pendingAt.slice(this.head);
      this.pendingOrg = this.pendingOrg.slice(this.head);
      this.head = 0;
    }
  }

  private append(row: number, org: string): void {
    let log = this.logs.get(org);
    if (!log) {
      log = { organizationId: org, rows: [] };
      this.logs.set(org, log);
    }
    this.leafOfRow.set(row, log.rows.length);
    log.rows.push(row);
  }

  leafIndexOf(row: number): number | undefined {
    return this.servedAs.get(row) ?? this.leafOfRow.get(row);
  }

  /** Appends `row` to its organization's log now, whenever (or whether) the feed shows it. */
  commitNow(row: number, organizationId: string): void {
    this.append(row, organizationId);
  }

  /** A fault: the feed serves `row` with `index` from now on, whatever leaf it holds. */
  serveIndexAs(row: number, index: number): void {
    this.servedAs.set(row, index);
  }

  /** The organization's log, once its first leaf is appended. */
  log(organizationId: string): OrganizationLog | undefined {
    return this.logs.get(organizationId);
  }
}
