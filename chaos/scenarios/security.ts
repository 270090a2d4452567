import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { DEFAULT_HEC_TOKEN, startHecReceiver } from '../../test/support/hec-receiver';
import { readTopics } from '../../test/support/kafka-broker';
import { type ForwarderProcess, runCli, startCli, writeConfig } from '../../test/support/forwarder';
import {
  forwarderConfig,
  freePort,
  offeredIds,
  quiesce,
  scenarioDir,
  sleep,
  tail,
  tally,
  waitForDelivery,
  type ChaosContext,
  type Scenario,
} from '../support/harness';
import { check, newRow, type Row } from '../support/report';
import { makeSinks } from '../support/sinks';

/**
 * Scenario 7: security. (a) The API key, the HEC token and the Kafka SASL password — given
 * through an environment variable and *_file secrets — appear nowhere in what a run produces
 * (stdout, stderr at debug level, the dead-letter file, the checkpoint, `checkpoint show`,
 * `validate`, /metrics, /healthz, /readyz, the delivered events), even while each credential
 * is being refused; (b) TLS fails closed against an untrusted certificate for HEC, syslog and
 * Kafka unless verify: false, which warns; (c) data files are owner-only even under umask 0;
 * (d) the config refuses http:// for a non-loopback API URL unless explicitly allowed.
 */

/** Every form a secret takes on the wire or in a log line, and a fragment of it. */
function forms(secret: string): string[] {
  return [
    secret,
    Buffer.from(secret).toString('base64'),
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
    secret.slice(8, 24),
  ];
}

function leaks(haystacks: Record<string, string>, secrets: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [name, secret] of Object.entries(secrets)) {
    for (const form of forms(secret)) {
      for (const [where, text] of Object.entries(haystacks))
        if (text.includes(form)) found.push(`${name} in ${where}`);
    }
  }
  return [...new Set(found)];
}

async function scrape(port: number, into: Record<string, string>, label: string): Promise<void> {
  for (const path of ['/metrics', '/healthz', '/readyz']) {
    into[`${path} (${label})`] = await fetch(`http://127.0.0.1:${port}${path}`).then(
      (r) => r.text(),
      () => '',
    );
  }
}

function filesUnder(dir: string, skip: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (skip.has(p)) continue;
      if (statSync(p).isDirectory()) walk(p);
      else out[p] = readFileSync(p, 'latin1');
    }
  };
  walk(dir);
  return out;
}

