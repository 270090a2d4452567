/**
 * The JSON text of stored rows, rendered once up front (the `prerender` option). A page is
 * then served by copying bytes instead of rebuilding every activity from its seed, which
 * makes the simulator cheap enough that a benchmark measures the forwarder rather than its
 * source. Costs the rows' JSON in memory (≈ 600 bytes a row), packed into large chunks so a
 * million rows are a few dozen allocations, not a million strings on the heap.
 */
const CHUNK_BYTES = 32 * 1024 * 1024;

export class RenderedRows {
  private readonly chunks: Buffer[] = [];
  private readonly chunkOf: Uint16Array;
  private readonly start: Uint32Array;
  private readonly end: Uint32Array;

  /** Renders rows 0 … count-1 with `render` (the exact JSON served, or undefined to leave a row to be built on demand). */
  constructor(
    readonly count: number,
    render: (row: number) => string | undefined,
  ) {
    this.chunkOf = new Uint16Array(count);
    this.start = new Uint32Array(count);
    this.end = new Uint32Array(count);
    let chunk = Buffer.allocUnsafe(0);
    let used = 0;
    for (let row = 0; row < count; row++) {
      const text = render(row);
      if (text === undefined) continue;
      const bytes = Buffer.byteLength(text);
      if (used + bytes > chunk.length) {
        if (this.chunks.length > 0) this.chunks[this.chunks.length - 1] = chunk.subarray(0, used);
        chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, bytes));
        this.chunks.push(chunk);
        used = 0;
        if (this.chunks.length > 0xffff) throw new Error('prerender: too many chunks');
      }
      chunk.write(text, used, 'utf8');
      this.chunkOf[row] = this.chunks.length - 1;
      this.start[row] = used;
      used += bytes;
      this.end[row] = used;
    }
    if (this.chunks.length > 0) this.chunks[this.chunks.length - 1] = chunk.subarray(0, used);
  }

  has(row: number): boolean {
    // Every rendered row holds at least `{}`: an empty range means not rendered.
    return row < this.count && this.end[row] > this.start[row];
  }

  /** The row's JSON as UTF-8 bytes (a view, not a copy). */
  bytes(row: number): Buffer {
    return this.chunks[this.chunkOf[row]].subarray(this.start[row], this.end[row]);
  }

  /** Bytes held. */
  get size(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0) + this.count * 10;
  }
}
