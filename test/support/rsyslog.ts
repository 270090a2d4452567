import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DaemonProcess,
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
 * A real rsyslogd (Debian's package, GnuTLS driver) run by a test as a child process with
 * its own config and work directory, listening on loopback ports chosen here. Every
 * listener writes what rsyslog parsed — header fields, structured data (mmpstrucdata),
 * MSG and the raw message — as JSON lines to its own file.
 *
 * rsyslog accepts octet-counted and LF-framed messages on the same TCP port and both RFC
 * 5424 and RFC 3164, so one `tcp` listener serves every framing and format.
 */

export const RSYSLOG_INSTALL_HINT = `run "sudo bash ${SYSLOG_CI_SCRIPT}" (installs rsyslog and rsyslog-gnutls from Debian)`;

export interface RsyslogOptions {
  readonly listeners: readonly SyslogListenerSpec[];
  /** Needed when a listener uses TLS. */
  readonly tls?: SyslogTlsFiles;
  /** rsyslog's own default is 8 KiB; the sink's TCP default is 64 KiB. */
  readonly maxMessageSize?: number;
  /**
   * Benchmarks: write one short line per message (its MSGID) instead of parsing and
   * writing everything, so the receiver takes as little CPU as it can. `messages()` then
   * has nothing to return; count the lines of `outputFile()`.
   */
  readonly minimal?: boolean;
}

function rsyslogAvailable(): boolean {
  const r = spawnSync('rsyslogd', ['-v'], { encoding: 'utf8' });
  return r.status === 0 && /rsyslogd\s+8\./.test(r.stdout);
}

function q(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const TEMPLATE = `template(name="caf_json" type="list") {
  constant(value="{")
  property(outname="listener" name="inputname" format="jsonf") constant(value=",")
  property(outname="pri" name="pri" format="jsonf") constant(value=",")
  property(outname="timestamp" name="timereported" dateFormat="rfc3339" format="jsonf") constant(value=",")
  property(outname="hostname" name="hostname" format="jsonf") constant(value=",")
  property(outname="app_name" name="app-name" format="jsonf") constant(value=",")
  property(outname="procid" name="procid" format="jsonf") constant(value=",")
  property(outname="msgid" name="msgid" format="jsonf") constant(value=",")
  property(outname="structured_data" name="structured-data" format="jsonf") constant(value=",")
  property(outname="parsed" name="$!" format="jsonf") constant(value=",")
  property(outname="msg" name="msg" format="jsonf") constant(value=",")
  property(outname="raw" name="rawmsg" format="jsonf")
  constant(value="}\\n")
}`;

interface RsyslogLine {
  listener: string;
  pri: string;
  timestamp: string;
  hostname: string;
  app_name: string;
  procid: string;
  msgid: string;
  structured_data: string;
  parsed: string;
  msg: string;
  raw: string;
}

export class RsyslogServer {
  private readonly daemon: DaemonProcess;
  readonly dir: string;
  private readonly confFile: string;

  private constructor(
    readonly ports: Readonly<Record<string, number>>,
    private readonly options: RsyslogOptions,
    dir: string,
  ) {
    this.dir = dir;
    this.confFile = join(dir, 'rsyslog.conf');
    mkdirSync(join(dir, 'work'), { recursive: true });
    writeFileSync(this.confFile, this.config());
    this.daemon = new DaemonProcess(
      'rsyslogd',
      ['-n', '-f', this.confFile, '-i', join(dir, 'rsyslogd.pid')],
      join(dir, 'rsyslogd.log'),
    );
  }

  /** Starts rsyslogd and waits until every listener is bound. Throws if it cannot. */
  static async start(options: RsyslogOptions): Promise<RsyslogServer> {
    ensureInstalled(rsyslogAvailable);
    if (!rsyslogAvailable()) throw new Error('rsyslogd 8.x is not installed');
    if (options.listeners.some((l) => l.transport === 'tls') && !options.tls)
      throw new Error('a TLS listener needs options.tls');
    const dir = mkdtempSync(join(tmpdir(), 'caf-rsyslog-'));
    const server = new RsyslogServer(await allocatePorts(options.listeners), options, dir);
    const check = spawnSync('rsyslogd', ['-N1', '-f', server.confFile], { encoding: 'utf8' });
    if (check.status !== 0)
      throw new Error(`rsyslog rejected the generated config: ${check.stderr || check.stdout}`);
    await server.launch();
    return server;
  }

  private config(): string {
    const { tls, maxMessageSize } = this.options;
    const global = [
      `workDirectory=${q(join(this.dir, 'work'))}`,
      `maxMessageSize="${maxMessageSize ?? 256 * 1024}"`,
      'net.enableDNS="off"',
    ];
    if (tls) {
      global.push(
        `defaultNetstreamDriverCAFile=${q(tls.caFile)}`,
        `defaultNetstreamDriverCertFile=${q(tls.certFile)}`,
        `defaultNetstreamDriverKeyFile=${q(tls.keyFile)}`,
      );
    }
    const lines = [
      `global(${global.join(' ')})`,
      // rsyslog discards what is still queued 1.5 s into a shutdown; a restart in a test
      // must only lose what the network lost, so let it finish writing.
      'main_queue(queue.timeoutShutdown="60000" queue.timeoutActionCompletion="60000")',
      'module(load="mmpstrucdata")',
      TEMPLATE,
      'template(name="caf_minimal" type="string" string="%msgid%\\n")',
    ];
    // rsyslog refuses a loaded input module without listeners.
    if (this.options.listeners.some((l) => l.transport !== 'udp'))
      lines.push('module(load="imtcp" maxSessions="1000")');
    if (this.options.listeners.some((l) => l.transport === 'udp')) lines.push('module(load="imudp")');
    for (const l of this.options.listeners) {
      const port = this.ports[l.name];
      const file = join(this.dir, `${l.name}.jsonl`);
      lines.push(
        `ruleset(name=${q(`r_${l.name}`)}) {`,
        ...(this.options.minimal
          ? [
              `  action(type="omfile" file=${q(file)} template="caf_minimal" flushOnTXEnd="on" ioBufferSize="1m")`,
            ]
          : [
              '  action(type="mmpstrucdata")',
              `  action(type="omfile" file=${q(file)} template="caf_json" flushOnTXEnd="on")`,
            ]),
        '}',
      );
      const common = `port="${port}" address="127.0.0.1" name=${q(l.name)} ruleset=${q(`r_${l.name}`)}`;
      if (l.transport === 'udp') lines.push(`input(type="imudp" ${common})`);
      else if (l.transport === 'tcp') lines.push(`input(type="imtcp" ${common})`);
      else {
        const auth = l.mutualTls ? 'x509/certvalid' : 'anon';
        lines.push(
          `input(type="imtcp" ${common} streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="${auth}")`,
        );
      }
    }
    return lines.join('\n') + '\n';
  }

  private async launch(): Promise<void> {
    // A SIGKILLed rsyslogd leaves its pid file behind, and a new one refuses to start.
    rmSync(join(this.dir, 'rsyslogd.pid'), { force: true });
    this.daemon.start();
    try {
      await waitUntil(
        'rsyslogd to bind its listeners',
        () => {
          if (!this.daemon.running) throw new Error(`rsyslogd ${this.daemon.describeExit()}`);
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

  get pid(): number | undefined {
    return this.daemon.pid;
  }

  /** The file a listener writes to. */
  outputFile(listener: string): string {
    return join(this.dir, `${listener}.jsonl`);
  }

  /** Everything the listener(s) parsed so far, in arrival order. */
  messages(listener?: string): ReceivedSyslogMessage[] {
    const names = listener ? [listener] : this.options.listeners.map((l) => l.name);
    return names.flatMap((name) => (readJsonLines(this.outputFile(name)) as RsyslogLine[]).map(toReceived));
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
        `${count} messages in rsyslog`,
        () => (found = select()).length >= count,
        opts.timeoutMs ?? 15_000,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message} (have ${found.length})`, { cause: err });
    }
    return found;
  }

  /** Stops (SIGTERM, as on a service restart) and starts again on the same ports. */
  async restart(opts: { signal?: NodeJS.Signals; downMs?: number } = {}): Promise<void> {
    await this.daemon.stop(opts.signal ?? 'SIGTERM', 60_000);
    if (opts.downMs) await new Promise((r) => setTimeout(r, opts.downMs));
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.daemon.stop();
  }

  /** Stops and deletes the work directory. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function toReceived(line: RsyslogLine): ReceivedSyslogMessage {
  let sd: Record<string, Record<string, string>> = {};
  if (line.parsed) {
    const parsed = JSON.parse(line.parsed) as { 'rfc5424-sd'?: Record<string, Record<string, string>> };
    sd = parsed['rfc5424-sd'] ?? {};
  }
  return {
    listener: line.listener,
    pri: Number(line.pri),
    timestamp: line.timestamp,
    hostname: line.hostname,
    appName: line.app_name,
    procid: line.procid,
    msgid: line.msgid,
    sd,
    msg: line.msg,
    raw: line.raw,
  };
}

/** For `startOrSkip`: starts rsyslog with the listeners given. */
export function startRsyslog(options: RsyslogOptions): Promise<RsyslogServer> {
  return RsyslogServer.start(options);
}