async function secrets(ctx: ChaosContext): Promise<Row[]> {
  const row = newRow('7a. secrets never leak (key, HEC token, SASL password)');
  const modes = newRow('7c. data files owner-only (umask 0)');
  const dir = scenarioDir('security');
  const apiKey = `sk-ant-api01-chaos${randomBytes(18).toString('hex')}`;
  const hecToken = randomUUID();
  const broker = ctx.servers.kafka;
  const secretValues: Record<string, string> = { 'API key': apiKey, 'HEC token': hecToken };
  if (broker) secretValues['SASL password'] = broker.user.password;
  const sim: SimulatorHandle = await startSimulator({
    seed: 700,
    keys: [apiKey],
    backlog: 300,
    backlogWindowMs: 3600_000,
    rate: 5,
  });
  // One activity HEC must refuse (413): the dead-letter file is part of what is grepped.
  sim.append([
    { ...sim.allActivities()[0], id: 'activity_01SECRETDEADLETTER00000000', note: 'x'.repeat(1_100_000) },
  ]);
  const set = await makeSinks({
    servers: ctx.servers,
    dir,
    tag: `security-${Date.now()}`,
    kinds: broker ? ['file', 'hec', 'kafka'] : ['file', 'hec'],
    hecToken,
  });
  const secretFiles = new Set<string>();
  const secretFile = (name: string, value: string): string => {
    const p = join(dir, name);
    writeFileSync(p, `${value}\n`, { mode: 0o600 });
    secretFiles.add(p);
    return p;
  };
  const hec = set.config.splunk;
  delete hec.token;
  hec.token_file = secretFile('hec-token', hecToken);
  if (broker) {
    Object.assign(set.config.kafka, {
      brokers: [broker.saslPlaintext],
      sasl: {
        mechanism: 'scram-sha-512',
        username: broker.user.username,
        password_file: secretFile('kafka-password', broker.user.password),
      },
    });
  }
  const metricsPort = await freePort();
  const cfg = await forwarderConfig({ sim, dir, sinks: set.config, metricsPort, log: { level: 'debug' } });
  (cfg.source as Record<string, unknown>).api_key = '${CHAOS_API_KEY}';
  const config = writeConfig(dir, cfg);
  const env = { CHAOS_API_KEY: apiKey };
  const outputs: Record<string, string> = {};
  let fwd: ForwarderProcess | undefined;
  const previousUmask = process.umask(0);
  try {
    fwd = startCli(['run', '-c', config], { from: 'built', env });
    process.umask(previousUmask);
    const file = set.get('file')!;
    while ((await file.count()) < 100 && fwd.running) await sleep(200);
    await scrape(metricsPort, outputs, 'running');
    sim.revokeKey(apiKey);
    await sleep(3000);
    await scrape(metricsPort, outputs, 'key revoked');
    sim.restoreKey(apiKey);
    set.hec!.setToken(hecToken, undefined);
    await sleep(3000);
    await scrape(metricsPort, outputs, 'token refused');
    set.hec!.setToken(hecToken, { acks: true });
    const cutoff = await quiesce(sim);
    const expected = offeredIds(sim, cutoff).filter((id) => id !== 'activity_01SECRETDEADLETTER00000000');
    await waitForDelivery(set, expected, { timeoutMs: 120_000, forwarder: fwd });
    await scrape(metricsPort, outputs, 'caught up');
    const exit = await fwd.stop();
    check(row, exit.code === 0, `did not stop cleanly: ${exit.code ?? exit.signal}: ${tail(fwd.stderr())}`);
    outputs['forwarder stdout'] = fwd.stdout();
    outputs['forwarder stderr (debug)'] = fwd.stderr();
    // A secret in output the harness dropped would go unseen.
    check(
      row,
      fwd.droppedOutputChars() === 0,
      `${fwd.droppedOutputChars()} characters of output not kept for the grep`,
    );
    row.peakRssMb = fwd.peakRssMb();
    await tally(row, set, expected);

    // A run refused at start-up, while HEC refuses the token: its error message is grepped too.
    set.hec!.setToken(hecToken, undefined);
    const refused = await runCli(['run', '--once', '-c', config], { from: 'built', env, timeoutMs: 90_000 });
    set.hec!.setToken(hecToken, { acks: true });
    outputs['refused start (stderr)'] = refused.stderr;
    outputs['refused start (stdout)'] = refused.stdout;
    for (const args of [['checkpoint', 'show'], ['checkpoint', 'show', '--json'], ['validate']]) {
      const r = await runCli([...args, '-c', config], { from: 'built', env, timeoutMs: 60_000 });
      outputs[args.join(' ')] = r.stdout + r.stderr;
      check(row, r.code === 0, `${args.join(' ')} exited ${r.code}: ${tail(r.stderr, 3)}`);
    }
    if (broker)
      outputs['kafka topic'] = (await readTopics(broker.plaintext, [String(set.config.kafka.topic)], 60_000))
        .map((m) => `${m.key} ${m.value} ${JSON.stringify(m.headers)}`)
        .join('\n');
    Object.assign(outputs, filesUnder(dir, secretFiles));
    const dead = outputs[join(dir, 'data', 'dead-letter.jsonl')] ?? '';
    check(
      row,
      dead.includes('SECRETDEADLETTER'),
      'the dead-letter file has no entry to grep (HEC did not refuse the 1 MB activity)',
    );
    const bytes = Object.values(outputs).reduce((n, t) => n + t.length, 0);
    const found = leaks(outputs, secretValues);
    check(row, found.length === 0, `secrets leaked: ${found.join('; ')}`);
    // The grep means something only if the credentials were exercised and refused meanwhile.
    const stderr = outputs['forwarder stderr (debug)'];
    check(row, /401/.test(stderr), 'no refused API key was logged: the revocation did not happen');
    check(
      row,
      /token/i.test(stderr) && /(403|401|refused|invalid)/i.test(stderr),
      'no refused HEC token was logged',
    );
    row.notes.push(
      `grepped ${Object.keys(outputs).length} outputs (${(bytes / 1e6).toFixed(1)} MB: logs at debug, /metrics /healthz /readyz ×4, checkpoint show, validate, dead-letter, checkpoint, delivered events) for ${Object.keys(secretValues).length} secrets × 5 forms (plain, base64, URL-encoded, JSON-escaped, a 16-char fragment), while the key and the token were refused: ${found.length} found`,
    );

    // 7c: created by that run under umask 0.
    const wantFile = [
      join(dir, 'data', 'checkpoint.json'),
      join(dir, 'data', 'dead-letter.jsonl'),
      String(set.config.archive.path),
    ];
    const wantDir = [join(dir, 'data'), join(dir, 'archive')];
    const mode = (p: string): string => (statSync(p).mode & 0o777).toString(8);
    for (const p of wantFile) check(modes, mode(p) === '600', `${p} has mode ${mode(p)}, expected 600`);
    for (const p of wantDir) check(modes, mode(p) === '700', `${p} has mode ${mode(p)}, expected 700`);
    modes.notes.push(
      `under umask 000: ${wantFile.map((p) => `${p.split('/').pop()} ${mode(p)}`).join(', ')}; ${wantDir.map((p) => `${p.split('/').pop()}/ ${mode(p)}`).join(', ')}`,
    );
  } finally {
    process.umask(previousUmask);
    await fwd?.kill9();
    await set.close();
    await sim.close();
  }
  return [row, modes];
}

