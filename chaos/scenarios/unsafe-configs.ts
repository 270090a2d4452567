import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { runCli, writeConfig } from '../../test/support/forwarder';
import { forwarderConfig, scenarioDir, tail, type ChaosContext, type Scenario } from '../support/harness';
import { check, newRow, type Row } from '../support/report';
import { makeSinks } from '../support/sinks';

/**
 * Scenario 8: unsafe configs (issue #15). (a) Each unsafe config — plaintext to another host
 * without allow_plaintext, credentials in a URL, a secret YAML reads as an alias, a secret
 * too short to redact, a symbolic link where a data file belongs, an unreadable TLS file — is
 * refused with exit 2 by both `validate` and `run`, naming the field, before anything
 * starts: the API gets no request, no file is written, no secret is printed. (b) Links
 * planted in the data directory at every temp name the checkpoint used to take catch
 * nothing: a full run writes nothing outside the directory.
 */

const OUTSIDE = 'a file outside the data directory\n';
const PASSWORD = 'chaos-Scram-Password-0815';
const HEC_TOKEN = 'chaos-hec-token-5f1e2d';
const URL_PASSWORD = 'chaos-url-secret-4471';
const ALIAS_SECRET = 'chaosAliasSecret9';

interface UnsafeCase {
  readonly name: string;
  /** Changes to the base config; may plant files. */
  readonly apply: (config: Record<string, unknown>, data: string, outside: string) => void;
  /** The YAML text, when the case is a YAML problem. */
  readonly yaml?: string;
  /** The start of the one line both commands print after "config error: ". */
  readonly field: string;
  readonly secrets: readonly string[];
}

const sinksOf = (c: Record<string, unknown>): Record<string, unknown> => c.sinks as Record<string, unknown>;

const CASES: readonly UnsafeCase[] = [
  {
    name: 'Kafka with SASL, no TLS, remote brokers',
    apply: (c) =>
      (sinksOf(c).unsafe = {
        type: 'kafka',
        brokers: ['kafka-1.example.com:9092'],
        topic: 'audit',
        sasl: { mechanism: 'scram-sha-512', username: 'fwd', password: PASSWORD },
      }),
    field: 'sinks.unsafe.tls',
    secrets: [PASSWORD],
  },
  {
    name: 'syslog over TCP to a remote host',
    apply: (c) => (sinksOf(c).unsafe = { type: 'syslog', address: 'siem.example.com:514', transport: 'tcp' }),
    field: 'sinks.unsafe.transport',
    secrets: [],
  },
  {
    name: 'syslog over UDP to a remote host',
    apply: (c) => (sinksOf(c).unsafe = { type: 'syslog', address: '10.1.2.3', transport: 'udp' }),
    field: 'sinks.unsafe.transport',
    secrets: [],
  },
  {
    name: 'http:// HEC to a remote host',
    apply: (c) =>
      (sinksOf(c).unsafe = {
        type: 'splunk_hec',
        endpoint: 'http://splunk.example.com:8088',
        token: HEC_TOKEN,
      }),
    field: 'sinks.unsafe.endpoint',
    secrets: [HEC_TOKEN],
  },
  {
    name: 'user:password@ in source.base_url',
    apply: (c) => {
      const source = c.source as { base_url: string };
      source.base_url = source.base_url.replace('http://', `http://svc:${URL_PASSWORD}@`);
    },
    field: 'source.base_url',
    secrets: [URL_PASSWORD],
  },
  {
    name: 'user:password@ in a HEC endpoint',
    apply: (c) =>
      (sinksOf(c).unsafe = {
        type: 'splunk_hec',
        endpoint: `https://svc:${URL_PASSWORD}@127.0.0.1:8088`,
        token: HEC_TOKEN,
      }),
    field: 'sinks.unsafe.endpoint',
    secrets: [URL_PASSWORD, HEC_TOKEN],
  },
  {
    name: 'a secret YAML reads as an alias',
    apply: () => undefined,
    yaml: `*${ALIAS_SECRET}`,
    field: '',
    secrets: [ALIAS_SECRET],
  },
  {
    name: 'a 4-character HEC token',
    apply: (c) =>
      (sinksOf(c).unsafe = { type: 'splunk_hec', endpoint: 'https://127.0.0.1:8088', token: 'Qx7u' }),
    field: 'sinks.unsafe.token',
    secrets: ['Qx7u'],
  },
  {
    name: 'a symbolic link as the checkpoint',
    apply: (_c, data, outside) => symlinkSync(outside, join(data, 'checkpoint.json')),
    field: 'checkpoint.path',
    secrets: [],
  },
  {
    name: 'a symbolic link as the dead-letter file',
    apply: (_c, data, outside) => symlinkSync(outside, join(data, 'dead-letter.jsonl')),
    field: 'dead_letter.path',
    secrets: [],
  },
  {
    name: 'a symbolic link as a file sink',
    apply: (_c, data, outside) => symlinkSync(outside, join(data, 'events.jsonl')),
    field: 'sinks.archive.path',
    secrets: [],
  },
  {
    name: 'an unreadable CA file',
    apply: (c, data) =>
      (sinksOf(c).unsafe = {
        type: 'syslog',
        address: '127.0.0.1:6514',
        tls: { ca_file: join(data, 'no-such-ca.pem') },
      }),
    field: 'sinks.unsafe.tls.ca_file',
    secrets: [],
  },
];

