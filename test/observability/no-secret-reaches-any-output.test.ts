import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { startHecReceiver, type HecReceiver } from '../support/hec-receiver';
import { makeCertificates } from '../support/certs';
import { KAFKA_INSTALL_HINT, startKafkaBroker, type KafkaBroker } from '../support/kafka-broker';
import { skipIfMissing, startOrSkip } from '../support/servers';
import { runCli, tempDir, writeConfig } from '../support/forwarder';
import { eventually, httpGet, readyz, scrape, startForwarder } from './support/scrape';

/**
 * Every secret a config can hold — the Compliance API key, the HEC token, the Kafka SASL
 * password, a TLS private-key password — set at once (and wrong ones too), with debug
 * logging, through a real run that also goes through the error paths where secrets leak
 * in practice (refused token, revoked key, refused password, dead letters). Nothing the
 * runs produce may contain any of them, in any form it takes on the wire or in a log line:
 * stdout, stderr, /metrics, /readyz, /healthz, the dead-letter file, the checkpoint,
 * `checkpoint show`, a dry run, every other file the run wrote.
 */

// Quotes and a backslash: JSON log lines escape them, so the escaped form must be masked too.
const KEY_PASSWORD = `k"ey\\pw-${randomBytes(6).toString('hex')}`;
const API_KEY = `sk-ant-api01-${randomBytes(24).toString('base64url')}`;
const WRONG_API_KEY = `sk-ant-api01-${randomBytes(24).toString('base64url')}`;
const HEC_TOKEN = randomUUID();
const WRONG_HEC_TOKEN = randomUUID();
const WRONG_SASL_PASSWORD = `wrong-${randomBytes(10).toString('hex')}`;

let sim: SimulatorHandle;
let hec: HecReceiver;
let broker: KafkaBroker | undefined;
let dir: string;
let encryptedKeyFile: string;
let certs: ReturnType<typeof makeCertificates>;

before(async () => {
  broker = await startOrSkip('Kafka broker', KAFKA_INSTALL_HINT, () => startKafkaBroker({ sasl: true }));
  if (!broker) return;
  await broker.createTopic('audit', { partitions: 2 });
  dir = tempDir('caf-secrets-');
  certs = makeCertificates({ dir: join(dir, 'certs'), clientCert: true });
  encryptedKeyFile = join(dir, 'certs', 'client-encrypted.key');
  execFileSync('openssl', [
    'pkey',
    '-in',
    certs.clientKeyFile!,
    '-aes256',
    '-passout',
    `pass:${KEY_PASSWORD}`,
    '-out',
    encryptedKeyFile,
  ]);
  sim = await startSimulator({ seed: 5, keys: [API_KEY], backlog: 300, backlogWindowMs: 3600_000, rate: 2 });
  hec = await startHecReceiver({
    tokens: { [HEC_TOKEN]: { acks: true } },
    tls: { certFile: certs.certFile, keyFile: certs.keyFile, caFile: certs.caFile, requireClientCert: true },
  });
  // Some events are refused for good: their reasons go to the dead-letter file and a metric label.
  hec.faults.rejectEvent = (envelope) =>
    String((envelope.fields as { event_id?: string }).event_id).endsWith('x') ? 6 : undefined;
});

after(async () => {
  await hec?.stop();
  await sim?.close();
  await broker?.destroy();
});

interface Overrides {
  readonly apiKey?: string;
  readonly hecToken?: string;
  readonly saslPassword?: string;
}

function config(name: string, o: Overrides = {}): string {
  // The API key through api_key_file, as Kubernetes mounts it.
  const keyFile = join(dir, `${name}.api-key`);
  writeFileSync(keyFile, `${o.apiKey ?? API_KEY}\n`, { mode: 0o600 });
  return writeConfig(
    dir,
    {
      source: {
        base_url: sim.url,
        api_key_file: keyFile,
        page_size: 50,
        start_at: '2h',
        lookback: '1m',
        poll_interval: '1s',
        max_requests_per_minute: 600,
      },
      checkpoint: { path: join(dir, 'data', 'checkpoint.json') },
      dead_letter: { path: join(dir, 'data', 'dead-letter.jsonl') },
      sinks: {
        archive: { type: 'file', path: join(dir, 'data', 'events.jsonl'), format: 'raw' },
        terminal: { type: 'stdout', format: 'ocsf' },
        splunk: {
          type: 'splunk_hec',
          endpoint: hec.url,
          token: o.hecToken ?? HEC_TOKEN,
          indexer_acknowledgements: true,
          ack: { poll_interval: '50ms', timeout: '20s' },
          retry: { initial_backoff: '100ms', max_backoff: '500ms' },
          tls: {
            ca_file: certs.caFile,
            cert_file: certs.clientCertFile,
            key_file: encryptedKeyFile,
            key_password: KEY_PASSWORD,
          },
        },
        kafka: {
          type: 'kafka',
          brokers: [broker!.saslPlaintext],
          topic: 'audit',
          sasl: {
            mechanism: 'scram-sha-512',
            username: broker!.user.username,
            password: o.saslPassword ?? broker!.user.password,
          },
        },
      },
      metrics: { listen: '127.0.0.1:0' },
      log: { level: 'debug', format: 'json' },
    },
    `${name}.yaml`,
  );
}

/** Every form a secret takes on the wire or in a line: plain, JSON-escaped, URL-encoded, base64. */
function forms(secret: string): string[] {
  return [
    ...new Set([
      secret,
      JSON.stringify(secret).slice(1, -1),
      encodeURIComponent(secret),
      Buffer.from(secret).toString('base64'),
    ]),
  ];
}

