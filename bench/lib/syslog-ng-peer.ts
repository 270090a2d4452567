import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaemonProcess, REPO_ROOT } from '../../test/support/syslog-receiver';

/**
 * syslog-ng as the peer the forwarder is compared with: it reads the same activities as
 * JSON lines from a file and forwards them the way a syslog-ng user would, doing the same
 * per-event work the forwarder does (parse the JSON, take id / type / actor / org / time from
 * it, build the RFC 5424 header and structured data, or the HEC envelope):
 *   - `syslog`: the syslog() destination (RFC 5424, octet counting over TCP);
 *   - `hec`: the http() destination (syslog-ng-mod-http) posting HEC envelopes in batches.
 * Debian's packages, extracted into .cache/syslog-ng/ by scripts/ci/bench.sh.
 */
export const SYSLOG_NG_ROOT = process.env.SYSLOG_NG_ROOT ?? join(REPO_ROOT, '.cache', 'syslog-ng', 'root');
const BINARY = join(SYSLOG_NG_ROOT, 'usr', 'sbin', 'syslog-ng');
const LIB_DIR = join(SYSLOG_NG_ROOT, 'usr', 'lib', 'syslog-ng');

function moduleDir(): string {
  const version = existsSync(LIB_DIR) ? readdirSync(LIB_DIR).find((d) => /^\d+\.\d+$/.test(d)) : undefined;
  return join(LIB_DIR, version ?? '3.38');
}

function env(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    LD_LIBRARY_PATH: [LIB_DIR, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
  };
}

/** Whether syslog-ng and its http() module are there (else: run scripts/ci/bench.sh). */
export function syslogNgPeerAvailable(): boolean {
  if (!existsSync(BINARY) || !existsSync(join(moduleDir(), 'libhttp.so'))) return false;
  return spawnSync(BINARY, ['--version'], { env: env(), encoding: 'utf8' }).status === 0;
}

export function syslogNgVersion(): string {
  const out = spawnSync(BINARY, ['--version'], { env: env(), encoding: 'utf8' }).stdout ?? '';
  return /syslog-ng \S+ \(([^)]+)\)/.exec(out)?.[1] ?? out.split('\n')[0];
}

export type PeerTarget =
  | { readonly kind: 'syslog'; readonly port: number }
  | {
      readonly kind: 'hec';
      readonly url: string;
      readonly token: string;
      readonly batchLines: number;
      readonly workers: number;
    };

function q(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function config(input: string, target: PeerTarget): string {
  const sd = '.SDATA.claude@32473';
  const lines = [
    '@version: 3.38',
    'options { keep-hostname(yes); use-dns(no); dns-cache(no); stats-freq(0); log-msg-size(262144); log-fifo-size(100000); };',
    // no-parse: the whole line is MESSAGE; large fetch and window sizes so the file source
    // is not what limits the rate.
    `source s_activities { file(${q(input)} flags(no-parse) follow-freq(1) log-fetch-limit(1000) log-iw-size(100000)); };`,
    'parser p_activity {',
    '  json-parser(prefix(".j."));',
    '  date-parser(format("%Y-%m-%dT%H:%M:%S.%f%z") template("${.j.created_at}"));',
    '};',
  ];
  if (target.kind === 'syslog') {
    lines.push(
      'rewrite r_header {',
      '  set("claude-audit-forwarder" value("PROGRAM")); set("${.j.type}" value("MSGID"));',
      `  set("\${.j.id}" value("${sd}.id")); set("\${.j.type}" value("${sd}.type")); set("\${.j.actor.type}" value("${sd}.actor_type"));`,
      `  set("\${.j.actor.email_address}" value("${sd}.actor") condition("\${.j.actor.email_address}" ne ""));`,
      `  set("\${.j.actor.ip_address}" value("${sd}.src_ip") condition("\${.j.actor.ip_address}" ne ""));`,
      `  set("\${.j.organization_id}" value("${sd}.org") condition("\${.j.organization_id}" ne ""));`,
      '};',
      `destination d_peer { syslog("127.0.0.1" port(${target.port}) transport("tcp")); };`,
      'log { source(s_activities); parser(p_activity); rewrite(r_header); destination(d_peer); flags(flow-control); };',
    );
  } else {
    // The same envelope the forwarder's splunk_hec sink sends (raw format, no compression:
    // syslog-ng 3.38's http() has none).
    const body =
      '{"time":${S_UNIXTIME}.${S_MSEC},"host":"${HOST}","sourcetype":"anthropic:claude:compliance",' +
      '"fields":{"event_id":"${.j.id}","activity_type":"${.j.type}"},"event":${MESSAGE}}';
    lines.push(
      'destination d_peer {',
      `  http(url(${q(`${target.url}/services/collector/event`)}) method("POST")`,
      `    headers(${q(`Authorization: Splunk ${target.token}`)}, "Content-Type: application/json")`,
      `    body(${q(body)}) delimiter("\\n")`,
      `    batch-lines(${target.batchLines}) batch-bytes(1000000) batch-timeout(1000) workers(${target.workers}));`,
      '};',
      'log { source(s_activities); parser(p_activity); destination(d_peer); flags(flow-control); };',
    );
  }
  return lines.join('\n') + '\n';
}

export class SyslogNgPeer {
  private readonly daemon: DaemonProcess;

  private constructor(
    readonly dir: string,
    input: string,
    target: PeerTarget,
  ) {
    const conf = join(dir, 'syslog-ng.conf');
    writeFileSync(conf, config(input, target));
    const check = spawnSync(BINARY, ['--syntax-only', `--module-path=${moduleDir()}`, `--cfgfile=${conf}`], {
      env: env(),
      encoding: 'utf8',
    });
    if (check.status !== 0)
      throw new Error(`syslog-ng rejected the bench config: ${check.stderr || check.stdout}`);
    this.daemon = new DaemonProcess(
      BINARY,
      [
        '-F',
        '-e',
        '--no-caps',
        `--module-path=${moduleDir()}`,
        `--cfgfile=${conf}`,
        `--persist-file=${join(dir, 'persist')}`,
        `--pidfile=${join(dir, 'pid')}`,
        `--control=${join(dir, 'ctl')}`,
      ],
      join(dir, 'syslog-ng.log'),
      env(),
    );
  }

  /** Writes the config; `start()` launches (the clock starts there). */
  static prepare(input: string, target: PeerTarget): SyslogNgPeer {
    return new SyslogNgPeer(mkdtempSync(join(tmpdir(), 'caf-bench-syslog-ng-')), input, target);
  }

  start(): void {
    this.daemon.start();
  }

  get pid(): number | undefined {
    return this.daemon.pid;
  }

  failure(): string | undefined {
    return this.daemon.running ? undefined : `syslog-ng ${this.daemon.describeExit()}`;
  }

  async dispose(): Promise<void> {
    await this.daemon.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
