import { Writable } from 'node:stream';
import { MultiBar, type SingleBar } from 'cli-progress';
import type { Page } from '../source/client';
import type { Logger } from './logger';
import type { CycleHandle, ForwarderObserver } from './observer';

/**
 * How far a long catch-up (first-run backfill, or after downtime) has come. On a terminal:
 * a progress bar with activities, rate, the created_at reached in the cycle's window and an
 * ETA from how fast that point advances toward the window's end. Elsewhere (a pod's log, a
 * pipe): a plain `backfill progress` log line now and then. Quick cycles show nothing.
 */
export interface ProgressOptions {
  /** A terminal: draw a bar on `stream`. Otherwise log lines through `logger`. */
  readonly tty: boolean;
  readonly stream?: NodeJS.WritableStream;
  readonly logger: Logger;
  /** A cycle running longer than this counts as a backfill. Default 2 s (bar), 30 s (lines). */
  readonly showAfterMs?: number;
  /** Between two progress log lines (non-TTY). Default 30 s. */
  readonly logEveryMs?: number;
  readonly now?: () => number;
}

export interface ProgressSnapshot {
  readonly activities: number;
  readonly ratePerSecond: number;
  readonly from: string;
  readonly to: string;
  /** Newest created_at read so far in this cycle. */
  readonly coveredTo: string;
  /** 0..1 of the window's time span. */
  readonly fraction: number;
  /** Seconds left at the current pace, when it can be told. */
  readonly etaSeconds?: number;
}

interface CycleProgress {
  readonly fromMs: number;
  readonly toMs: number;
  readonly startedAt: number;
  activities: number;
  coveredMs: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** "2026-05-01T06:00:00Z" without the milliseconds: enough to see the window move. */
function shortTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class ProgressReporter implements ForwarderObserver {
  private readonly now: () => number;
  private readonly showAfterMs: number;
  private readonly logEveryMs: number;
  private cycle?: CycleProgress;
  private lastLogAt = 0;
  private bars?: MultiBar;
  private bar?: SingleBar;

  constructor(private readonly opts: ProgressOptions) {
    this.now = opts.now ?? Date.now;
    this.showAfterMs = opts.showAfterMs ?? (opts.tty ? 2000 : 30_000);
    this.logEveryMs = opts.logEveryMs ?? 30_000;
  }

  /**
   * Where log lines should go while a bar may be drawn: above the bar instead of through it.
   * Use it as the logger's stream on a terminal.
   */
  readonly logStream: Writable = new Writable({
    write: (chunk: Buffer | string, _encoding, callback) => {
      const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      if (this.bars) this.bars.log(text.endsWith('\n') ? text : `${text}\n`);
      else (this.opts.stream ?? process.stderr).write(text);
      callback();
    },
  });

  snapshot(): ProgressSnapshot | undefined {
    const c = this.cycle;
    if (!c) return undefined;
    const elapsedMs = Math.max(1, this.now() - c.startedAt);
    const span = Math.max(1, c.toMs - c.fromMs);
    const fraction = Math.min(1, Math.max(0, (c.coveredMs - c.fromMs) / span));
    const etaSeconds =
      fraction > 0 && fraction < 1
        ? ((elapsedMs / fraction) * (1 - fraction)) / 1000
        : fraction >= 1
          ? 0
          : undefined;
    return {
      activities: c.activities,
      ratePerSecond: (c.activities * 1000) / elapsedMs,
      from: shortTime(c.fromMs),
      to: shortTime(c.toMs),
      coveredTo: shortTime(c.coveredMs),
      fraction,
      etaSeconds,
    };
  }

  readonly poll = {
    onCycleStart: (window: { readonly from: string; readonly to: string }): void => {
      const fromMs = Date.parse(window.from);
      this.cycle = {
        fromMs,
        toMs: Date.parse(window.to),
        startedAt: this.now(),
        activities: 0,
        coveredMs: fromMs,
      };
    },
    onPage: (page: Page, stats: { fetched: number }): void => {
      const c = this.cycle;
      if (!c) return;
      c.activities += stats.fetched;
      const last = page.activities.at(-1);
      if (last) c.coveredMs = Math.max(c.coveredMs, Date.parse(last.created_at));
      if (this.now() - c.startedAt < this.showAfterMs) return;
      if (this.opts.tty) this.draw();
      else this.logLine();
    },
  };

  cycleStarted(): CycleHandle {
    const done = (): void => {
      this.hideBar();
      this.cycle = undefined;
    };
    return { completed: done, failed: done };
  }

  /** Removes the bar (shutdown, end of a cycle). */
  stop(): void {
    this.hideBar();
  }

  private draw(): void {
    const s = this.snapshot();
    if (!s) return;
    const payload = {
      activities: s.activities.toLocaleString('en-US'),
      rate: s.ratePerSecond.toFixed(0),
      covered: s.coveredTo,
      to: s.to,
      remaining: s.etaSeconds === undefined ? '?' : formatDuration(s.etaSeconds),
    };
    const value = Math.round(s.fraction * 1000);
    if (!this.bars) {
      this.bars = new MultiBar({
        stream: this.opts.stream ?? process.stderr,
        format:
          'backfill [{bar}] {percentage}% | {activities} activities | {rate}/s | reached {covered} of {to} | ETA {remaining}',
        barsize: 30,
        hideCursor: true,
        clearOnComplete: true,
        // We stop the bar ourselves on shutdown; its own signal handlers would race ours.
        gracefulExit: false,
        fps: 4,
      });
      this.bar = this.bars.create(1000, value, payload);
    } else {
      this.bar?.update(value, payload);
    }
  }

  private hideBar(): void {
    if (!this.bars) return;
    const bars = this.bars;
    this.bars = undefined;
    this.bar = undefined;
    bars.stop();
  }

  private logLine(): void {
    const now = this.now();
    if (now - this.lastLogAt < this.logEveryMs) return;
    this.lastLogAt = now;
    const s = this.snapshot();
    if (!s) return;
    this.opts.logger.info('backfill progress', {
      activities: s.activities,
      rate_per_second: Math.round(s.ratePerSecond),
      window_from: s.from,
      window_to: s.to,
      reached: s.coveredTo,
      percent: Math.round(s.fraction * 1000) / 10,
      ...(s.etaSeconds === undefined ? {} : { eta: formatDuration(s.etaSeconds) }),
    });
  }
}