/** One TLS destination: untrusted CA → nothing delivered; verify: false → delivered with a warning. */
async function tlsFailsClosed(ctx: ChaosContext): Promise<Row> {
  const row = newRow('7b. TLS fails closed (HEC, syslog, Kafka)');
  const dir = scenarioDir('tls');
  const certs = ctx.servers.certs;
  const sim = await startSimulator({ seed: 710, backlog: 50, backlogWindowMs: 3600_000, selfEvents: false });
  const hec = await startHecReceiver({
    tls: { certFile: certs.certFile, keyFile: certs.keyFile },
    tokens: { [DEFAULT_HEC_TOKEN]: {} },
  });
  try {
    interface Target {
      readonly name: string;
      sink(tls: Record<string, unknown>): Record<string, unknown>;
      count(): Promise<number>;
      readonly otherCa: string;
    }
    const targets: Target[] = [
      {
        name: 'HEC',
        sink: (tls) => ({
          type: 'splunk_hec',
          endpoint: hec.url,
          token: DEFAULT_HEC_TOKEN,
          format: 'raw',
          tls,
          retry: { initial_backoff: '100ms', max_backoff: '1s' },
        }),
        count: async () => hec.events().length,
        otherCa: certs.otherCaFile,
      },
    ];
    const rsyslog = ctx.servers.rsyslog;
    if (rsyslog) {
      const hostname = `tls-${Date.now()}.chaos.example`;
      targets.push({
        name: 'syslog',
        sink: (tls) => ({
          type: 'syslog',
          address: `127.0.0.1:${rsyslog.ports.tls}`,
          transport: 'tls',
          hostname,
          tls,
          retry: { initial_backoff: '100ms', max_backoff: '1s' },
        }),
        count: async () => rsyslog.messages('tls').filter((m) => m.hostname === hostname).length,
        otherCa: certs.otherCaFile,
      });
    } else row.delivered.syslog = ctx.servers.unavailable.syslog ?? 'n/a';
    const broker = ctx.servers.kafka;
    if (broker?.ssl && broker.certs) {
      const topic = `chaos-tls-${Date.now()}`;
      await broker.createTopic(topic, { partitions: 1 });
      const client = { cert_file: broker.certs.clientCertFile, key_file: broker.certs.clientKeyFile };
      targets.push({
        name: 'Kafka',
        sink: (tls) => ({
          type: 'kafka',
          brokers: [broker.ssl],
          topic,
          format: 'raw',
          tls: { ...client, ...tls },
        }),
        count: async () => (await readTopics(broker.plaintext, [topic], 30_000)).length,
        otherCa: broker.certs.otherCaFile,
      });
    } else row.delivered.kafka = ctx.servers.unavailable.kafka ?? 'n/a';
    const trusted: Record<string, string> = {
      HEC: certs.caFile,
      syslog: certs.caFile,
      Kafka: broker?.certs?.caFile ?? '',
    };
    for (const t of targets) {
      const kind = t.name === 'HEC' ? 'hec' : t.name === 'syslog' ? 'syslog' : 'kafka';
      const variants = [
        ['untrusted CA', { ca_file: t.otherCa }],
        ['verify: false', { verify: false }],
        ['trusted CA', { ca_file: trusted[t.name] }],
      ] as const;
      // The reduced run leaves out the trusted-CA control (each sink's own tests have it).
      for (const [label, tls] of ctx.full ? variants : variants.slice(0, 2)) {
        const sub = join(dir, `${t.name}-${label.replace(/\W+/g, '-')}`);
        const before = await t.count();
        const config = writeConfig(
          dir,
          await forwarderConfig({ sim, dir: sub, sinks: { out: t.sink(tls) }, source: { start_at: '2h' } }),
          `${t.name}-${label.replace(/\W+/g, '-')}.yaml`,
        );
        const r = await runCli(['run', '--once', '-c', config], { from: 'built', timeoutMs: 45_000 });
        const delivered = (await t.count()) - before;
        const warned = /TLS certificate verification is OFF/.test(r.stderr);
        if (label === 'untrusted CA') {
          check(
            row,
            delivered === 0,
            `${t.name}: ${delivered} events delivered to a server whose certificate is not trusted`,
          );
          check(row, r.code !== 0, `${t.name}: run --once exited 0 against an untrusted certificate`);
          const said =
            r.stderr.split('\n').find((l) => /certificate|self.signed|unable to verify|CERT/i.test(l)) ?? '';
          check(
            row,
            said !== '',
            `${t.name}: the error does not mention the certificate: ${tail(r.stderr, 3)}`,
          );
          row.notes.push(
            `${t.name}, untrusted CA: exit ${r.code ?? r.signal}, 0 delivered: "${said.replace(/^claude-audit-forwarder: /, '').slice(0, 130)}…"`,
          );
        } else {
          check(
            row,
            r.code === 0 && delivered >= 50,
            `${t.name} with ${label}: exit ${r.code}, ${delivered} delivered: ${tail(r.stderr, 3)}`,
          );
          check(
            row,
            warned === (label === 'verify: false'),
            `${t.name} with ${label}: ${warned ? 'warned' : 'did not warn'} about verification being off`,
          );
        }
      }
      row.delivered[kind] = 'fail-closed ok';
    }
    row.notes.push(
      `verify: false delivered and logged "TLS certificate verification is OFF"${ctx.full ? '; the trusted CA delivered without that warning' : ''}`,
    );
  } finally {
    await hec.stop();
    await sim.close();
  }
  return row;
}

