/**
 * Runs async work one piece at a time, in the order it was handed in. A piece that fails
 * fails only its own caller: the next still runs. The one way this codebase takes turns:
 * appends to a file, checkpoint saves, requests waiting for the rate budget, batches for an
 * idempotent Kafka producer.
 */
export class OneAtATime {
  private last: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.last.then(work);
    this.last = next.catch(() => undefined);
    return next;
  }

  /** Settles once everything handed in so far has run. */
  async settled(): Promise<void> {
    await this.last;
  }
}
