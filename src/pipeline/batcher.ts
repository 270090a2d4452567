/**
 * The one batching helper. Items queue up and leave in batches bounded by count and bytes,
 * or when the oldest waiting item has waited `timeoutMs`, or when told to (`sendQueued` at a
 * poll cycle's end, `flush` at shutdown); at most `concurrency` batches are in flight. Memory is bounded upstream (the pipeline's buffer), so `push` never blocks.
 */
export interface BatchingLimits {
  readonly maxEvents: number;
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly concurrency: number;
}

export class Batcher<T extends { readonly size: number }> {
  private queue: T[] = [];
  private head = 0;
  private queuedBytes = 0;
  private inFlight = 0;
  private timer?: NodeJS.Timeout;
  private timerFired = false;
  private flushing = false;
  /** Queue position up to which items leave without waiting for a full batch or the timeout. */
  private sendThrough = 0;
  private discarded = false;

  constructor(
    private readonly limits: BatchingLimits,
    /** Sends one batch; the batcher counts it in flight until this settles. */
    private readonly dispatch: (batch: T[]) => Promise<void>,
  ) {}

  get queued(): number {
    return this.queue.length - this.head;
  }

  get batchesInFlight(): number {
    return this.inFlight;
  }

  push(item: T): void {
    if (this.discarded) return;
    this.queue.push(item);
    this.queuedBytes += item.size;
    this.pump();
  }

  /** From now on partial batches leave at once (shutdown, --once). */
  flush(): void {
    this.flushing = true;
    this.pump();
  }

  /** What is queued now leaves without waiting to fill a batch or for the timeout; what comes later is batched as usual. */
  sendQueued(): void {
    this.sendThrough = this.queue.length;
    this.pump();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Forgets everything queued and sends nothing more (in-flight batches settle on their own). */
  discard(): void {
    this.stop();
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
    this.sendThrough = 0;
    this.discarded = true;
  }

  private full(): boolean {
    return this.queued >= this.limits.maxEvents || this.queuedBytes >= this.limits.maxBytes;
  }

  private pump(): void {
    while (
      this.inFlight < this.limits.concurrency &&
      this.queued > 0 &&
      (this.full() || this.timerFired || this.flushing || this.head < this.sendThrough)
    ) {
      this.timerFired = false;
      const batch = this.take();
      this.inFlight++;
      void this.dispatch(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
    if (this.queued > 0 && !this.timer && !this.flushing) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.timerFired = true;
        this.pump();
      }, this.limits.timeoutMs);
      // Not unref'd: a partial batch waiting for its timeout is work the process still owes.
    }
    if (this.queued === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private take(): T[] {
    const batch: T[] = [];
    let bytes = 0;
    while (this.head < this.queue.length && batch.length < this.limits.maxEvents) {
      const item = this.queue[this.head];
      if (batch.length > 0 && bytes + item.size > this.limits.maxBytes) break;
      batch.push(item);
      bytes += item.size;
      this.head++;
    }
    this.queuedBytes -= bytes;
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.sendThrough = Math.max(0, this.sendThrough - this.head);
      this.head = 0;
    }
    return batch;
  }
}
