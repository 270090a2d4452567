import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DaemonProcess,
  REPO_ROOT,
  SYSLOG_CI_SCRIPT,
  allocatePorts,
  ensureInstalled,
  portBound,
  readJsonLines,
  waitUntil,
  type ReceivedSyslogMessage,
  type SyslogListenerSpec,
  type SyslogTlsFiles,
} from './syslog-receiver';

/**
 * A real syslog-ng (Debian's syslog-ng-core, extracted into .cache/syslog-ng/ by
 * scripts/ci/syslog.sh because the package conflicts with rsyslog) run in the foreground
 * with its own config, persist file and control socket, listening on loopback ports chosen
 * here. Every listener writes what syslog-ng parsed as JSON lines to its own file.
 *
 * Unlike rsyslog, syslog-ng ties framing to the source driver: `syslog()` reads octet
 * counting only (it drops LF frames as "Invalid frame header"), `network()` reads LF only.
 * And it parses either RFC 5424 or RFC 3164 per source.
 */

export const SYSLOG_NG_INSTALL_HINT = `run "sudo bash ${SYSLOG_CI_SCRIPT}" (extracts syslog-ng-core into .cache/syslog-ng/)`;

const ROOT = process.env.SYSLOG_NG_ROOT ?? join(REPO_ROOT, '.cache', 'syslog-ng', 'root');
const BINARY = join(ROOT, 'usr', 'sbin', 'syslog-ng');
const LIB_DIR = join(ROOT, 'usr', 'lib', 'syslog-ng');

export interface SyslogNgListenerSpec extends SyslogListenerSpec {
  /** TCP only: `octet_counting` → syslog() source, `lf` → network() source. TLS is octet counting. */
  readonly framing?: 'octet_counting' | 'lf';
  /** LF listeners only: which header network() parses. Default rfc5424. */
  readonly protocol?: 'rfc5424' | 'rfc3164';
}

export interface SyslogNgOptions {
  readonly listeners: readonly SyslogNgListenerSpec[];
  readonly tls?: SyslogTlsFiles;
  readonly maxMessageSize?: number;
}

function env(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    LD_LIBRARY_PATH: [LIB_DIR, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
  };
}

function moduleDir(): string {
  const dirs = existsSync(LIB_DIR) ? spawnSync('ls', [LIB_DIR], { encoding: 'utf8' }).stdout.split('\n') : [];
  const version = dirs.find((d) => /^\d+\.\d+$/.test(d));
  return join(LIB_DIR, version ?? '3.38');
}

function syslogNgAvailable(): boolean {
  if (!existsSync(BINARY)) return false;
  return spawnSync(BINARY, ['--version'], { env: env(), encoding: 'utf8' }).status === 0;
}

