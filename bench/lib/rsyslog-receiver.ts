import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/support/ports';
import { DaemonProcess, portBound, waitUntil } from '../../test/support/syslog-receiver';
import { LineCounter } from './line-counter';

/**
 * The syslog comparison's receiver: a real rsyslogd (imtcp, which reads octet counting),
 * writing each message's MSG as one line. Kept lean on purpose (no structured-data parsing,
 * no JSON template) so the receiver costs as little as it can of the CPU both senders share
 * with it; the test suite's rsyslog (test/support/rsyslog.ts) parses everything instead.
 * One instance per run: its output is the proof of what arrived.
 */
export class RsyslogReceiver {
  private readonly daemon: DaemonProcess;
  readonly counter: LineCounter;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {
    const conf = join(dir, 'rsyslog.conf');
    mkdirSync(join(dir, 'work'));
    writeFileSync(
      conf,
      [
        `global(workDirectory="${join(dir, 'work')}" maxMessageSize="262144" net.enableDNS="off")`,
        'module(load="imtcp" maxSessions="100")',
        'template(name="msg_only" type="string" string="%msg%\\n")',
        'ruleset(name="bench") {',
        `  action(type="omfile" file="${join(dir, 'messages.txt')}" template="msg_only" flushOnTXEnd="on" ioBufferSize="1m")`,
        '}',
        `input(type="imtcp" port="${port}" address="127.0.0.1" ruleset="bench")`,
      ].join('\n') + '\n',
    );
    const check = spawnSync('rsyslogd', ['-N1', '-f', conf], { encoding: 'utf8' });
    if (check.status !== 0)
      throw new Error(`rsyslog rejected the bench config: ${check.stderr || check.stdout}`);
    this.daemon = new DaemonProcess(
      'rsyslogd',
      ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')],
      join(dir, 'rsyslogd.log'),
    );
    this.counter = new LineCounter(join(dir, 'messages.txt'));
  }

  static async start(): Promise<RsyslogReceiver> {
    const receiver = new RsyslogReceiver(
      mkdtempSync(join(tmpdir(), 'caf-bench-rsyslog-')),
      await freePort('tcp'),
    );
    receiver.daemon.start();
    await waitUntil(
      'rsyslogd to listen',
      () => {
        if (!receiver.daemon.running) throw new Error(`rsyslogd ${receiver.daemon.describeExit()}`);
        return portBound(receiver.port, 'tcp');
      },
      15_000,
    );
    return receiver;
  }

  get pid(): number | undefined {
    return this.daemon.pid;
  }

  /** Why the receiver cannot be counted on any more, if it cannot. */
  failure(): string | undefined {
    return this.daemon.running ? undefined : `rsyslogd ${this.daemon.describeExit()}`;
  }

  /** Activity ids in what arrived (MSG is the activity's JSON; its first "id" is the activity's). */
  ids(): string[] {
    const text = readFileSync(this.counter.path, 'utf8');
    return [...text.matchAll(/^(?:\uFEFF)?\{"id":"([^"]+)"/gm)].map((m) => m[1]);
  }

  async dispose(): Promise<void> {
    await this.daemon.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
