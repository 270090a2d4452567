import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { StreamConnection } from '../../../src/sinks/syslog/stream-connection';
import { AbortedError } from '../../../src/util/errors';
import { activity, makeSink, record, records } from './records';
import { splitOctetCounted } from './rfc5424-parser';
import { waitUntil } from '../../support/syslog-receiver';

/**
 * The acknowledgement rule under faults a daemon cannot be made to produce on cue, using
 * plain TCP servers on loopback that misbehave on purpose: a reset right after the bytes
 * arrive, a receiver that stops reading, one that is down and comes back.
 */

interface TestServer {
  readonly server: Server;
  readonly port: number;
  readonly connections: Socket[];
  /** Bytes received per connection, in connection order. */
  readonly received: Buffer[][];
  close(): Promise<void>;
}

async function listen(
  onConnection: (socket: Socket, index: number) => void = () => undefined,
  port = 0,
): Promise<TestServer> {
  const connections: Socket[] = [];
  const received: Buffer[][] = [];
  const server = createServer((socket) => {
    const index = connections.length;
    connections.push(socket);
    received.push([]);
    socket.on('data', (chunk) => received[index].push(chunk));
    socket.on('error', () => undefined);
    onConnection(socket, index);
  });
  await new Promise<void>((res) => server.listen(port, '127.0.0.1', () => res()));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return {
    server,
    port: address.port,
    connections,
    received,
    close: async () => {
      for (const c of connections) c.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}

/** The activity ids connection `index` received, once it received `count` whole messages. */
async function idsReceived(srv: TestServer, index: number, count: number): Promise<string[]> {
  let found: string[] = [];
  await waitUntil(
    `${count} messages on connection ${index}`,
    () => {
      try {
        found = ids(srv.received[index] ?? []);
      } catch {
        return false; // a frame is still arriving
      }
      return found.length >= count;
    },
    10_000,
  );
  return found;
}

function ids(chunks: readonly Buffer[]): string[] {
  if (chunks.length === 0) return [];
  return splitOctetCounted(Buffer.concat(chunks)).map((m) => /id="([^"]+)"/.exec(m.toString())?.[1] ?? '?');
}

test('a batch whose connection is reset after the bytes arrived is not acknowledged: it is resent on a new connection', async () => {
  // Connection 0 resets as soon as the first bytes arrive (a receiver dying with data in
  // its buffer); connection 1 behaves.
  const srv = await listen((socket, index) => {
    if (index === 0) socket.once('data', () => setTimeout(() => socket.resetAndDestroy(), 20));
  });
  try {
    const sink = makeSink({
      address: `127.0.0.1:${srv.port}`,
      transport: 'tcp',
      ack_delay: '300ms',
      retry: { initial_backoff: '20ms', max_backoff: '100ms' },
    });
    await sink.start(AbortSignal.timeout(5000));
    const batch = records(20);
    let resolvedAt = 0;
    const result = await sink
      .send(
        batch.map((r) => sink.encode(r)),
        AbortSignal.timeout(10_000),
      )
      .then((r) => {
        resolvedAt = srv.connections.length;
        return r;
      });
    assert.deepEqual(result.rejected, []);
    assert.equal(resolvedAt, 2, 'acknowledged only after the second connection took the batch');
    assert.ok(srv.received[0].length > 0, 'the first connection did receive bytes before the reset');
    assert.deepEqual(
      await idsReceived(srv, 1, batch.length),
      batch.map((r) => r.activity.id),
      'the whole batch, in order, on the new connection',
    );
    assert.ok(sink.stats.retries >= 1);
    await sink.close();
  } finally {
    await srv.close();
  }
});

test('a receiver that closes its side before the settle window ends makes the batch resend (at-least-once)', async () => {
  const srv = await listen((socket, index) => {
    if (index === 0) socket.once('data', () => socket.end());
  });
  try {
    const sink = makeSink({
      address: `127.0.0.1:${srv.port}`,
      transport: 'tcp',
      ack_delay: '300ms',
      retry: { initial_backoff: '20ms', max_backoff: '100ms' },
    });
    await sink.start(AbortSignal.timeout(5000));
    const batch = records(5);
    await sink.send(
      batch.map((r) => sink.encode(r)),
      AbortSignal.timeout(10_000),
    );
    assert.equal(srv.connections.length, 2);
    assert.deepEqual(
      await idsReceived(srv, 1, batch.length),
      batch.map((r) => r.activity.id),
    );
    await sink.close();
  } finally {
    await srv.close();
  }
});

test('a receiver that stops reading holds sends back through write() backpressure; memory stays at one batch', async () => {
  const srv = await listen((socket) => socket.pause());
  try {
    const connection = await StreamConnection.open({
      address: { host: '127.0.0.1', port: srv.port },
      connectTimeoutMs: 5000,
    });
    const batch = Buffer.alloc(1024 * 1024, 'x');
    let done = 0;
    const writes = Array.from({ length: 24 }, () =>
      connection.write(batch, { settleMs: 0, timeoutMs: 60_000 }).then(() => done++),
    );
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(
      done < 24,
      `the kernel's buffers cannot hold 24 MiB for a reader that reads nothing (done: ${done})`,
    );
    assert.ok(
      connection.bufferedBytes <= 2 * batch.length,
      `user-space buffer is bounded: ${connection.bufferedBytes} bytes`,
    );
    // The receiver reads again: every write completes, every byte arrives.
    srv.connections[0].resume();
    await Promise.all(writes);
    await connection.close();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(Buffer.concat(srv.received[0]).length, 24 * batch.length);
  } finally {
    await srv.close();
  }
});

test('a receiver that takes nothing for write_timeout is abandoned and the batch goes to a new connection', async () => {
  const srv = await listen((socket, index) => {
    if (index === 0) socket.pause();
  });
  try {
    const sink = makeSink({
      address: `127.0.0.1:${srv.port}`,
      transport: 'tcp',
      ack_delay: '0s',
      write_timeout: '1s',
      max_message_bytes: '2MiB',
      retry: { initial_backoff: '20ms', max_backoff: '100ms' },
    });
    await sink.start(AbortSignal.timeout(5000));
    // Bigger than what the kernel buffers for a reader that never reads.
    const big = records(24, () => activity({ note: 'n'.repeat(1024 * 1024) }));
    const frames = big.map((r) => sink.encode(r));
    const started = Date.now();
    await sink.send(frames, AbortSignal.timeout(30_000));
    assert.ok(Date.now() - started >= 1000, 'waited for write_timeout first');
    assert.equal(srv.connections.length, 2);
    assert.deepEqual(
      await idsReceived(srv, 1, big.length),
      big.map((r) => r.activity.id),
    );
    await sink.close();
  } finally {
    await srv.close();
  }
});

test('a receiver that is down: start() says so; send() waits for it, reports unhealthy, then delivers', async () => {
  const probe = await listen();
  const port = probe.port;
  await probe.close();
  const sink = makeSink({
    address: `127.0.0.1:${port}`,
    transport: 'tcp',
    ack_delay: '50ms',
    retry: { initial_backoff: '50ms', max_backoff: '200ms' },
  });
  await assert.rejects(
    sink.start(AbortSignal.timeout(5000)),
    /^Error: cannot use the syslog receiver at tcp:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED.*nothing listens there/,
  );

  const batch = records(3);
  const sending = sink.send(
    batch.map((r) => sink.encode(r)),
    AbortSignal.timeout(20_000),
  );
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(sink.health().healthy, false);
  assert.match(sink.health().detail ?? '', /ECONNREFUSED/);
  const srv = await listen(undefined, port);
  try {
    await sending;
    assert.deepEqual(
      await idsReceived(srv, 0, batch.length),
      batch.map((r) => r.activity.id),
    );
    assert.deepEqual(sink.health(), { healthy: true });
    assert.ok(sink.stats.retries >= 2);
    await sink.close();
  } finally {
    await srv.close();
  }
});

test('shutdown: a send waiting for a receiver rejects with AbortedError when the signal aborts', async () => {
  const probe = await listen();
  const port = probe.port;
  await probe.close();
  const sink = makeSink({
    address: `127.0.0.1:${port}`,
    transport: 'tcp',
    retry: { initial_backoff: '50ms', max_backoff: '100ms' },
  });
  const controller = new AbortController();
  const sending = sink.send([sink.encode(record(activity()))], controller.signal);
  setTimeout(() => controller.abort(), 300);
  await assert.rejects(sending, AbortedError);
  await sink.close();
});