function q(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

interface SyslogNgLine {
  listener: string;
  pri: string;
  isodate: string;
  HOST?: string;
  PROGRAM?: string;
  PID?: string;
  MSGID?: string;
  MESSAGE?: string;
  RAWMSG?: string;
  _SDATA?: Record<string, Record<string, string>>;
}

export class SyslogNgServer {
  private readonly daemon: DaemonProcess;
  private readonly confFile: string;

  private constructor(
    readonly ports: Readonly<Record<string, number>>,
    private readonly options: SyslogNgOptions,
    readonly dir: string,
  ) {
    this.confFile = join(dir, 'syslog-ng.conf');
    writeFileSync(this.confFile, this.config());
    this.daemon = new DaemonProcess(
      BINARY,
      [
        '-F',
        '-e',
        '--no-caps',
        `--module-path=${moduleDir()}`,
        `--cfgfile=${this.confFile}`,
        `--persist-file=${join(dir, 'syslog-ng.persist')}`,
        `--pidfile=${join(dir, 'syslog-ng.pid')}`,
        `--control=${join(dir, 'syslog-ng.ctl')}`,
      ],
      join(dir, 'syslog-ng.log'),
      env(),
    );
  }

  static async start(options: SyslogNgOptions): Promise<SyslogNgServer> {
    ensureInstalled(syslogNgAvailable);
    if (!syslogNgAvailable()) throw new Error(`syslog-ng is not extracted at ${ROOT}`);
    if (options.listeners.some((l) => l.transport === 'tls') && !options.tls)
      throw new Error('a TLS listener needs options.tls');
    const dir = mkdtempSync(join(tmpdir(), 'caf-syslog-ng-'));
    const server = new SyslogNgServer(await allocatePorts(options.listeners), options, dir);
    const check = spawnSync(
      BINARY,
      ['--syntax-only', `--module-path=${moduleDir()}`, `--cfgfile=${server.confFile}`],
      { env: env(), encoding: 'utf8' },
    );
    if (check.status !== 0)
      throw new Error(`syslog-ng rejected the generated config: ${check.stderr || check.stdout}`);
    await server.launch();
    return server;
  }

  private config(): string {
    const { tls, maxMessageSize } = this.options;
    const lines = [
      '@version: 3.38',
      `options { keep-hostname(yes); chain-hostnames(no); use-dns(no); dns-cache(no); use-fqdn(no); stats-freq(0); frac-digits(6); log-fifo-size(100000); log-msg-size(${maxMessageSize ?? 256 * 1024}); };`,
    ];
    for (const l of this.options.listeners) {
      const port = this.ports[l.name];
      // syslog() reads octet counting and parses RFC 5424, falling back to RFC 3164;
      // network() reads LF frames and parses RFC 3164 unless told `syslog-protocol`.
      const driver = l.transport === 'tcp' && l.framing === 'lf' ? 'network' : 'syslog';
      const flags = [
        'store-raw-message',
        ...(driver === 'network' && l.protocol !== 'rfc3164' ? ['syslog-protocol'] : []),
      ];
      let tlsPart = '';
      if (l.transport === 'tls' && tls) {
        const verify = l.mutualTls ? 'required-trusted' : 'optional-untrusted';
        tlsPart = ` tls(key-file(${q(tls.keyFile)}) cert-file(${q(tls.certFile)}) ca-file(${q(tls.caFile)}) peer-verify(${verify}))`;
      }
      lines.push(
        `source s_${l.name} { ${driver}(ip("127.0.0.1") port(${port}) transport(${q(l.transport)}) flags(${flags.join(', ')}) max-connections(10) log-iw-size(10000)${tlsPart}); };`,
        `destination d_${l.name} { file(${q(join(this.dir, `${l.name}.jsonl`))} template("$(format-json --scope rfc5424 --scope sdata --key RAWMSG listener=${l.name} pri=\${PRI} isodate=\${ISODATE})\\n")); };`,
        // flow-control: when the file writer lags, stop reading (as a SIEM relay would)
        // instead of dropping messages the test then misses.
        `log { source(s_${l.name}); destination(d_${l.name}); flags(flow-control); };`,
      );
    }
    return lines.join('\n') + '\n';
  }

  private async launch(): Promise<void> {
    rmSync(join(this.dir, 'syslog-ng.pid'), { force: true });
    this.daemon.start();
    try {
      await waitUntil(
        'syslog-ng to bind its listeners',
        () => {
          if (!this.daemon.running) throw new Error(`syslog-ng ${this.daemon.describeExit()}`);
          return this.options.listeners.every((l) =>
            portBound(this.ports[l.name], l.transport === 'udp' ? 'udp' : 'tcp'),
          );
        },
        15_000,
      );
    } catch (err) {
      await this.daemon.stop('SIGKILL');
      throw err;
    }
  }

  messages(listener?: string): ReceivedSyslogMessage[] {
    const names = listener ? [listener] : this.options.listeners.map((l) => l.name);
    return names.flatMap((name) =>
      (readJsonLines(join(this.dir, `${name}.jsonl`)) as SyslogNgLine[]).map(toReceived),
    );
  }

  async waitForMessages(
    count: number,
    opts: { listener?: string; timeoutMs?: number; filter?: (m: ReceivedSyslogMessage) => boolean } = {},
  ): Promise<ReceivedSyslogMessage[]> {
    let found: ReceivedSyslogMessage[] = [];
    const select = (): ReceivedSyslogMessage[] =>
      this.messages(opts.listener).filter(opts.filter ?? (() => true));
    try {
      await waitUntil(
        `${count} messages in syslog-ng`,
        () => (found = select()).length >= count,
        opts.timeoutMs ?? 15_000,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message} (have ${found.length})`, { cause: err });
    }
    return found;
  }

  /** syslog-ng's own log (parse errors such as "Invalid frame header" show up here). */
  log(): string {
    const path = join(this.dir, 'syslog-ng.log');
    return existsSync(path) ? readFileSync(path, 'utf8') : '';
  }

  async restart(opts: { signal?: NodeJS.Signals; downMs?: number } = {}): Promise<void> {
    await this.daemon.stop(opts.signal ?? 'SIGTERM');
    if (opts.downMs) await new Promise((r) => setTimeout(r, opts.downMs));
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.daemon.stop();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function toReceived(line: SyslogNgLine): ReceivedSyslogMessage {
  return {
    listener: line.listener,
    pri: Number(line.pri),
    timestamp: line.isodate,
    hostname: line.HOST ?? '',
    appName: line.PROGRAM ?? '',
    procid: line.PID ?? '',
    msgid: line.MSGID ?? '',
    sd: line._SDATA ?? {},
    msg: line.MESSAGE ?? '',
    raw: line.RAWMSG ?? '',
  };
}

export function startSyslogNg(options: SyslogNgOptions): Promise<SyslogNgServer> {
  return SyslogNgServer.start(options);
}
