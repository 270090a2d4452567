import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readTopics, type KafkaBroker } from '../../support/kafka-broker';
import { skipIfMissing } from '../../support/servers';
import { registerSecret, redact } from '../../../src/observability/redact';
import { captureLogger, makeRecords, makeSink, sendAll, startBrokerOrSkip } from './helpers';

/**
 * One broker with every security protocol: SSL (client certificate required), SASL_PLAINTEXT
 * and SASL_SSL with PLAIN / SCRAM-SHA-256 / SCRAM-SHA-512. The sink delivers through each, and
 * the password never shows up in what it logs.
 */
let broker: KafkaBroker | undefined;

before(async () => {
  broker = await startBrokerOrSkip({ tls: true, sasl: true });
  if (broker) await broker.createTopic('secure-audit', { partitions: 2 });
});
after(async () => {
  await broker?.destroy();
});

async function deliversThrough(config: Record<string, unknown>, from: number): Promise<string> {
  const logger = captureLogger();
  const sink = makeSink({ topic: 'secure-audit', ...config }, { logger });
  await sink.start(new AbortController().signal);
  const records = makeRecords(50, from);
  assert.deepEqual(await sendAll(sink, records), []);
  await sink.close();
  const ids = new Set((await readTopics(broker!.plaintext, ['secure-audit'])).map((m) => m.key));
  assert.deepEqual(
    records.filter((r) => !ids.has(r.activity.id)).map((r) => r.activity.id),
    [],
  );
  return JSON.stringify(logger.lines);
}

test('mutual TLS: trusts the broker through ca_file and presents the client certificate', async (t) => {
  if (skipIfMissing(t, broker, 'Kafka broker')) return;
  const c = broker!.certs!;
  await deliversThrough(
    {
      brokers: [broker!.ssl],
      tls: { ca_file: c.caFile, cert_file: c.clientCertFile, key_file: c.clientKeyFile },
    },
    0,
  );
});

test('SCRAM-SHA-256 over SASL_PLAINTEXT', async (t) => {
  if (skipIfMissing(t, broker, 'Kafka broker')) return;
  const { username, password } = broker!.user;
  const logs = await deliversThrough(
    { brokers: [broker!.saslPlaintext], sasl: { mechanism: 'scram-sha-256', username, password } },
    100,
  );
  assert.ok(!logs.includes(password));
});

test('SCRAM-SHA-512 and PLAIN over SASL_SSL', async (t) => {
  if (skipIfMissing(t, broker, 'Kafka broker')) return;
  const { username, password } = broker!.user;
  for (const [i, mechanism] of (['scram-sha-512', 'plain'] as const).entries()) {
    const logs = await deliversThrough(
      {
        brokers: [broker!.saslSsl],
        tls: { ca_file: broker!.certs!.caFile },
        sasl: { mechanism, username, password },
      },
      200 + i * 100,
    );
    assert.ok(!logs.includes(password));
  }
});

test('verify: false connects without a CA, and says loudly that it is unsafe', async (t) => {
  if (skipIfMissing(t, broker, 'Kafka broker')) return;
  const { username, password } = broker!.user;
  const logs = await deliversThrough(
    {
      brokers: [broker!.saslSsl],
      tls: { verify: false },
      sasl: { mechanism: 'scram-sha-512', username, password },
    },
    400,
  );
  assert.match(logs, /TLS certificate verification is OFF/);
});

test('a refused password is reported without the password, even unredacted', async (t) => {
  if (skipIfMissing(t, broker, 'Kafka broker')) return;
  const wrong = 'wrong-Password-7781';
  registerSecret(wrong);
  const logger = captureLogger();
  const sink = makeSink(
    {
      brokers: [broker!.saslSsl],
      topic: 'secure-audit',
      tls: { ca_file: broker!.certs!.caFile },
      sasl: { mechanism: 'scram-sha-512', username: broker!.user.username, password: wrong },
    },
    { logger },
  );
  const err = await sink.start(new AbortController().signal).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  assert.ok(err, 'start fails');
  assert.match(
    err.message,
    /^SASL authentication failed for user "forwarder" \(SCRAM-SHA-512\): check sasl\.username and sasl\.password/,
  );
  for (const text of [err.message, err.stack ?? '', JSON.stringify(logger.lines)]) {
    assert.ok(!text.includes(wrong), 'the password is not in the message, the stack or the logs');
    assert.equal(redact(text), text);
  }
});
