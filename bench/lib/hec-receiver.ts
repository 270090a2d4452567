import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { HecReceiverReport } from './hec-receiver-process';

/** The parent's handle on bench/lib/hec-receiver-process.ts (one fresh receiver per run). */
export class HecReceiverProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(): Promise<HecReceiverProcess> {
    const child = fork(join(__dirname, 'hec-receiver-process.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      child.once('message', (m: { url?: string }) =>
        m.url ? resolve(m.url) : reject(new Error('HEC receiver: unexpected first message')),
      );
      child.once('exit', (code) => reject(new Error(`HEC receiver exited (${code}) before listening`)));
    });
    return new HecReceiverProcess(child, url);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves once `n` events are indexed; rejects after `timeoutMs`. */
  waitFor(n: number, timeoutMs: number): Promise<HecReceiverReport> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`HEC receiver: fewer than ${n} events after ${Math.round(timeoutMs / 1000)} s`)),
        timeoutMs,
      );
      this.child.once('message', (m: HecReceiverReport) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.child.send({ want: n });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
