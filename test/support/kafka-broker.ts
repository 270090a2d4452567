import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel, type ITopicConfig, type KafkaConfig } from 'kafkajs';
import { makeCertificates, type Certificates } from './certs';
import { freePorts } from './ports';
import { ServerUnavailable } from './servers';

/**
 * A real single-node Apache Kafka broker (KRaft: broker and controller in one JVM) for
 * integration tests and benchmarks, run from the jars scripts/ci/kafka.sh resolves from
 * Maven Central. It listens on loopback ports chosen here, keeps its data in a temp dir, and
 * can be stopped, killed and started again on the same ports and data (outage tests).
 *
 * Optional listeners: SSL (client certificate required), SASL_PLAINTEXT and SASL_SSL with
 * PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 for one user created when the storage is formatted.
 */
export const KAFKA_INSTALL_HINT =
  'run `sudo bash scripts/ci/kafka.sh` (installs Java 17+, Maven and openssl, then downloads the Kafka broker jars into .cache/kafka)';

const REPO_ROOT = resolve(__dirname, '..', '..');
const LIBS = join(REPO_ROOT, '.cache', 'kafka', 'libs');

export interface KafkaBrokerOptions {
  /** Add an SSL listener (client certificate required) and, with `sasl`, a SASL_SSL one. */
  readonly tls?: boolean;
  /** Add SASL listeners with the user in `KafkaBroker.user`. */
  readonly sasl?: boolean;
  /** auto.create.topics.enable (default false: tests create their topics). */
  readonly autoCreateTopics?: boolean;
  /** Maximum heap; small by default because tests share a 2-core machine. */
  readonly heap?: string;
  /**
   * Stop at the C1 compiler: the broker starts faster and uses less CPU in short tests.
   * Benchmarks turn it off to measure a fully warmed broker.
   */
  readonly quickJit?: boolean;
}

export interface SaslUser {
  readonly username: string;
  readonly password: string;
}

export interface KafkaBroker {
  /** host:port of each listener. */
  readonly plaintext: string;
  readonly ssl?: string;
  readonly saslPlaintext?: string;
  readonly saslSsl?: string;
  readonly certs?: Certificates;
  /** Accepted with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 on the SASL listeners. */
  readonly user: SaslUser;
  readonly dir: string;
  /** Graceful stop (SIGTERM); data stays for `start()`. */
  stop(): Promise<void>;
  /** Hard stop (SIGKILL), like a crashed broker. */
  kill(): Promise<void>;
  /** Starts the broker again on the same ports and data. */
  start(): Promise<void>;
  readonly running: boolean;
  createTopic(
    topic: string,
    options?: { partitions?: number; config?: Record<string, string> },
  ): Promise<void>;
  /** Stops the broker and deletes its data. */
  destroy(): Promise<void>;
  /** The last lines of the broker's log, for failure messages. */
  logTail(lines?: number): string;
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/**
 * Makes sure Java and the broker jars are present by running the CI script (idempotent: with
 * everything in place it only checks, in a fraction of a second; it also knows which Kafka
 * version the jars must be).
 */
export function ensureKafkaJars(): void {
  const r = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'ci', 'kafka.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0 || !existsSync(LIBS)) {
    throw new ServerUnavailable(
      'Kafka broker',
      KAFKA_INSTALL_HINT,
      `scripts/ci/kafka.sh failed: ${(r.stderr || r.stdout || String(r.error ?? '')).trim().slice(-600)}`,
    );
  }
}

/**
 * A KRaft cluster id: 16 random bytes, base64url without padding (what StorageTool
 * random-uuid prints). It may start with "-", hence `--cluster-id=<id>` when passing it.
 */
function clusterId(): string {
  return randomBytes(16).toString('base64url');
}

function javaArgs(heap: string, quickJit: boolean): string[] {
  return [
    `-Xmx${heap}`,
    '-Xms64m',
    '-XX:+UseSerialGC',
    ...(quickJit ? ['-XX:TieredStopAtLevel=1'] : []),
    '-Djava.awt.headless=true',
    '-cp',
    `${LIBS}/*`,
  ];
}

function jaas(module: 'plain' | 'scram', user: SaslUser): string {
  return module === 'plain'
    ? `org.apache.kafka.common.security.plain.PlainLoginModule required user_${user.username}="${user.password}";`
    : 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
}

