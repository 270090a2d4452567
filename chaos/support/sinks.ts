import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_HEC_TOKEN, startHecReceiver, type HecReceiver } from '../../test/support/hec-receiver';
import { readTopics, testKafka } from '../../test/support/kafka-broker';
import type { ChaosServers } from './servers';
import type { SinkKind } from './report';

/**
 * The sinks a scenario configures, each with a way to read back what its real destination
 * holds: the file's lines, the HEC receiver's indexed events, what rsyslog parsed, the
 * topic's messages. Every reader returns activity ids (duplicates included), so one
 * comparison gives losses and duplicates for any sink.
 */
export interface SinkUnderTest {
  readonly kind: SinkKind;
  /** The key under `sinks:` in the config. */
  readonly name: string;
  readonly config: Record<string, unknown>;
  /** Activity ids the destination holds, in arrival order, duplicates included. */
  ids(): Promise<string[]>;
  /** A cheap upper bound of ids().length (Kafka: the topic's offsets). */
  count(): Promise<number>;
}

export interface SinkSet {
  readonly sinks: readonly SinkUnderTest[];
  /** Sinks that could not take part, and why (the table's "n/a"). */
  readonly unavailable: Partial<Record<SinkKind, string>>;
  /** The `sinks:` section of the config. */
  readonly config: Record<string, Record<string, unknown>>;
  readonly hec?: HecReceiver;
  get(kind: SinkKind): SinkUnderTest | undefined;
  close(): Promise<void>;
}

export interface SinkSetOptions {
  readonly servers: ChaosServers;
  /** The scenario's own directory (file sink, certificates it writes). */
  readonly dir: string;
  /** Unique per scenario run: names the Kafka topic and the syslog HOSTNAME we filter on. */
  readonly tag: string;
  readonly kinds: readonly SinkKind[];
  /** Extra config per sink (merged over the defaults below). */
  readonly overrides?: Partial<Record<SinkKind, Record<string, unknown>>>;
  /** HEC token; default the receiver's, with indexer acknowledgements on. */
  readonly hecToken?: string;
}

/** The activity id inside one delivered document, whatever its format (raw, OCSF, ECS). */
export function activityIdOf(doc: unknown): string | undefined {
  if (doc === null || typeof doc !== 'object') return undefined;
  const d = doc as { id?: unknown; metadata?: { uid?: unknown }; event?: { id?: unknown } };
  for (const v of [d.metadata?.uid, d.event?.id, d.id]) if (typeof v === 'string') return v;
  return undefined;
}

/** Ids in a JSON-lines file; a line that is not JSON (a torn write) throws. */
export function fileIds(path: string): string[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  const ids: string[] = [];
  let start = 0;
  let lineNo = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    if (end === -1)
      throw new Error(`${path}: the last line has no newline (torn write): ${text.slice(start, start + 80)}`);
    lineNo++;
    const line = text.slice(start, end);
    start = end + 1;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      throw new Error(`${path}: line ${lineNo} is not JSON (torn write?): ${line.slice(0, 80)}`);
    }
    const id = activityIdOf(doc);
    if (id === undefined) throw new Error(`${path}: line ${lineNo} carries no activity id`);
    ids.push(id);
  }
  return ids;
}

/** Complete lines in a file (cheap: no parsing; polled while a forwarder writes). */
function lineCount(path: string): number {
  if (!existsSync(path)) return 0;
  const buf = readFileSync(path);
  let n = 0;
  for (let i = buf.indexOf(0x0a); i !== -1; i = buf.indexOf(0x0a, i + 1)) n++;
  return n;
}

