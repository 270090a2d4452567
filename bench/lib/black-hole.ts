import { createServer, type Socket } from 'node:net';

/**
 * A syslog receiver that has stopped reading: it accepts connections and never reads from
 * them, so the sender's socket buffers fill and stay full — a stalled SIEM, the worst case
 * for the forwarder's memory.
 */
export class BlackHole {
  private readonly sockets = new Set<Socket>();
  private readonly server = createServer({ pauseOnConnect: true }, (socket) => {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  });
  port = 0;

  static async start(): Promise<BlackHole> {
    const hole = new BlackHole();
    await new Promise<void>((resolve) => hole.server.listen(0, '127.0.0.1', resolve));
    hole.port = (hole.server.address() as { port: number }).port;
    return hole;
  }

  get connections(): number {
    return this.sockets.size;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
