import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { AbortedError, AuthError, RetryableError, errorMessage } from '../../util/errors';
import { formatAddress, type SyslogAddress } from './address';
import { TlsCertificateError, classifyTlsError, describeTlsProblem } from '../../util/tls-errors';

/**
 * One TCP or TLS connection to a syslog receiver, and the rule for when bytes written on
 * it count as delivered.
 *
 * Syslog has no acknowledgement. The write callback only says the kernel took the bytes;
 * a receiver that stops reading (restart, crash) and then closes its socket discards what
 * was still in its receive buffer and answers with a reset. So a write is acknowledged
 * only when:
 *   1. its callback fired without error,
 *   2. the connection has not failed (error, reset, or the peer closing its side) since it
 *      was opened, and
 *   3. it stayed that way for `settleMs` after the callback: long enough for the reset or
 *      TLS alert a receiver sends when it refused or discarded the bytes to arrive.
 * When the connection fails, every write not yet acknowledged on it fails with a
 * RetryableError and its batch is resent on a new connection (at-least-once: the receiver
 * may already have some of it).
 */

export interface StreamConnectOptions {
  readonly address: SyslogAddress;
  /** TLS options from buildTlsOptions; absent for plain TCP. */
  readonly tls?: ConnectionOptions;
  readonly connectTimeoutMs: number;
  readonly signal?: AbortSignal;
  /** The config section of `tls` (`sinks.<name>.tls`), named in certificate errors. */
  readonly tlsField?: string;
}

/**
 * Turns a socket error into the error class retry() acts on: certificate and handshake
 * problems are AuthErrors (people fix them: retry slowly, report unhealthy), the rest
 * RetryableErrors. `tlsField` (`sinks.<name>.tls`) is set on TLS connections only.
 * Messages name the address and the fix, never a secret.
 */
export function classifySocketError(
  err: unknown,
  address: SyslogAddress,
  tlsField: string | undefined,
): RetryableError | AuthError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  const where = `${tlsField ? 'TLS ' : ''}syslog receiver ${formatAddress(address)}`;
  const problem = tlsField ? classifyTlsError(err) : undefined;
  if (tlsField && problem)
    return new TlsCertificateError(
      describeTlsProblem(
        problem,
        `syslog receiver ${formatAddress(address)}`,
        tlsField,
        'with transport: tcp',
      ),
      problem,
    );
  const hint =
    code === 'ECONNREFUSED'
      ? ' (nothing listens there: is the receiver running, is the port right?)'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? ' (the host name does not resolve)'
        : '';
  return new RetryableError(`${where}: ${errorMessage(err)}${hint}`, undefined, { cause: err });
}

/** A TLS connection closed this soon after its handshake was most likely refused. */
const EARLY_CLOSE_MS = 1000;

export class StreamConnection {
  private failure?: Error;
  private readonly failureListeners = new Set<(err: Error) => void>();
  private readonly settleTimers = new Set<NodeJS.Timeout>();
  private readonly openedAt = Date.now();
  /** A write on this connection has been acknowledged. */
  private delivered = false;
  /** Settles when the previous write was handed to the socket: writes keep call order. */
  private turn: Promise<void> = Promise.resolve();

  private constructor(
    private readonly socket: Socket | TLSSocket,
    readonly address: SyslogAddress,
    /** Set on TLS connections: the config section errors name. */
    private readonly tlsField: string | undefined,
  ) {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    // A receiver never talks back on syslog; reading keeps 'end' (its close) observable.
    socket.on('data', () => undefined);
    socket.on('error', (err) => this.fail(classifySocketError(err, address, tlsField)));
    socket.on('end', () => this.fail(this.closedError('closed the connection')));
    socket.on('close', () => this.fail(this.closedError('connection closed')));
  }

  /**
   * A TLS receiver that refuses a client certificate (or wants one) often just closes the
   * connection after the handshake, without an alert (rsyslog's GnuTLS driver does). A
   * close that early, before anything was delivered, is reported as that: an AuthError.
   */
  private closedError(what: string): Error {
    const where = `${this.tlsField ? 'TLS ' : ''}syslog receiver ${formatAddress(this.address)}`;
    if (this.tlsField && !this.delivered && Date.now() - this.openedAt < EARLY_CLOSE_MS) {
      return new AuthError(
        `${where} closed the connection right after the TLS handshake: it may require a client certificate, or not trust ours (set ${this.tlsField}.cert_file and key_file to one its CA trusts)`,
      );
    }
    return new RetryableError(`${where}: ${what}`);
  }

