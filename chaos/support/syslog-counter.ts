import { createServer, type Server, type Socket } from 'node:net';

/**
 * A syslog-over-TCP receiver (octet counting, RFC 6587) that only counts activity ids, for
 * the backpressure scenario: it can hold a million ids without storing a million messages,
 * and it can stall — stop reading, so the sender's socket buffers fill and its writes block,
 * as a SIEM does when its disk or indexers fall behind — and resume.
 */
export class SyslogCounter {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private stalled = false;
  /** id → copies received */
  readonly counts = new Map<string, number>();
  frames = 0;
  connections = 0;

  constructor(private readonly sdId = 'claude@32473') {}

  get port(): number {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : 0;
  }

  async start(): Promise<void> {
    const idPattern = new RegExp(`\\[${this.sdId.replace('@', '@')} id="([^"]+)"`);
    this.server = createServer((socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      if (this.stalled) socket.pause();
      let pending: Buffer = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        let at = 0;
        for (;;) {
          const space = pending.indexOf(0x20, at);
          if (space === -1 || space - at > 10) break;
          const length = Number(pending.toString('latin1', at, space));
          if (pending.length < space + 1 + length) break;
          const head = pending.toString('utf8', space + 1, space + 1 + Math.min(length, 512));
          const id = idPattern.exec(head)?.[1] ?? '(no id)';
          this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
          this.frames++;
          at = space + 1 + length;
        }
        pending = pending.subarray(at);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  /** Stops reading: from now on the sender can only fill socket buffers. */
  stall(): void {
    this.stalled = true;
    for (const s of this.sockets) s.pause();
  }

  resume(): void {
    this.stalled = false;
    for (const s of this.sockets) s.resume();
  }

  get unique(): number {
    return this.counts.size;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
