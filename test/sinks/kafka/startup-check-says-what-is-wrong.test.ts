import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { AbortedError } from '../../../src/util/errors';
import { startKafkaBroker, type KafkaBroker } from '../../support/kafka-broker';
import { skipIfMissing } from '../../support/servers';
import { captureLogger, makeSink, startBrokerOrSkip } from './helpers';

/**
 * `start()` is where an operator learns what is wrong: each misconfiguration against a real
 * broker gives one message naming the cause and the field to change.
 */
let broker: KafkaBroker | undefined;

before(async () => {
  broker = await startBrokerOrSkip({ tls: true, sasl: true });
  if (broker) await broker.createTopic('present');
});
after(async () => {
  await broker?.destroy();
});

async function startError(config: Record<string, unknown>): Promise<string> {
  const sink = makeSink({ topic: 'present', connection_timeout: '3s', request_timeout: '5s', ...config });
  const err = await sink.start(new AbortController().signal).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  await sink.close();
  assert.ok(err, 'start() must fail');
  return err.message;
}

test('a port nothing listens on', async (t) => {
  if (skipIfMissing(t, broker, 'Kafka broker')) return;
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  assert.equal(
    await startError({ brokers: [`127.0.0.1:${port}`] }),
    `cannot connect to 127.0.0.1:${port}: connection refused (wrong host/port in brokers, or the broker is down)`,
  );
});

test('a missing topic when the broker does not create topics', async (t) => {
  if (skipIfMissing(t, broker, 'Kafka broker')) return;
  assert.equal(
    await startError({ brokers: [broker!.plaintext], topic: 'absent' }),
    'topic "absent" does not exist and the broker does not create topics (auto.create.topics.enable=false): create it, or correct sinks.kafka.topic',
  );
  await broker!.createTopic('fam-sso');
  await broker!.createTopic('fam-other');
  assert.match(
    await startError({
      brokers: [broker!.plaintext],
      topic: 'fam-{family}',
      topic_families: ['sso', 'org', 'claude'],
    }),
    /^topic "fam-org", "fam-claude" do not exist and the broker does not create topics/,
  );
});

test('a wrong password, without the password', async (t) => {
  if (skipIfMissing(t, broker, 'Kafka broker')) return;
  const message = await startError({
    brokers: [broker!.saslPlaintext],
    sasl: { mechanism: 'scram-sha-256', username: 'forwarder', password: 'not-the-password' },
  });
  assert.match(
    message,
    /^SASL authentication failed for user "forwarder" \(SCRAM-SHA-256\): check sasl\.username and sasl\.password/,
  );
  assert.ok(!message.includes('not-the-password'));
});

test('TLS against a plaintext listener', async (t) => {
  if (skipIfMissing(t, broker, 'Kafka broker')) return;
  assert.match(
    await startError({ brokers: [broker!.plaintext], tls: { ca_file: broker!.certs!.caFile } }),
    /^TLS handshake with 127\.0\.0\.1:\d+ failed \(.*\): is this a plaintext listener\? Use the broker's TLS port, or remove tls$/,
  );
});

test('plaintext against a TLS listener, and no SASL against a SASL listener', async (t) => {
  if (skipIfMissing(t, broker, 'Kafka broker')) return;
  assert.match(
    await startError({ brokers: [broker!.ssl] }),
    /^127\.0\.0\.1:\d+ (closed the connection|did not answer) before completing the handshake .*if it is a TLS listener set tls\.enabled: true/,
  );
  assert.match(
    await startError({ brokers: [broker!.saslPlaintext] }),
    /^127\.0\.0\.1:\d+ (closed the connection|did not answer) before completing the handshake .*if it requires SASL configure sasl/,
  );
});

test('SASL against a listener without SASL', async (t) => {
  if (skipIfMissing(t, broker, 'Kafka broker')) return;
  assert.match(
    await startError({
      brokers: [broker!.plaintext],
      sasl: { mechanism: 'scram-sha-512', username: 'forwarder', password: broker!.user.password },
    }),
    /^broker answered ILLEGAL_SASL_STATE: this listener does not take SASL .*remove sasl$/,
  );
});

test('an untrusted broker certificate, and a missing client certificate', async (t) => {
  if (skipIfMissing(t, broker, 'Kafka broker')) return;
  const c = broker!.certs!;
  assert.match(
    await startError({
      brokers: [broker!.ssl],
      tls: { ca_file: c.otherCaFile, cert_file: c.clientCertFile, key_file: c.clientKeyFile },
    }),
    /^TLS with the broker 127\.0\.0\.1:\d+: its certificate is (signed by a CA this process does not trust|self-signed).*set sinks\.kafka\.tls\.ca_file to .*the CA that signed it$/,
  );
  assert.match(
    await startError({ brokers: [broker!.ssl], tls: { ca_file: c.caFile } }),
    /^TLS with the broker 127\.0\.0\.1:\d+: it refused our client certificate, or wanted one.*sinks\.kafka\.tls\.cert_file and sinks\.kafka\.tls\.key_file/,
  );
});

test('a broker that accepts connections but never answers: start() stops when told to', async (t) => {
  if (skipIfMissing(t, broker, 'Kafka broker')) return;
  const sockets: Socket[] = [];
  const silent: Server = createServer((s) => void sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as { port: number }).port;
  try {
    const sink = makeSink({ brokers: [`127.0.0.1:${port}`], topic: 'present' });
    const controller = new AbortController();
    const starting = sink.start(controller.signal);
    setTimeout(() => controller.abort(), 300);
    await assert.rejects(starting, AbortedError);
    await sink.close();
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  }
});

test('with auto-create on, a missing topic is a warning, not a failure', async (t) => {
  if (skipIfMissing(t, broker, 'Kafka broker')) return;
  const autoBroker = await startKafkaBroker({ autoCreateTopics: true });
  try {
    const logger = captureLogger();
    const sink = makeSink({ brokers: [autoBroker.plaintext], topic: 'created-on-first-write' }, { logger });
    await sink.start(new AbortController().signal);
    await sink.close();
    const warning = logger.lines.find((l) => l.level === 'warn');
    assert.match(
      warning?.message ?? '',
      /kafka topics do not exist yet; the broker will create them on first write/,
    );
    assert.deepEqual(warning?.meta.topics, ['created-on-first-write']);
  } finally {
    await autoBroker.destroy();
  }
});
