import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, trackRss, waitExit } from '../support';
import { CpuTracker } from './proc';

/**
 * One `claude-audit-forwarder run --once` against a simulator, with a fresh checkpoint (so
 * it reads the whole backlog), its CPU time and peak RSS followed from /proc.
 */
export interface ForwarderSettings {
  readonly simulatorUrl: string;
  /** The `sinks:` map, as YAML lines indented by two spaces. */
  readonly sinks: string;
  /** Extra `source:` fields (YAML values). */
  readonly source?: Readonly<Record<string, string | number>>;
  /** Extra `pipeline:` fields. */
  readonly pipeline?: Readonly<Record<string, string | number>>;
  /** Flags for node itself (heap limits); BENCH_NODE_FLAGS adds to them (e.g. --cpu-prof). */
  readonly nodeFlags?: readonly string[];
  /** Through the `claude-audit-forwarder` command (its heap bound), as users run it; no flags then. */
  readonly asShipped?: boolean;
}

export class ForwarderRun {
  readonly startedAt = Date.now();
  readonly cpu: CpuTracker;
  private readonly rss: ReturnType<typeof trackRss>;
  readonly exit: Promise<number | null>;

  private constructor(
    readonly dir: string,
    readonly child: ChildProcess,
  ) {
    this.cpu = new CpuTracker(child.pid ?? -1);
    this.rss = trackRss(child);
    this.exit = waitExit(child);
    child.stderr?.on(
      'data',
      (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4000)),
    );
  }

  stderr = '';

  static launch(settings: ForwarderSettings): ForwarderRun {
    const dir = mkdtempSync(join(tmpdir(), 'caf-bench-fwd-'));
    const source = {
      base_url: settings.simulatorUrl,
      api_key: 'sk-ant-api01-simulator-key',
      page_size: 5000,
      start_at: '7h',
      max_requests_per_minute: 600,
      ...settings.source,
    };
    const pipeline = { max_buffered_events: 10_000, ...settings.pipeline };
    const yaml = (o: Record<string, string | number>): string =>
      Object.entries(o)
        .map(([k, v]) => `  ${k}: ${v}`)
        .join('\n');
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      `source:\n${yaml(source)}\npipeline:\n${yaml(pipeline)}\n` +
        `checkpoint: { path: ${join(dir, 'checkpoint.json')} }\ndead_letter: { path: ${join(dir, 'dead.jsonl')} }\n` +
        `sinks:\n${settings.sinks}\nlog: { level: warn }\n`,
    );
    // The built CLI, as it ships (run `npm run build` first; bench/run.ts does), or another
    // build to compare with (BENCH_FORWARDER: its bin/claude-audit-forwarder.js).
    const flags = [
      ...(settings.nodeFlags ?? []),
      ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
    ];
    const bin = process.env.BENCH_FORWARDER ?? join(REPO, 'bin/claude-audit-forwarder.js');
    const command = settings.asShipped ? bin.replace(/\.js$/, '') : process.execPath;
    const argv = settings.asShipped
      ? ['run', '--once', '-c', config]
      : [...flags, bin, 'run', '--once', '-c', config];
    const child = spawn(command, argv, {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return new ForwarderRun(dir, child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get peakRssMb(): number {
    return this.rss.peakMb();
  }

  rssSamples(): readonly { atMs: number; rssMb: number }[] {
    return this.rss.samples();
  }

  /** Why the run cannot succeed any more, if it cannot (for a waiting loop). */
  failure(): string | undefined {
    const code = this.child.exitCode;
    // A signal is a death too: V8 aborts (SIGABRT) when the heap limit is reached, and a
    // bench that only read exit codes projected a crashed run's total from its last rate.
    const signal = this.child.signalCode;
    if (signal !== null) return `forwarder killed by ${signal}: ${this.stderr.slice(-1500)}`;
    return code !== null && code !== 0 ? `forwarder exited ${code}: ${this.stderr.slice(-1500)}` : undefined;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.exit;
    clearTimeout(timer);
    this.cpu.stop();
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
