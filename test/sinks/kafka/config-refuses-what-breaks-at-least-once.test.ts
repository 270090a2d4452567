import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kafkaSinkConfig } from '../../../src/sinks/kafka/config';
import { sinkFactory } from '../../../src/sinks/registry';

const base = { type: 'kafka', brokers: ['kafka-1:9092'], topic: 'claude-audit', allow_plaintext: true };

/** The issues zod reports, as "path: message" lines. */
function problems(input: Record<string, unknown>): string[] {
  const r = kafkaSinkConfig.safeParse({ ...base, ...input });
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

test('is registered as type kafka and defaults to the safe settings', () => {
  assert.equal(sinkFactory('kafka')?.configSchema, kafkaSinkConfig);
  const cfg = kafkaSinkConfig.parse(base);
  assert.equal(cfg.acks, 'all');
  assert.equal(cfg.idempotent, true);
  assert.equal(cfg.format, 'ocsf');
  assert.equal(cfg.compression, 'none');
  assert.equal(cfg.batch.concurrency, 1);
  assert.equal(cfg.request_timeout, 30_000);
  assert.ok(cfg.batch.max_bytes < 1_048_588, "batches stay under the broker's default message.max.bytes");
});

test('refuses acks: 0, which would let the checkpoint pass events the broker never confirmed', () => {
  const p = problems({ acks: 0, idempotent: false });
  assert.equal(p.length, 1);
  assert.match(p[0], /^acks: 0 means the broker never confirms a write.*use all/);
});

test('acks: 1 needs idempotent: false, said on the idempotent field with both ways out', () => {
  assert.match(
    problems({ acks: 1 }).join('\n'),
    /^idempotent: the idempotent producer needs acks: all; set acks: all, or idempotent: false/,
  );
  assert.deepEqual(problems({ acks: 1, idempotent: false }), []);
  assert.match(problems({ acks: 'some' }).join('\n'), /^acks: expected all or 1/);
});

test('the idempotent producer keeps one batch in flight', () => {
  assert.match(
    problems({ batch: { concurrency: 4 } }).join('\n'),
    /^batch\.concurrency: the idempotent producer keeps one batch in flight/,
  );
  assert.deepEqual(problems({ batch: { concurrency: 4 }, idempotent: false }), []);
});

test('a {family} template needs its families listed, and families need a template', () => {
  assert.match(
    problems({ topic: 'audit-{family}' }).join('\n'),
    /^topic_families: a topic template with \{family\} needs topic_families/,
  );
  assert.deepEqual(problems({ topic: 'audit-{family}', topic_families: ['sso', 'org'] }), []);
  assert.match(
    problems({ topic_families: ['sso'] }).join('\n'),
    /^topic_families: only used with a \{family\} topic template/,
  );
  assert.match(
    problems({ topic: 'audit-{family}', topic_families: ['SSO'] }).join('\n'),
    /^topic_families\.0: a family is the first word/,
  );
  assert.match(
    problems({ topic: 'audit-{family}', topic_families: ['other'] }).join('\n'),
    /"other" is implied/,
  );
});

test('topic names Kafka would refuse are refused here', () => {
  assert.match(problems({ topic: 'audit-{type}' }).join('\n'), /^topic: unknown placeholder \{type\}/);
  assert.match(
    problems({ topic: 'audit events' }).join('\n'),
    /^topic: "audit events" is not a legal Kafka topic name/,
  );
  assert.match(
    problems({ topic: `${'a'.repeat(241)}-{family}`, topic_families: ['platform'] }).join('\n'),
    /^topic: .*-platform: longer than Kafka's 249-character limit/,
  );
});

test('broker addresses must be host:port; IPv6 literals are refused with the reason', () => {
  assert.match(
    problems({ brokers: ['kafka-1'] }).join('\n'),
    /^brokers\.0: "kafka-1" is not a broker address: write it as host:port/,
  );
  assert.match(
    problems({ brokers: ['[::1]:9092'] }).join('\n'),
    /IPv6 literals are not supported by the Kafka client; use a host name/,
  );
  assert.match(problems({ brokers: ['kafka:70000'] }).join('\n'), /port must be 1-65535/);
  assert.match(problems({ brokers: [] }).join('\n'), /^brokers: list at least one broker/);
});

test('sasl, compression and unknown keys are checked', () => {
  assert.deepEqual(
    problems({ sasl: { mechanism: 'scram-sha-512', username: 'fwd', password: 'secret-1' } }),
    [],
  );
  assert.match(
    problems({ sasl: { mechanism: 'gssapi', username: 'fwd', password: 'x' } }).join('\n'),
    /^sasl\.mechanism: expected one of plain, scram-sha-256, scram-sha-512/,
  );
  assert.match(
    problems({ compression: 'zstd' }).join('\n'),
    /^compression: expected one of none, gzip, snappy, lz4/,
  );
  assert.match(problems({ topik: 'x' }).join('\n'), /topik/);
});
