import type { PipelineRecord } from './record';

interface Entry {
  readonly record: PipelineRecord;
  pending: number;
}

/**
 * Tracks which records every sink has finished with, and releases them strictly in
 * sequence order: the committed prefix is the low watermark across all sinks. A record
 * acknowledged by one sink but not another holds back everything after it — that is the
 * guarantee that the checkpoint never passes an undelivered activity.
 */
export class AckTracker {
  private readonly entries = new Map<number, Entry>();
  private nextToCommit: number;
  private idleWaiters: Array<() => void> = [];
  private spaceWaiters: Array<() => void> = [];

  constructor(
    firstSeq: number,
    private readonly onCommit: (records: PipelineRecord[]) => void,
  ) {
    this.nextToCommit = firstSeq;
  }

  /** Records not yet committed (delivered by every sink or filtered). */
  get size(): number {
    return this.entries.size;
  }

  /** Registers a record that `sinks` sinks must acknowledge (0 = nothing to deliver). */
  track(record: PipelineRecord, sinks: number): void {
    this.entries.set(record.seq, { record, pending: sinks });
  }

  /** One sink is done with these records (delivered, or dead-lettered). */
  ack(records: readonly { readonly record: PipelineRecord }[]): void {
    for (const { record } of records) {
      const entry = this.entries.get(record.seq);
      if (entry && entry.pending > 0) entry.pending--;
    }
    this.advance();
  }

  /** Commits whatever prefix is complete; call after track() of records needing no sink. */
  advance(): void {
    const committed: PipelineRecord[] = [];
    for (;;) {
      const head = this.entries.get(this.nextToCommit);
      if (!head || head.pending > 0) break;
      this.entries.delete(this.nextToCommit);
      committed.push(head.record);
      this.nextToCommit++;
    }
    if (committed.length === 0) return;
    this.onCommit(committed);
    for (const w of this.spaceWaiters.splice(0)) w();
    if (this.entries.size === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Resolves when everything tracked so far is committed. */
  whenIdle(): Promise<void> {
    if (this.entries.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves at the next commit (or now, if nothing is pending). */
  whenSomethingCommits(): Promise<void> {
    if (this.entries.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }
}
