import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';

export type PortTransport = 'tcp' | 'udp';

type Held = { port: number; close: () => Promise<void> };

async function hold(transport: PortTransport): Promise<Held> {
  if (transport === 'udp') {
    const socket: UdpSocket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    return {
      port: socket.address().port,
      close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
    };
  }
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the kernel gave no port');
  return { port: address.port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/**
 * Loopback ports nobody listens on, one per transport asked for, all different numbers (a TCP
 * and a UDP listener never share one: clearer logs). Every socket stays bound until all the
 * ports are chosen: releasing each one before asking for the next lets the kernel hand the
 * same number out twice, which once gave a Kafka broker two listeners on one port.
 */
export async function freePorts(transports: readonly PortTransport[]): Promise<number[]> {
  const held: Held[] = [];
  const chosen: number[] = [];
  try {
    for (const transport of transports) {
      for (;;) {
        const socket = await hold(transport);
        held.push(socket);
        if (!chosen.includes(socket.port)) {
          chosen.push(socket.port);
          break;
        }
      }
    }
  } finally {
    await Promise.all(held.map((socket) => socket.close()));
  }
  return chosen;
}

/** One free loopback port (the caller's server binds it a moment later). */
export async function freePort(transport: PortTransport = 'tcp'): Promise<number> {
  const [port] = await freePorts([transport]);
  return port;
}