function deepMerge(
  base: Record<string, unknown>,
  extra: Record<string, unknown> | undefined,
): Record<string, unknown> {
  if (!extra) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export async function makeSinks(opts: SinkSetOptions): Promise<SinkSet> {
  const { servers, dir, tag } = opts;
  const sinks: SinkUnderTest[] = [];
  const unavailable: Partial<Record<SinkKind, string>> = {};
  let hec: HecReceiver | undefined;
  const cleanups: Array<() => Promise<void>> = [];

  for (const kind of opts.kinds) {
    const extra = opts.overrides?.[kind];
    if (kind === 'file') {
      const path = join(dir, 'archive', 'events.jsonl');
      const config = deepMerge(
        { type: 'file', path, format: 'ocsf', batch: { max_events: 100, timeout: '50ms' } },
        extra,
      );
      const actualPath = String(config.path);
      sinks.push({
        kind,
        name: 'archive',
        config,
        ids: async () => fileIds(actualPath),
        count: async () => lineCount(actualPath),
      });
    } else if (kind === 'hec') {
      const token = opts.hecToken ?? DEFAULT_HEC_TOKEN;
      const receiver = await startHecReceiver({ tokens: { [token]: { acks: true } } });
      hec = receiver;
      cleanups.push(() => receiver.stop());
      const config = deepMerge(
        {
          type: 'splunk_hec',
          endpoint: receiver.url,
          token,
          format: 'ecs',
          indexer_acknowledgements: true,
          ack: { poll_interval: '100ms', timeout: '60s' },
          batch: { max_events: 100, timeout: '50ms', concurrency: 4 },
          retry: { initial_backoff: '100ms', max_backoff: '2s' },
        },
        extra,
      );
      sinks.push({
        kind,
        name: 'splunk',
        config,
        ids: async () => receiver.eventIds(),
        count: async () => receiver.events().length,
      });
    } else if (kind === 'syslog') {
      const rsyslog = servers.rsyslog;
      if (!rsyslog) {
        unavailable.syslog = servers.unavailable.syslog ?? 'n/a (rsyslog not started)';
        continue;
      }
      const hostname = `${tag}.chaos.example`;
      const config = deepMerge(
        {
          type: 'syslog',
          address: `127.0.0.1:${rsyslog.ports.tcp}`,
          transport: 'tcp',
          format: 'rfc5424',
          payload_format: 'ocsf',
          hostname,
          max_message_bytes: '1536KiB',
          retry: { initial_backoff: '100ms', max_backoff: '2s' },
          batch: { max_events: 100, timeout: '50ms' },
        },
        extra,
      );
      const listener = config.transport === 'tls' ? 'tls' : 'tcp';
      const ids = async (): Promise<string[]> =>
        rsyslog
          .messages(listener)
          .filter((m) => m.hostname === hostname)
          .map((m) => m.sd['claude@32473']?.id ?? '(no id)');
      sinks.push({ kind, name: 'siem', config, ids, count: async () => (await ids()).length });
    } else {
      const broker = servers.kafka;
      if (!broker) {
        unavailable.kafka = servers.unavailable.kafka ?? 'n/a (Kafka not started)';
        continue;
      }
      const topic = `chaos-${tag}`;
      await broker.createTopic(topic, { partitions: 3 });
      const config = deepMerge(
        {
          type: 'kafka',
          brokers: [broker.plaintext],
          topic,
          format: 'raw',
          batch: { max_events: 100, timeout: '50ms' },
        },
        extra,
      );
      const admin = testKafka(broker.plaintext).admin();
      let connected = false;
      const count = async (): Promise<number> => {
        if (!connected) {
          await admin.connect();
          connected = true;
        }
        return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
      };
      cleanups.push(async () => {
        if (connected) await admin.disconnect();
      });
      // The test side always reads over plaintext, whatever listener the sink uses.
      sinks.push({
        kind,
        name: 'kafka',
        config,
        ids: async () => (await readTopics(broker.plaintext, [topic], 60_000)).map((m) => m.key),
        count,
      });
    }
  }
  const config: Record<string, Record<string, unknown>> = {};
  for (const s of sinks) config[s.name] = s.config;
  return {
    sinks,
    unavailable,
    config,
    hec,
    get: (kind) => sinks.find((s) => s.kind === kind),
    async close() {
      await Promise.allSettled(cleanups.map((c) => c()));
    },
  };
}
