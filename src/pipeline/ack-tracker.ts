import type { PipelineRecord } from './record';

interface Entry {
  readonly record: PipelineRecord;
  /** One bit per sink that has yet to finish with the record. */
  waiting: number;
}

/** Sinks are numbered 0..MAX_SINKS-1; each is one bit of an entry's `waiting` mask. */
export const MAX_SINKS = 31;

export function sinkBit(index: number): number {
  return 1 << index;
}

/**
 * Tracks which records every sink has finished with, and releases them strictly in
 * sequence order: the committed prefix is the low watermark across the sinks each record
 * was handed to. A record acknowledged by one sink but not another holds back everything
 * after it — that is the guarantee that the checkpoint never passes an undelivered activity.
 * A sink that is detached (`release`) stops holding anything back: its own position in the
 * checkpoint, and its catch-up lane, answer for what it has not acknowledged.
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

  /** Registers a record that the sinks in `waiting` (a mask of sinkBit()s) must acknowledge; 0 = none. */
  track(record: PipelineRecord, waiting: number): void {
    this.entries.set(record.seq, { record, waiting });
  }

  /** The sink with this bit is done with these records (delivered, or dead-lettered). */
  ack(records: readonly { readonly record: PipelineRecord }[], bit: number): void {
    for (const { record } of records) {
      const entry = this.entries.get(record.seq);
      if (entry) entry.waiting &= ~bit;
    }
    this.advance();
  }

  /** The sink with this bit no longer holds anything back (it was detached). */
  release(bit: number): void {
    for (const entry of this.entries.values()) entry.waiting &= ~bit;
    this.advance();
  }

  /** How many tracked records the sink with this bit has yet to finish with. */
  waitingFor(bit: number): number {
    let n = 0;
    for (const entry of this.entries.values()) if (entry.waiting & bit) n++;
    return n;
  }

  /** The oldest uncommitted record's blockers (0 when nothing is tracked). */
  headWaiting(): number {
    return this.entries.get(this.nextToCommit)?.waiting ?? 0;
  }

  /** Commits whatever prefix is complete; call after track() of records needing no sink. */
  advance(): void {
    const committed: PipelineRecord[] = [];
    for (;;) {
      const head = this.entries.get(this.nextToCommit);
      if (!head || head.waiting !== 0) break;
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