async function insecureHttpRefused(): Promise<Row> {
  const row = newRow('7d. http:// refused for a non-loopback API URL');
  const dir = scenarioDir('http');
  const cases: Array<[string, Record<string, unknown>, number]> = [
    ['http://api.example.com', {}, 2],
    ['http://10.0.0.8:8080', {}, 2],
    ['http://api.example.com', { allow_insecure_http: true }, 0],
    ['https://api.example.com', {}, 0],
    ['http://127.0.0.1:8787', {}, 0],
    ['http://[::1]:8787', {}, 0],
  ];
  for (const [i, [url, extra, want]] of cases.entries()) {
    const config = writeConfig(
      dir,
      {
        source: { base_url: url, api_key: 'sk-ant-api01-validate-only', ...extra },
        sinks: { archive: { type: 'file', path: join(dir, 'e.jsonl') } },
      },
      `c${i}.yaml`,
    );
    const r = await runCli(['validate', '-c', config], { from: 'built', timeoutMs: 60_000 });
    check(
      row,
      r.code === want,
      `${url}${extra.allow_insecure_http ? ' (allow_insecure_http)' : ''}: validate exited ${r.code}, expected ${want}: ${tail(r.stderr, 2)}`,
    );
    if (want === 2) {
      check(
        row,
        /source\.base_url/.test(r.stderr) && /https/.test(r.stderr),
        `${url}: the message does not name source.base_url and the fix`,
      );
      if (i === 0)
        row.notes.push(
          `exit 2: "${r.stderr
            .trim()
            .replace(/^claude-audit-forwarder: /, '')
            .slice(0, 160)}"`,
        );
    }
  }
  row.notes.push(
    `${cases.length} URLs: plain http to a remote host refused (exit 2) unless allow_insecure_http; https and loopback accepted`,
  );
  return row;
}

export const security: Scenario = {
  id: 'security',
  title: 'security: secrets, TLS fails closed, file modes, http refused',
  needs: { syslog: true, kafka: true },
  async run(ctx) {
    const [secretsRow, modesRow] = await secrets(ctx);
    return [secretsRow, await tlsFailsClosed(ctx), modesRow, await insecureHttpRefused()];
  },
};
