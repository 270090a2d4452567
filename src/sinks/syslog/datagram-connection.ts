import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { RetryableError, errorMessage } from '../../util/errors';
import { formatAddress, type SyslogAddress } from './address';

/**
 * Syslog over UDP (RFC 5426): one message per datagram, on a connected socket so the
 * kernel reports an ICMP "port unreachable" as an error on a later send. UDP is lossy by
 * nature: a datagram the kernel accepted is "sent", whether or not it arrives.
 */
export class DatagramConnection {
  private failure?: Error;

  private constructor(
    private readonly socket: Socket,
    readonly address: SyslogAddress,
  ) {
    socket.on('error', (err) => {
      this.failure = new RetryableError(
        `syslog receiver udp://${formatAddress(address)}: ${errorMessage(err)}`,
        undefined,
        { cause: err },
      );
    });
  }

  static async open(address: SyslogAddress): Promise<DatagramConnection> {
    let ip = address.host;
    if (!isIP(ip)) {
      try {
        ip = (await lookup(address.host)).address;
      } catch (err) {
        throw new RetryableError(
          `syslog receiver udp://${formatAddress(address)}: the host name does not resolve (${errorMessage(err)})`,
          undefined,
          { cause: err },
        );
      }
    }
    const socket = createSocket(isIP(ip) === 6 ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void =>
        reject(
          new RetryableError(
            `syslog receiver udp://${formatAddress(address)}: ${errorMessage(err)}`,
            undefined,
            { cause: err },
          ),
        );
      socket.once('error', onError);
      socket.connect(address.port, ip, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    return new DatagramConnection(socket, address);
  }

  get alive(): boolean {
    return this.failure === undefined;
  }

  get error(): Error | undefined {
    return this.failure;
  }

  /** Sends each message as its own datagram, in order; resolves when the kernel took them all. */
  async send(messages: readonly Buffer[]): Promise<void> {
    for (const message of messages) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve, reject) => {
        this.socket.send(message, (err) => {
          if (err) {
            this.failure = new RetryableError(
              `syslog receiver udp://${formatAddress(this.address)}: ${errorMessage(err)}`,
              undefined,
              { cause: err },
            );
            reject(this.failure);
          } else resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
  }
}
