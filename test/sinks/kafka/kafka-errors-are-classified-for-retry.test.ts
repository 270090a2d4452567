import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  KafkaJSConnectionError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSSASLAuthenticationError,
} from 'kafkajs';
import { AuthError, RetryableError } from '../../../src/util/errors';
import { classifyKafkaError } from '../../../src/sinks/kafka/kafkajs-client';
import { ProducerStateError, RecordsRefusedError } from '../../../src/sinks/kafka/client';

/** kafkajs's own constructor of broker error codes (not in its public types). */
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as {
  createErrorFromCode(code: number): Error;
};

const ctx = {
  phase: 'send' as const,
  brokers: ['kafka-1:9092'],
  tls: true,
  sasl: { mechanism: 'scram-sha-512' as const, username: 'fwd', password: 'hunter2-secret' },
};

/** The way kafkajs's retrier hands an error over once its own retries ran out. */
function exhausted(err: Error): Error {
  return new KafkaJSNumberOfRetriesExceeded(err, { retryCount: 3, retryTime: 4000 });
}

test('broker error codes map to retry, auth, refused-record and producer-state classes', () => {
  const cases: [number, new (...args: never[]) => Error, RegExp][] = [
    [10, RecordsRefusedError, /MESSAGE_TOO_LARGE: larger than the topic's max\.message\.bytes/],
    [87, RecordsRefusedError, /INVALID_RECORD/],
    [29, AuthError, /TOPIC_AUTHORIZATION_FAILED: not authorized to write to the topic/],
    [31, AuthError, /CLUSTER_AUTHORIZATION_FAILED.*IDEMPOTENT_WRITE/],
    [45, ProducerStateError, /OUT_OF_ORDER_SEQUENCE_NUMBER/],
    [59, ProducerStateError, /UNKNOWN_PRODUCER_ID/],
    [6, RetryableError, /NOT_LEADER_FOR_PARTITION|NOT_LEADER_OR_FOLLOWER/],
    [19, RetryableError, /NOT_ENOUGH_REPLICAS: fewer in-sync replicas/],
    [3, RetryableError, /UNKNOWN_TOPIC_OR_PARTITION: the topic does not exist/],
  ];
  for (const [code, cls, message] of cases) {
    for (const err of [createErrorFromCode(code), exhausted(createErrorFromCode(code))]) {
      const classified = classifyKafkaError(err, ctx);
      assert.ok(classified instanceof cls, `code ${code} → ${cls.name}, got ${classified.constructor.name}`);
      assert.match(classified.message, message);
    }
  }
  // ProducerStateError is retryable (after the reset); a refused record is not.
  assert.ok(classifyKafkaError(createErrorFromCode(45), ctx) instanceof RetryableError);
  assert.ok(!(classifyKafkaError(createErrorFromCode(10), ctx) instanceof RetryableError));
});

test('connection failures are retryable, SASL refusals are auth, and no message carries the password', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:9092'), { code: 'ECONNREFUSED' });
  const conn = new KafkaJSConnectionError(`Connection error: ${refused.message}`, {
    broker: '10.0.0.1:9092',
    code: 'ECONNREFUSED',
  });
  const c = classifyKafkaError(exhausted(conn), ctx);
  assert.ok(c instanceof RetryableError);
  assert.equal(
    c.message,
    'cannot connect to 10.0.0.1:9092: connection refused (wrong host/port in brokers, or the broker is down)',
  );

  // kafkajs's typings omit the message its SASL error takes at run time.
  const SaslError = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
  const sasl = classifyKafkaError(
    new SaslError('SASL SCRAM SHA512 authentication failed: invalid credentials'),
    ctx,
  );
  assert.ok(sasl instanceof AuthError);
  assert.match(
    sasl.message,
    /^SASL authentication failed for user "fwd" \(SCRAM-SHA-512\): check sasl\.username and sasl\.password/,
  );
  assert.ok(!sasl.message.includes(ctx.sasl.password));

  const untrusted = new KafkaJSConnectionError(
    'Connection error: self-signed certificate in certificate chain',
    { broker: 'kafka-1:9093', code: 'SELF_SIGNED_CERT_IN_CHAIN' },
  );
  const t = classifyKafkaError(untrusted, ctx);
  assert.ok(t instanceof AuthError, 'an untrusted certificate is fixed by people: retried slowly');
  assert.match(
    t.message,
    /TLS with the broker kafka-1:9093: its certificate is self-signed.*\[SELF_SIGNED_CERT_IN_CHAIN\]; set tls\.ca_file/,
  );
});