function filesUnder(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const p = join(root, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

test('no secret from the config reaches stdout, stderr, metrics, health answers or any file a run writes', async (t) => {
  if (skipIfMissing(t, broker, 'Kafka broker')) return;
  const outputs: { label: string; text: string }[] = [];
  const collect = (label: string, text: string): void => void outputs.push({ label, text });
  const main = config('main');

  // A daemon run, read from outside, and pushed through the error paths.
  const fwd = await startForwarder(['run', '-c', main]);
  try {
    await eventually(
      () => readyz(fwd.base),
      (r) => r.status === 200,
      60_000,
      'ready',
    );
    const m = await eventually(
      () => scrape(fwd.base),
      (s) => s.count('claude_audit_forwarder_poll_cycles_total') >= 2,
      60_000,
      'two poll cycles',
    );
    assert.ok(
      m.count('claude_audit_forwarder_delivered_total', { sink: 'kafka' }) > 0,
      'Kafka (SASL) received events',
    );
    assert.ok(
      m.count('claude_audit_forwarder_delivered_total', { sink: 'splunk' }) > 0,
      'HEC (mutual TLS, encrypted key) received events',
    );
    collect('/metrics', m.text);
    collect('/healthz', (await httpGet(`${fwd.base}/healthz`)).body);
    hec.setToken(HEC_TOKEN, undefined);
    const hecRed = await eventually(
      () => readyz(fwd.base),
      (r) => r.status === 503,
      30_000,
      'HEC refusal',
    );
    collect('/readyz (HEC refused)', JSON.stringify(hecRed.report));
    hec.setToken(HEC_TOKEN, { acks: true });
    await eventually(
      () => readyz(fwd.base),
      (r) => r.status === 200,
      30_000,
      'HEC back',
    );
    sim.revokeKey(API_KEY);
    const apiRed = await eventually(
      () => readyz(fwd.base),
      (r) => r.status === 503,
      30_000,
      'API key refusal',
    );
    collect('/readyz (key revoked)', JSON.stringify(apiRed.report));
    collect('/metrics (key revoked)', (await scrape(fwd.base)).text);
    sim.restoreKey(API_KEY);
    await eventually(
      () => readyz(fwd.base),
      (r) => r.status === 200,
      30_000,
      'API key back',
    );
  } finally {
    fwd.child.kill('SIGTERM');
  }
  const daemon = await fwd.exited;
  assert.equal(daemon.code, 0, daemon.stderr.slice(-2000));
  collect('daemon stdout', daemon.stdout);
  collect('daemon stderr', daemon.stderr);
  if (process.env.CAF_TEST_DEBUG) process.stderr.write(daemon.stderr);
  assert.ok(
    daemon.stderr.split('\n').filter((l) => l.includes('"level":"debug"')).length >= 5,
    'debug lines were written',
  );
  assert.match(daemon.stderr, /refused the API key \(401/, 'the revoked-key error was logged');
  assert.match(daemon.stderr, /Splunk HEC refuses delivery/, 'the refused-token error was logged');
  assert.ok(daemon.stdout.length > 0, 'the stdout sink wrote events');

  // The commands an operator runs next, and runs that fail on a wrong secret (in parallel:
  // each is a separate process, and most of their time is starting up).
  const commands = [
    { label: 'checkpoint show', args: ['checkpoint', 'show', '-c', main], code: 0 },
    { label: 'checkpoint show --json', args: ['checkpoint', 'show', '--json', '-c', main], code: 0 },
    { label: 'run --dry-run', args: ['run', '--dry-run', '--limit', '5', '-c', main], code: 0 },
    { label: 'validate', args: ['validate', '-c', main], code: 0 },
    {
      label: 'wrong HEC token',
      args: ['run', '--once', '-c', config('wrong-hec', { hecToken: WRONG_HEC_TOKEN })],
      code: 1,
      expect: /token/i,
    },
    {
      label: 'wrong SASL password',
      args: ['run', '--once', '-c', config('wrong-sasl', { saslPassword: WRONG_SASL_PASSWORD })],
      code: 1,
      expect: /SASL|authentic|password|credentials/i,
    },
    {
      label: 'wrong API key',
      args: ['run', '--once', '-c', config('wrong-key', { apiKey: WRONG_API_KEY })],
      code: 1,
      expect: /refused the API key \(401/,
    },
  ];
  const results = await Promise.all(commands.map((c) => runCli(c.args, { timeoutMs: 60_000 })));
  commands.forEach((c, i) => {
    const r = results[i];
    assert.equal(r.code, c.code, `${c.label}: exit ${c.code}\n${r.stderr.slice(-1500)}`);
    if (c.expect) assert.match(r.stderr, c.expect, `${c.label}: the failure is explained`);
    collect(`${c.label} stdout`, r.stdout);
    collect(`${c.label} stderr`, r.stderr);
  });
  for (const file of filesUnder(join(dir, 'data'))) collect(file, readFileSync(file, 'utf8'));
  assert.ok(
    outputs.some(
      (o) => o.label.endsWith('dead-letter.jsonl') && o.text.includes('Splunk HEC refused the event'),
    ),
    'dead letters were written',
  );

  const secrets = {
    API_KEY,
    WRONG_API_KEY,
    HEC_TOKEN,
    WRONG_HEC_TOKEN,
    SASL_PASSWORD: broker!.user.password,
    WRONG_SASL_PASSWORD,
    KEY_PASSWORD,
  };
  const leaks: string[] = [];
  for (const { label, text } of outputs) {
    for (const [name, secret] of Object.entries(secrets)) {
      for (const form of forms(secret))
        if (text.includes(form)) leaks.push(`${name} (${form === secret ? 'plain' : form}) in ${label}`);
    }
  }
  assert.deepEqual(
    leaks,
    [],
    `${outputs.length} outputs, ${outputs.reduce((n, o) => n + o.text.length, 0)} characters checked`,
  );
});
