import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';

/**
 * Counts the lines a receiver has written to a file so far, reading only what was appended
 * since the last call: polling a 150 MB output every 20 ms must not cost the CPU the
 * benchmark measures. Notes when the first and the latest line appeared.
 */
export class LineCounter {
  private offset = 0;
  private count = 0;
  private readonly buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
  firstAt?: number;
  lastAt?: number;

  constructor(readonly path: string) {}

  lines(): number {
    if (!existsSync(this.path)) return this.count;
    const size = statSync(this.path).size;
    if (size <= this.offset) return this.count;
    const fd = openSync(this.path, 'r');
    try {
      while (this.offset < size) {
        const n = readSync(fd, this.buffer, 0, Math.min(this.buffer.length, size - this.offset), this.offset);
        if (n <= 0) break;
        let found = 0;
        for (let i = this.buffer.indexOf(0x0a, 0); i !== -1 && i < n; i = this.buffer.indexOf(0x0a, i + 1))
          found++;
        this.count += found;
        this.offset += n;
      }
    } finally {
      closeSync(fd);
    }
    const now = Date.now();
    if (this.count > 0) {
      this.firstAt ??= now;
      this.lastAt = now;
    }
    return this.count;
  }

  /** Resolves once `n` lines are there; rejects when `deadlineMs` passes or `failed()` says why. */
  async waitFor(
    n: number,
    deadlineMs: number,
    failed: () => string | undefined = () => undefined,
  ): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    while (this.lines() < n) {
      const why = failed();
      if (why) throw new Error(why);
      if (Date.now() > deadline)
        throw new Error(`${this.path}: ${this.count}/${n} lines after ${Math.round(deadlineMs / 1000)} s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