export async function startKafkaBroker(options: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
  ensureKafkaJars();
  const dir = mkdtempSync(join(tmpdir(), 'kafka-broker-'));
  const heap = options.heap ?? '384m';
  const quickJit = options.quickJit ?? true;
  const user: SaslUser = { username: 'forwarder', password: `pw-${randomBytes(12).toString('hex')}` };
  const wanted = {
    ssl: options.tls === true,
    saslPlaintext: options.sasl === true,
    saslSsl: options.tls === true && options.sasl === true,
  };
  const free = await freePorts(Array<'tcp'>(2 + Object.values(wanted).filter(Boolean).length).fill('tcp'));
  const take = (want: boolean): number | undefined => (want ? free.shift() : undefined);
  const ports = {
    plaintext: free.shift()!,
    controller: free.shift()!,
    ssl: take(wanted.ssl),
    saslPlaintext: take(wanted.saslPlaintext),
    saslSsl: take(wanted.saslSsl),
  };
  const listeners: [string, number][] = [['PLAINTEXT', ports.plaintext]];
  if (ports.ssl) listeners.push(['SSL', ports.ssl]);
  if (ports.saslPlaintext) listeners.push(['SASL_PLAINTEXT', ports.saslPlaintext]);
  if (ports.saslSsl) listeners.push(['SASL_SSL', ports.saslSsl]);

  const props: string[] = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${ports.controller}`,
    `listeners=${[...listeners, ['CONTROLLER', ports.controller]].map(([n, p]) => `${n}://127.0.0.1:${p}`).join(',')}`,
    `advertised.listeners=${listeners.map(([n, p]) => `${n}://127.0.0.1:${p}`).join(',')}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
    `log.dirs=${join(dir, 'data')}`,
    'num.partitions=1',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    `auto.create.topics.enable=${options.autoCreateTopics ? 'true' : 'false'}`,
    // One request thread pool is plenty for a test and keeps the JVM small.
    'num.network.threads=2',
    'num.io.threads=2',
    'log.cleaner.enable=false',
    // After a kill -9 the restarted broker waits for its old registration's session to
    // expire (default 9 s); shorter sessions keep outage tests quick.
    'broker.heartbeat.interval.ms=500',
    'broker.session.timeout.ms=2500',
  ];

  let certs: Certificates | undefined;
  if (options.tls) {
    certs = makeCertificates({
      dir: join(dir, 'certs'),
      hosts: ['localhost', '127.0.0.1'],
      clientCert: true,
    });
    const keystore = join(dir, 'certs', 'broker-keystore.pem');
    // Kafka's PEM keystore: the (unencrypted PKCS#8) key followed by the certificate chain.
    writeFileSync(keystore, readFileSync(certs.keyFile, 'utf8') + readFileSync(certs.certFile, 'utf8'));
    props.push(
      'ssl.keystore.type=PEM',
      `ssl.keystore.location=${keystore}`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${certs.caFile}`,
      // The SSL listener proves mutual TLS; SASL_SSL authenticates with SASL instead.
      'listener.name.ssl.ssl.client.auth=required',
    );
  }
  if (options.sasl) {
    props.push('sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512');
    for (const listener of ['sasl_plaintext', ...(options.tls ? ['sasl_ssl'] : [])]) {
      props.push(
        `listener.name.${listener}.plain.sasl.jaas.config=${jaas('plain', user)}`,
        `listener.name.${listener}.scram-sha-256.sasl.jaas.config=${jaas('scram', user)}`,
        `listener.name.${listener}.scram-sha-512.sasl.jaas.config=${jaas('scram', user)}`,
      );
    }
  }
  const propsFile = join(dir, 'server.properties');
  writeFileSync(propsFile, props.join('\n') + '\n');
  const logFile = join(dir, 'server.log');
  writeFileSync(
    join(dir, 'log4j.properties'),
    [
      'log4j.rootLogger=WARN, file',
      'log4j.appender.file=org.apache.log4j.FileAppender',
      `log4j.appender.file.File=${logFile}`,
      'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
      'log4j.logger.kafka.server.KafkaRaftServer=INFO',
    ].join('\n') + '\n',
  );
  const log4j = `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`;

  const formatArgs = [
    ...javaArgs('256m', true),
    log4j,
    'kafka.tools.StorageTool',
    'format',
    `--cluster-id=${clusterId()}`,
    '-c',
    propsFile,
  ];
  if (options.sasl) {
    for (const mech of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
      formatArgs.push('--add-scram', `${mech}=[name=${user.username},password=${user.password}]`);
    }
  }
  const format = spawnSync('java', formatArgs, { encoding: 'utf8' });
  if (format.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `formatting the Kafka storage failed: ${(format.stderr || format.stdout).trim().slice(-1000)}`,
    );
  }

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  const readLog = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const logTail = (lines = 30): string => {
    const out = existsSync(join(dir, 'stdout.log')) ? readFileSync(join(dir, 'stdout.log'), 'utf8') : '';
    return (readLog() + out).trim().split('\n').slice(-lines).join('\n');
  };

  const start = async (): Promise<void> => {
    if (child) throw new Error('the Kafka broker is already running');
    const startsBefore = (readLog().match(/Kafka Server started/g) ?? []).length;
    const out = createWriteStream(join(dir, 'stdout.log'), { flags: 'a' });
    const proc = spawn('java', [...javaArgs(heap, quickJit), log4j, 'kafka.Kafka', propsFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout?.pipe(out);
    proc.stderr?.pipe(out);
    child = proc;
    let exitCode: number | null | undefined;
    exited = new Promise((done) =>
      proc.once('exit', (code) => {
        exitCode = code;
        if (child === proc) child = undefined;
        done();
      }),
    );
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (exitCode !== undefined)
        throw new Error(`the Kafka broker exited with code ${exitCode} while starting:\n${logTail()}`);
      const started = (readLog().match(/Kafka Server started/g) ?? []).length > startsBefore;
      if (started && (await portAccepts(ports.plaintext))) return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`the Kafka broker did not start within 90 s:\n${logTail()}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc) return;
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };

  const address = (port: number | undefined): string | undefined => (port ? `127.0.0.1:${port}` : undefined);
  const broker: KafkaBroker = {
    plaintext: `127.0.0.1:${ports.plaintext}`,
    ssl: address(ports.ssl),
    saslPlaintext: address(ports.saslPlaintext),
    saslSsl: address(ports.saslSsl),
    certs,
    user,
    dir,
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
    start,
    get running() {
      return child !== undefined;
    },
    createTopic: async (topic, opts = {}) => {
      const admin = testKafka(broker.plaintext).admin();
      await admin.connect();
      try {
        const configEntries: ITopicConfig['configEntries'] = Object.entries(opts.config ?? {}).map(
          ([name, value]) => ({ name, value }),
        );
        await admin.createTopics({
          topics: [{ topic, numPartitions: opts.partitions ?? 1, replicationFactor: 1, configEntries }],
          waitForLeaders: true,
        });
      } finally {
        await admin.disconnect();
      }
    },
    destroy: async () => {
      await stopWith('SIGKILL');
      process.off('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
    logTail,
  };
  try {
    await start();
  } catch (err) {
    await broker.destroy();
    throw err;
  }
  return broker;
}

/** A kafkajs client for the test side (admin, consumer), quiet unless something breaks. */
export function testKafka(brokers: string, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({ clientId: 'test-side', brokers: [brokers], logLevel: logLevel.NOTHING, ...extra });
}

/** Retries `op` for a while: right after a restart, partitions may still be electing leaders. */
async function patiently<T>(op: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await op();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export interface ReadMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string;
  readonly value: string;
  readonly headers: Record<string, string>;
}

/**
 * Reads every message of `topics` from the beginning up to the high watermark each partition
 * has when called: the exact contents of the topics, so tests can count duplicates and
 * losses without guessing how long to wait.
 */
export async function readTopics(
  brokers: string,
  topics: readonly string[],
  timeoutMs = 30_000,
): Promise<ReadMessage[]> {
  const kafka = testKafka(brokers);
  const admin = kafka.admin();
  await admin.connect();
  const targets = new Map<string, bigint>();
  try {
    for (const topic of topics) {
      for (const p of await patiently(() => admin.fetchTopicOffsets(topic))) {
        if (BigInt(p.high) > BigInt(p.low)) targets.set(`${topic}/${p.partition}`, BigInt(p.high));
      }
    }
  } finally {
    await admin.disconnect();
  }
  const messages: ReadMessage[] = [];
  if (targets.size === 0) return messages;
  const consumer = kafka.consumer({
    groupId: `test-reader-${randomBytes(6).toString('hex')}`,
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(
        () =>
          fail(
            new Error(
              `read ${messages.length} messages; timed out waiting for ${[...targets.keys()].join(', ')}`,
            ),
          ),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ topic, partition, message }) => {
            const key = `${topic}/${partition}`;
            const high = targets.get(key);
            if (high === undefined || BigInt(message.offset) >= high) return;
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(message.headers ?? {}))
              headers[name] = String(Array.isArray(value) ? value[0] : value);
            messages.push({
              topic,
              partition,
              offset: message.offset,
              key: message.key?.toString() ?? '',
              value: message.value?.toString() ?? '',
              headers,
            });
            if (BigInt(message.offset) + 1n >= high) targets.delete(key);
            if (targets.size === 0) {
              clearTimeout(timer);
              done();
            }
          },
        })
        .catch(fail);
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

export interface TopicTail {
  /** Message key → how many messages carried it, so far. */
  readonly keys: ReadonlyMap<string, number>;
  stop(): Promise<void>;
}

/**
 * Follows `topics` from the beginning with one long-lived consumer: for waiting until
 * something has arrived without a consumer-group join per check (readTopics gives the
 * exact contents afterwards).
 */
export async function tailTopics(brokers: string, topics: readonly string[]): Promise<TopicTail> {
  const keys = new Map<string, number>();
  const consumer = testKafka(brokers).consumer({
    groupId: `test-tail-${randomBytes(6).toString('hex')}`,
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const key = message.key?.toString() ?? '';
      keys.set(key, (keys.get(key) ?? 0) + 1);
    },
  });
  return { keys, stop: () => consumer.disconnect() };
}
