import { z } from 'zod';
import { batchSchema, CREDENTIALS_IN_URL, duration, outputFormat, retrySchema } from '../../config/fields';
import { tlsEnabled, tlsSchema } from '../../util/tls';
import { refuseAccidentalPlaintext, type PlaintextPath } from '../../config/plaintext';
import { FAMILY_PLACEHOLDER, OTHER_FAMILY, TopicRouter, checkTopicTemplate, isLegalTopic } from './topics';

/**
 * What the user writes under `sinks.<name>` for `type: kafka`. Cross-field rules that
 * protect the delivery guarantee (acks, idempotence, in-flight batches) live here so a bad
 * combination is refused before anything starts.
 */

/** `host:port`. kafkajs splits on the first colon, so IPv6 literals cannot be expressed. */
const brokerAddress = z.string().superRefine((value, ctx) => {
  if (value.includes('@')) {
    ctx.addIssue({ code: 'custom', message: CREDENTIALS_IN_URL });
    return;
  }
  const m = /^([^:\s[\]]+):(\d{1,5})$/.exec(value);
  if (!m) {
    const hint =
      value.includes('[') || (value.match(/:/g) ?? []).length > 1
        ? 'IPv6 literals are not supported by the Kafka client; use a host name'
        : 'write it as host:port, e.g. "kafka-1.example.com:9092"';
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a broker address: ${hint}` });
    return;
  }
  const port = Number(m[2]);
  if (port < 1 || port > 65535) ctx.addIssue({ code: 'custom', message: `"${value}": port must be 1-65535` });
});

const familyName = z
  .string()
  .regex(/^[a-z0-9]+$/, {
    error:
      'a family is the first word of an activity type: lowercase letters and digits, e.g. "sso" or "platform"',
  })
  .refine((f) => f !== OTHER_FAMILY, {
    error: `"${OTHER_FAMILY}" is implied (every family not listed goes there); remove it`,
  });

export const saslSchema = z.strictObject({
  mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512'], {
    error: 'expected one of plain, scram-sha-256, scram-sha-512',
  }),
  username: z.string().min(1),
  /** A secret: may be given as `password_file` (resolved by the config loader). */
  password: z.string().min(1),
});
export type SaslConfig = z.output<typeof saslSchema>;

export const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

export const kafkaSinkConfig = z
  .strictObject({
    type: z.literal('kafka'),
    /** Bootstrap brokers; the client discovers the rest of the cluster from them. */
    brokers: z.array(brokerAddress).min(1, { error: 'list at least one broker as host:port' }),
    /**
     * The topic, or a template with `{family}`: the first word of the activity type
     * (`sso_login_succeeded` → `sso`). Families not in `topic_families` go to `other`.
     */
    topic: z.string().min(1),
    /** With a `{family}` template: the families that get a topic of their own. */
    topic_families: z.array(familyName).min(1).optional(),
    format: outputFormat.default('ocsf'),
    /** `all` waits for every in-sync replica; `1` for the leader only (weaker, warned about). */
    acks: z
      .union([z.literal('all'), z.literal(1), z.literal(0)], { error: 'expected all or 1' })
      .default('all'),
    /** The broker drops the copies a retried request would otherwise write twice. */
    idempotent: z.boolean().default(true),
    compression: z
      .enum(COMPRESSIONS, {
        error: `expected one of ${COMPRESSIONS.join(', ')} (zstd is not offered: see the Kafka sink docs)`,
      })
      .default('none'),
    client_id: z.string().min(1).default('claude-audit-forwarder'),
    /** The `source` header every message carries. */
    source: z.string().min(1).default('anthropic:compliance_api'),
    tls: tlsSchema.optional(),
    /** Without tls, brokers other than loopback are refused unless this is set. */
    allow_plaintext: z.boolean().default(false),
    sasl: saslSchema.optional(),
    /** TCP + TLS connect timeout per broker. */
    connection_timeout: duration('10s'),
    /** How long the client waits for any broker response. */
    request_timeout: duration('30s'),
    /** How long the broker may wait for the in-sync replicas before answering a produce. */
    ack_timeout: duration('30s'),
    batch: batchSchema({ max_events: 500, max_bytes: '900KB', timeout: '200ms' }),
    /** The sink's own retry loop, after kafkajs's short inner retries; max_backoff also paces refused credentials. */
    retry: retrySchema,
  })
  .superRefine((cfg, ctx) => {
    refuseAccidentalPlaintext(kafkaPlaintextPath(cfg), cfg.allow_plaintext, ctx);
    if (cfg.acks === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['acks'],
        message:
          '0 means the broker never confirms a write, so the checkpoint could move past events that were lost; use all (default) or 1',
      });
    }
    if (cfg.acks === 1 && cfg.idempotent) {
      ctx.addIssue({
        code: 'custom',
        path: ['idempotent'],
        message:
          'the idempotent producer needs acks: all; set acks: all, or idempotent: false to use acks: 1',
      });
    }
    if (cfg.idempotent && cfg.batch.concurrency > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['batch', 'concurrency'],
        message:
          'the idempotent producer keeps one batch in flight so that a retried batch is never overtaken (the broker could then drop a later batch as a duplicate); set concurrency: 1, or idempotent: false',
      });
    }
    const templateIssue = checkTopicTemplate(cfg.topic);
    if (templateIssue) ctx.addIssue({ code: 'custom', path: ['topic'], message: templateIssue });
    const templated = cfg.topic.includes(FAMILY_PLACEHOLDER);
    if (!templateIssue && templated && cfg.topic_families) {
      const tooLong = new TopicRouter(cfg.topic, cfg.topic_families)
        .allTopics()
        .filter((t) => !isLegalTopic(t));
      if (tooLong.length)
        ctx.addIssue({
          code: 'custom',
          path: ['topic'],
          message: `${tooLong.join(', ')}: longer than Kafka's 249-character limit`,
        });
    }
    if (templated && !cfg.topic_families) {
      ctx.addIssue({
        code: 'custom',
        path: ['topic_families'],
        message: `a topic template with ${FAMILY_PLACEHOLDER} needs topic_families: the families that get their own topic (e.g. [sso, org, platform]); the rest go to "${OTHER_FAMILY}", so every topic is known and checked at start-up`,
      });
    }
    if (!templated && cfg.topic_families) {
      ctx.addIssue({
        code: 'custom',
        path: ['topic_families'],
        message: `only used with a ${FAMILY_PLACEHOLDER} topic template; remove it or add ${FAMILY_PLACEHOLDER} to topic`,
      });
    }
  });

export type KafkaSinkConfig = z.output<typeof kafkaSinkConfig>;

/** Without TLS, every broker is reached in clear, with the SASL exchange when there is one. */
export function kafkaPlaintextPath(
  cfg: Pick<KafkaSinkConfig, 'tls' | 'brokers' | 'sasl'>,
): PlaintextPath | undefined {
  if (tlsEnabled(cfg.tls)) return undefined;
  return {
    field: 'tls',
    hosts: cfg.brokers.map((b) => b.slice(0, b.lastIndexOf(':'))),
    credential: cfg.sasl ? `the SASL ${cfg.sasl.mechanism} login` : undefined,
    fix: 'add tls: { enabled: true } (with ca_file if the brokers use a private CA)',
  };
}
