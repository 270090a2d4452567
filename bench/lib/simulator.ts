import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { SimulatorOptions } from '../../src/simulator';
import { dataItemTexts } from '../../src/source/raw-items';

/** The parent's handle on bench/lib/simulator-process.ts. */
export class SimulatorProcess {
  private nextId = 0;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly apiKey: string,
    /** How long the simulator took to build (and prerender) its store. */
    readonly startMs: number,
  ) {}

  /** Starts a simulator; prerendering a million rows takes a while on a busy machine. */
  static async start(options: SimulatorOptions): Promise<SimulatorProcess> {
    const child = fork(join(__dirname, 'simulator-process.ts'), [JSON.stringify(options)], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=4096'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const hello = await new Promise<{ url: string; apiKey: string; startMs: number }>((resolve, reject) => {
      child.once('message', (m: { url: string; apiKey: string; startMs: number }) => resolve(m));
      child.once('exit', (code) => reject(new Error(`simulator exited (${code}) before listening`)));
    });
    return new SimulatorProcess(child, hello.url, hello.apiKey, hello.startMs);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private call(
    message: Record<string, unknown>,
  ): Promise<{ requests: number; byStatus: Record<string, number> }> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      const onMessage = (m: { id?: number; requests: number; byStatus: Record<string, number> }): void => {
        if (m.id !== id) return;
        this.child.off('message', onMessage);
        resolve(m);
      };
      this.child.on('message', onMessage);
      this.child.send({ ...message, id });
    });
  }

  stats(): Promise<{ requests: number; byStatus: Record<string, number> }> {
    return this.call({ stats: true });
  }

  setLatency(minMs: number, maxMs: number): Promise<unknown> {
    return this.call({ latency: [minMs, maxMs] });
  }

  setRateLimit(perMinute: number): Promise<unknown> {
    return this.call({ rateLimit: perMinute });
  }

  /**
   * Writes every activity from `from` on as one JSON line — the exact text the API served,
   * which is also what the forwarder sends as `format: raw` — and returns their ids in order.
   */
  async dumpJsonLines(from: string, path: string): Promise<{ ids: string[]; bytes: number }> {
    const out = createWriteStream(path);
    const ids: string[] = [];
    let bytes = 0;
    let after: string | undefined;
    for (;;) {
      const q = new URLSearchParams({ 'created_at.gte': from, limit: '5000', order: 'asc' });
      if (after) q.set('after_id', after);
      const res = await fetch(`${this.url}/v1/compliance/activities?${q}`, {
        headers: { 'x-api-key': this.apiKey },
      });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`simulator answered ${res.status}: ${body.slice(0, 200)}`);
      const page = JSON.parse(body) as { data: { id: string }[]; has_more: boolean; last_id: string | null };
      const texts = dataItemTexts(body);
      if (!texts || texts.length !== page.data.length || texts.some((t) => t === undefined))
        throw new Error('simulator page is not compact JSON');
      const chunk = texts.join('\n') + (texts.length ? '\n' : '');
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      for (const a of page.data) ids.push(a.id);
      if (!page.has_more || !page.last_id) break;
      after = page.last_id;
    }
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject);
      out.end(() => resolve());
    });
    return { ids, bytes };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
