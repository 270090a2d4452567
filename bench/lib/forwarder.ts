import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  shippedBuild,
  startCli,
  tempDir,
  writeConfig,
  type ForwarderProcess,
} from '../../test/support/forwarder';
import { benchNodeFlags } from '../support';
import { CpuTracker } from './proc';

/**
 * One `claude-audit-forwarder run --once` against a simulator, with a fresh checkpoint (so
 * it reads the whole backlog), its CPU time followed from /proc.
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
  readonly exit: Promise<number | null>;

  private constructor(
    readonly dir: string,
    private readonly forwarder: ForwarderProcess,
  ) {
    this.cpu = new CpuTracker(forwarder.child.pid ?? -1);
    this.exit = forwarder.exited.then((r) => r.code);
  }

  static launch(settings: ForwarderSettings): ForwarderRun {
    const dir = tempDir('caf-bench-fwd-');
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
    const config = writeConfig(
      dir,
      `source:\n${yaml(source)}\npipeline:\n${yaml(pipeline)}\n` +
        `checkpoint: { path: ${join(dir, 'checkpoint.json')} }\ndead_letter: { path: ${join(dir, 'dead.jsonl')} }\n` +
        `sinks:\n${settings.sinks}\nlog: { level: warn }\n`,
    );
    // The built CLI, as it ships (run `npm run build` first; bench/run.ts does), or another
    // build to compare with (BENCH_FORWARDER: its bin/claude-audit-forwarder.js).
    const forwarder = startCli(['run', '--once', '-c', config], {
      from: shippedBuild(process.env.BENCH_FORWARDER),
      asShipped: settings.asShipped,
      nodeFlags: [...(settings.nodeFlags ?? []), ...benchNodeFlags()],
      maxOutputChars: 4000,
    });
    return new ForwarderRun(dir, forwarder);
  }

  get child(): ForwarderProcess['child'] {
    return this.forwarder.child;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stderr(): string {
    return this.forwarder.stderr();
  }

  get peakRssMb(): number {
    return this.forwarder.peakRssMb();
  }

  rssSamples(): ReturnType<ForwarderProcess['rssSamples']> {
    return this.forwarder.rssSamples();
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
    await this.forwarder.stop(30_000);
    this.cpu.stop();
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