async function refusedBeforeStart(ctx: ChaosContext): Promise<Row> {
  const row = newRow('8a. unsafe configs refused (exit 2) by validate and run, nothing started');
  const sim: SimulatorHandle = await startSimulator({
    seed: 801,
    backlog: 50,
    backlogWindowMs: 3600_000,
    rate: 0,
  });
  try {
    const cases = ctx.full ? CASES : CASES.filter((_, i) => i % 2 === 0 || i >= CASES.length - 4);
    for (const [i, c] of cases.entries()) {
      const dir = scenarioDir(`unsafe-${i}`);
      const data = join(dir, 'data');
      mkdirSync(data);
      const outside = join(dir, 'outside.txt');
      writeFileSync(outside, OUTSIDE);
      const config = await forwarderConfig({
        sim,
        dir,
        sinks: { archive: { type: 'file', path: join(data, 'events.jsonl'), format: 'raw' } },
      });
      c.apply(config, data, outside);
      let path = writeConfig(dir, config);
      if (c.yaml) {
        const text = readFileSync(path, 'utf8').replace(/^(\s*api_key:).*$/m, `$1 ${c.yaml}`);
        writeFileSync(path, text);
        path = join(dir, 'config.yaml');
      }
      const requestsBefore = sim.requests().length;
      for (const command of ['validate', 'run']) {
        const r = await runCli(command === 'run' ? ['run', '--once', '-c', path] : ['validate', '-c', path], {
          from: 'built',
          timeoutMs: 60_000,
        });
        const lines = r.stderr.trim().split('\n');
        const said = lines[0] ?? '';
        check(
          row,
          r.code === 2,
          `${c.name}: ${command} exited ${r.code ?? r.signal}, expected 2: ${tail(r.stderr, 3)}`,
        );
        check(
          row,
          lines.length === 1 && said.startsWith(`claude-audit-forwarder: config error: ${c.field || path}`),
          `${c.name}: ${command} did not print one line naming ${c.field || 'the file'}: ${tail(r.stderr, 3)}`,
        );
        check(row, r.stdout === '', `${c.name}: ${command} printed on stdout: ${r.stdout.slice(0, 200)}`);
        for (const secret of c.secrets)
          check(row, !(r.stdout + r.stderr).includes(secret), `${c.name}: ${command} printed the secret`);
        if (i === 0 && command === 'run')
          row.notes.push(`"${said.replace(/^claude-audit-forwarder: /, '').slice(0, 170)}…"`);
      }
      check(
        row,
        sim.requests().length === requestsBefore,
        `${c.name}: the API was called ${sim.requests().length - requestsBefore} times before the refusal`,
      );
      const wrote = ['checkpoint.json', 'dead-letter.jsonl', 'events.jsonl'].filter(
        (f) => existsSync(join(data, f)) && !lstatSync(join(data, f)).isSymbolicLink(),
      );
      check(row, wrote.length === 0, `${c.name}: wrote ${wrote.join(', ')} before refusing`);
      check(
        row,
        readFileSync(outside, 'utf8') === OUTSIDE,
        `${c.name}: the file outside the data directory changed`,
      );
    }
    row.offered = 0;
    row.delivered.file = 'refused ok';
    row.notes.push(
      `${cases.length} unsafe configs × (validate, run --once): exit 2 with one line naming the field, no API request, no file written, no secret printed`,
    );
  } finally {
    await sim.close();
  }
  return row;
}

async function symlinksCatchNothing(ctx: ChaosContext): Promise<Row> {
  const row = newRow('8b. links planted in the data directory catch no write');
  const sim = await startSimulator({
    seed: 802,
    backlog: ctx.full ? 2000 : 200,
    backlogWindowMs: 3600_000,
    rate: 0,
    selfEvents: false,
  });
  try {
    const dir = scenarioDir('unsafe-links');
    const data = join(dir, 'data');
    mkdirSync(data);
    const outside = join(dir, 'outside.txt');
    writeFileSync(outside, OUTSIDE);
    // The child's pid is not known before it starts: cover the next few thousand, as an
    // attacker with write access to the directory could.
    const span = ctx.full ? 20_000 : 3_000;
    for (let pid = process.pid; pid < process.pid + span; pid++) {
      for (const kind of ['tmp', 'probe'])
        symlinkSync(outside, join(data, `.checkpoint.json.${pid}.${kind}`));
    }
    const set = await makeSinks({
      servers: ctx.servers,
      dir,
      tag: `unsafe-links-${Date.now()}`,
      kinds: ['file'],
    });
    const config = writeConfig(dir, await forwarderConfig({ sim, dir, sinks: set }));
    const r = await runCli(['run', '--once', '-c', config], { from: 'built', timeoutMs: 120_000 });
    row.peakRssMb = r.peakRssMb;
    check(row, r.code === 0, `run --once exited ${r.code ?? r.signal}: ${tail(r.stderr, 4)}`);
    check(
      row,
      readFileSync(outside, 'utf8') === OUTSIDE,
      'the file outside the data directory was overwritten through a planted link',
    );
    const checkpoint = join(data, 'checkpoint.json');
    check(
      row,
      existsSync(checkpoint) && !lstatSync(checkpoint).isSymbolicLink(),
      'no regular checkpoint file was written',
    );
    const expected = sim.allActivities().map((a) => a.id);
    const have = new Set(await set.get('file')!.ids());
    const lost = expected.filter((id) => !have.has(id));
    row.offered = expected.length;
    row.delivered.file = expected.length - lost.length;
    row.lost = lost.length;
    check(row, lost.length === 0, `${lost.length} activities never reached the file sink`);
    row.notes.push(
      `${2 * span} links at .checkpoint.json.<pid>.{tmp,probe} for the next ${span} pids: outside file untouched, checkpoint a regular file`,
    );
  } finally {
    await sim.close();
  }
  return row;
}

export const unsafeConfigs: Scenario = {
  id: 'unsafe-configs',
  title: 'unsafe configs: refused before anything starts; data-directory links catch nothing',
  needs: {},
  async run(ctx) {
    return [await refusedBeforeStart(ctx), await symlinksCatchNothing(ctx)];
  },
};
