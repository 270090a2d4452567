import type { Activity } from '../activity';
import { hasLeafIndex } from './activity';

/**
 * One delivered Access Transparency row, as the checkpoint keeps it: [id, created_at ms, 1 if
 * it carried a leaf index, and that index (absent in checkpoints written before it was kept)].
 */
export type LedgerEntry = readonly [id: string, createdAtMs: number, indexed: 0 | 1, leafIndex?: number];

/**
 * Which Access Transparency rows were delivered, kept for the whole sweep window (they are
 * few), so that neither the poll cycles nor the late lane deliver one twice, and a restart
 * neither repeats nor misses one.
 *
 * Deduplication must not hide a change (spec §2.9): a copy re-served with a
 * `transparency_log_leaf_index` that the delivered copy lacked is new, and is delivered too.
 */
export class AccessTransparencyLedger {
  /** Committed: every sink accepted it. */
  private readonly committed = new Map<
    string,
    { readonly ms: number; readonly indexed: boolean; readonly leaf?: number }
  >();
  /** Handed to the pipeline by this process and not yet committed → whether it carried an index. */
  private readonly inFlight = new Map<string, boolean>();

  constructor(entries: readonly LedgerEntry[] = []) {
    for (const [id, ms, indexed, leaf] of entries)
      this.committed.set(id, { ms, indexed: indexed === 1, ...(leaf === undefined ? {} : { leaf }) });
  }

  /** Whether `activity` should be delivered: never seen, or now carrying an index its delivered copy lacked. */
  isNew(activity: Activity): boolean {
    const indexed = hasLeafIndex(activity);
    const pending = this.inFlight.get(activity.id);
    if (pending !== undefined) return indexed && !pending;
    const done = this.committed.get(activity.id);
    return done === undefined || (indexed && !done.indexed);
  }

  /** The row was handed to the pipeline. */
  emitted(activity: Activity): void {
    this.inFlight.set(activity.id, (this.inFlight.get(activity.id) ?? false) || hasLeafIndex(activity));
  }

  /** Every sink accepted the row. */
  commit(activity: Activity): void {
    const indexed = hasLeafIndex(activity);
    const leaf = indexed
      ? Number(activity.transparency_log_leaf_index)
      : this.committed.get(activity.id)?.leaf;
    this.committed.set(activity.id, {
      ms: Date.parse(activity.created_at),
      indexed: indexed || (this.committed.get(activity.id)?.indexed ?? false),
      ...(leaf === undefined || !Number.isSafeInteger(leaf) ? {} : { leaf }),
    });
    // An indexed copy handed on after this one is still on its way.
    if (indexed || !this.inFlight.get(activity.id)) this.inFlight.delete(activity.id);
  }

  /** Forgets rows older than `floorMs`: no later read reaches them. */
  prune(floorMs: number): void {
    for (const [id, e] of this.committed) if (e.ms < floorMs) this.committed.delete(id);
  }

  get size(): number {
    return this.committed.size;
  }

  entries(): LedgerEntry[] {
    return [...this.committed].map(([id, e]): LedgerEntry =>
      e.leaf === undefined ? [id, e.ms, e.indexed ? 1 : 0] : [id, e.ms, e.indexed ? 1 : 0, e.leaf],
    );
  }

  /**
   * Whether every leaf of a log of `size` is delivered, from the oldest leaf this ledger still
   * holds on: the log appends each event just before the feed serves it, so leaves below that
   * one were served (and delivered) before it. False when it holds none.
   */
  coversLeavesBelow(size: number): boolean {
    const leaves = new Set<number>();
    for (const e of this.committed.values()) if (e.leaf !== undefined) leaves.add(e.leaf);
    if (leaves.size === 0) return false;
    let oldest = Number.POSITIVE_INFINITY;
    for (const leaf of leaves) oldest = Math.min(oldest, leaf);
    for (let i = oldest; i < size; i++) if (!leaves.has(i)) return false;
    return true;
  }
}