  /** Connects (and completes the TLS handshake). Rejects with a classified error. */
  static open(opts: StreamConnectOptions): Promise<StreamConnection> {
    const { address, tls } = opts;
    const tlsField = tls ? (opts.tlsField ?? 'tls') : undefined;
    return new Promise((resolve, reject) => {
      if (opts.signal?.aborted) return reject(new AbortedError());
      const socket: Socket | TLSSocket = tls
        ? tlsConnect({
            ...tls,
            host: address.host,
            port: address.port,
            // SNI and the name check use the host unless tls.server_name says otherwise;
            // SNI must not carry an IP address.
            servername: tls.servername ?? (isIP(address.host) ? undefined : address.host),
          })
        : netConnect({ host: address.host, port: address.port });
      const done = (err?: Error): void => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        socket.off('error', onError);
        socket.off(tls ? 'secureConnect' : 'connect', onConnect);
        if (err) {
          socket.destroy();
          reject(err);
        } else resolve(new StreamConnection(socket, address, tlsField));
      };
      const onConnect = (): void => done();
      const onError = (err: Error): void => done(classifySocketError(err, address, tlsField));
      const onAbort = (): void => done(new AbortedError());
      const timer = setTimeout(() => {
        const what = tls
          ? `TLS syslog receiver ${formatAddress(address)}: no TLS session within ${opts.connectTimeoutMs} ms (a handshake that never completes: does this port speak TLS?)`
          : `syslog receiver ${formatAddress(address)}: no connection within ${opts.connectTimeoutMs} ms`;
        done(new RetryableError(what));
      }, opts.connectTimeoutMs);
      socket.once(tls ? 'secureConnect' : 'connect', onConnect);
      socket.once('error', onError);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  get alive(): boolean {
    return this.failure === undefined;
  }

  /** Bytes accepted by write() but not yet handed to the kernel: bounded by the 'drain' rule. */
  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  /** Why the connection is no longer usable, if it is not. */
  get error(): Error | undefined {
    return this.failure;
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const t of this.settleTimers) clearTimeout(t);
    this.settleTimers.clear();
    for (const listener of this.failureListeners) listener(err);
    this.failureListeners.clear();
    this.socket.destroy();
  }

  /**
   * Writes `bytes` and resolves once they count as delivered (see the rule above). Writes
   * go out in call order, each only after the socket drained what came before ('drain'),
   * so a slow receiver slows the pipeline down instead of growing memory. Rejects with the
   * connection's failure, or fails the connection when a write's turn came and the
   * receiver took nothing for `timeoutMs`.
   */
  write(bytes: Buffer, opts: { settleMs: number; timeoutMs: number; signal?: AbortSignal }): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      if (opts.signal?.aborted) return reject(new AbortedError());
      let settled = false;
      let timeout: NodeJS.Timeout | undefined;
      let settleTimer: NodeJS.Timeout | undefined;
      const finish = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timeout);
        if (settleTimer) {
          clearTimeout(settleTimer);
          this.settleTimers.delete(settleTimer);
        }
        this.failureListeners.delete(onFailure);
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else {
          this.delivered = true;
          resolve();
        }
      };
      const onFailure = (err: Error): void => finish(err);
      const onAbort = (): void => finish(new AbortedError());
      this.failureListeners.add(onFailure);
      opts.signal?.addEventListener('abort', onAbort, { once: true });

      const send = (): void => {
        if (settled) return; // aborted or failed while waiting for its turn
        this.socket.write(bytes, (err) => {
          clearTimeout(timeout);
          if (err || this.failure)
            return finish(this.failure ?? classifySocketError(err, this.address, this.tlsField));
          if (opts.settleMs <= 0) return finish();
          // setImmediate: a reset that arrived while the timer was due is processed in the
          // poll phase, which runs between the timer and the check phase. On a busy event
          // loop the timer can fire late, after the reset is already waiting.
          settleTimer = setTimeout(() => setImmediate(() => finish(this.failure)), opts.settleMs);
          this.settleTimers.add(settleTimer);
        });
      };
      const previous = this.turn;
      let release = (): void => undefined;
      this.turn = new Promise<void>((r) => (release = r));
      void previous
        .then(() => {
          if (settled) return;
          // The clock starts when this write's turn comes: a batch queued behind others
          // on a slow but working receiver is not a stuck connection.
          timeout = setTimeout(() => {
            this.fail(
              new RetryableError(
                `syslog receiver ${formatAddress(this.address)} took no data for ${opts.timeoutMs} ms; reconnecting`,
              ),
            );
          }, opts.timeoutMs);
          return this.drained();
        })
        .then(send, (err: Error) => finish(err))
        .finally(release);
    });
  }

  /** Resolves when the socket's buffer is below its high-water mark; rejects if the connection fails first. */
  private drained(): Promise<void> {
    if (!this.socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onFailure = (err: Error): void => {
        this.socket.off('drain', onDrain);
        reject(err);
      };
      const onDrain = (): void => {
        this.failureListeners.delete(onFailure);
        resolve();
      };
      this.failureListeners.add(onFailure);
      this.socket.once('drain', onDrain);
    });
  }

  /** Ends the connection gracefully (our queued bytes are still sent); destroys it after `graceMs`. */
  async close(graceMs = 5000): Promise<void> {
    if (this.socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.socket.destroy(), graceMs);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.end();
    });
  }
}
