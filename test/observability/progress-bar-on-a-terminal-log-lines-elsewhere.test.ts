import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ProgressReporter, formatDuration } from '../../src/observability/progress';
import type { Page } from '../../src/source/client';
import type { Activity } from '../../src/source/activity';
import type { CycleRecord } from '../../src/checkpoint/state';
import type { Logger } from '../../src/observability/logger';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { cliArgs, tempDir, writeConfig } from '../support/forwarder';
import { inTerminal } from '../support/terminal';

/**
 * A long backfill shows how far it has come: on a terminal a bar (activities, rate, the
 * created_at reached, ETA from how fast that point moves toward the window's end), in a log
 * a `backfill progress` line now and then. Short cycles show nothing.
 */
const HOUR = 3600_000;
const T0 = Date.parse('2026-05-01T00:00:00Z');

function page(createdAt: number, n: number): Page {
  const activities = Array.from(
    { length: n },
    (_, i) =>
      ({
        id: `activity_${createdAt}_${i}`,
        type: 'x',
        created_at: new Date(createdAt).toISOString(),
      }) as Activity,
  );
  return {
    activities,
    hasMore: true,
    firstId: activities[0]?.id ?? null,
    lastId: activities.at(-1)?.id ?? null,
    bodyBytes: 0,
  };
}

function captureLogger(lines: { message: string; meta?: Record<string, unknown> }[]): Logger {
  const logger: Logger = {
    error: () => undefined,
    warn: () => undefined,
    debug: () => undefined,
    info: (message, meta) => void lines.push({ message, meta }),
    child: () => logger,
  };
  return logger;
}

class FakeTty extends Writable {
  readonly isTTY = true;
  columns = 160;
  rows = 40;
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
  cursorTo(_x: number, _y?: number | (() => void), cb?: () => void): boolean {
    if (typeof cb === 'function') cb();
    return true;
  }
  clearLine(_dir: number, cb?: () => void): boolean {
    cb?.();
    return true;
  }
  moveCursor(_dx: number, _dy: number, cb?: () => void): boolean {
    cb?.();
    return true;
  }
  clearScreenDown(cb?: () => void): boolean {
    cb?.();
    return true;
  }
  getWindowSize(): [number, number] {
    return [this.columns, this.rows];
  }
}

test('without a terminal: a log line every interval with activities, rate, position and an ETA', () => {
  let now = T0;
  const lines: { message: string; meta?: Record<string, unknown> }[] = [];
  const p = new ProgressReporter({
    tty: false,
    logger: captureLogger(lines),
    now: () => now,
    logEveryMs: 30_000,
  });
  const cycle = p.cycleStarted();
  p.poll.onCycleStart({ from: new Date(T0 - 10 * HOUR).toISOString(), to: new Date(T0).toISOString() });
  now += 10_000;
  p.poll.onPage(page(T0 - 9 * HOUR, 1000), { fetched: 1000 });
  assert.equal(lines.length, 0, 'a cycle shorter than the interval stays quiet');
  now += 30_000; // 40 s in, half the window covered
  p.poll.onPage(page(T0 - 5 * HOUR, 3000), { fetched: 3000 });
  now += 5_000;
  p.poll.onPage(page(T0 - 4 * HOUR, 500), { fetched: 500 });
  assert.equal(lines.length, 1, 'at most one line per interval');
  assert.equal(lines[0].message, 'backfill progress');
  assert.deepEqual(lines[0].meta, {
    activities: 4000,
    rate_per_second: 100,
    window_from: '2026-04-30T14:00:00Z',
    window_to: '2026-05-01T00:00:00Z',
    reached: '2026-04-30T19:00:00Z',
    percent: 50,
    eta: '40s',
  });
  cycle.completed({} as CycleRecord, 45);
  now += 60_000;
  p.poll.onPage(page(T0, 1), { fetched: 1 });
  assert.equal(lines.length, 1, 'nothing after the cycle ended');
});

test('on a terminal: a bar with the same figures, log lines above it, gone when the cycle ends', async () => {
  let now = T0;
  const tty = new FakeTty();
  const p = new ProgressReporter({ tty: true, stream: tty, logger: captureLogger([]), now: () => now });
  const cycle = p.cycleStarted();
  p.poll.onCycleStart({ from: new Date(T0 - 10 * HOUR).toISOString(), to: new Date(T0).toISOString() });
  now += 1000;
  p.poll.onPage(page(T0 - 9 * HOUR, 100), { fetched: 100 });
  assert.equal(tty.text, '', 'no bar for a cycle that may be short');
  now += 19_000;
  p.poll.onPage(page(T0 - 8 * HOUR, 1900), { fetched: 1900 });
  p.logStream.write('{"level":"info","message":"a log line"}\n');
  await new Promise((r) => setTimeout(r, 600)); // the bar redraws on its own timer
  assert.match(
    tty.text,
    /backfill \[=+-+\] 20% \| 2,000 activities \| 100\/s \| reached 2026-04-30T16:00:00Z of 2026-05-01T00:00:00Z \| ETA 1m20s/,
  );
  assert.match(tty.text, /a log line/, 'log lines are printed, not swallowed');
  cycle.completed({} as CycleRecord, 20);
  const drawn = tty.text.length;
  p.logStream.write('after\n');
  assert.ok(tty.text.slice(drawn).includes('after'), 'without a bar, log lines go straight to the stream');
  assert.equal(formatDuration(3 * 3600 + 5 * 60 + 9), '3h05m');
});

let sim: SimulatorHandle;
before(async () => {
  sim = await startSimulator({
    seed: 9,
    backlog: 3000,
    backlogWindowMs: 20 * HOUR,
    latencyMs: 60,
    selfEvents: false,
  });
});
after(() => sim?.close());

test('a real backfill in a real terminal (script(1)) draws the bar above the log lines', async (t) => {
  if (spawnSync('script', ['--version']).status !== 0) {
    t.skip('script(1) from util-linux is not installed');
    return;
  }
  const dir = tempDir('caf-progress-');
  const config = writeConfig(dir, {
    source: {
      base_url: sim.url,
      api_key: sim.apiKey,
      page_size: 50,
      start_at: '24h',
      max_requests_per_minute: 600,
      backfill_concurrency: 1,
    },
    checkpoint: { path: join(dir, 'checkpoint.json') },
    dead_letter: { path: join(dir, 'dead-letter.jsonl') },
    sinks: { archive: { type: 'file', path: join(dir, 'events.jsonl') } },
    metrics: { enabled: false },
    log: { level: 'info', format: 'text' },
  });
  const command = [process.execPath, ...cliArgs(['run', '--once', '-c', config])]
    .map((a) => `'${a}'`)
    .join(' ');
  const r = await inTerminal(`stty cols 200; exec ${command}`);
  assert.equal(r.status, 0, r.output.slice(-3000));
  assert.match(
    r.output,
    /backfill \[[=-]+\] \d+% \| [\d,]+ activities \| \d+\/s \| reached \S+ of \S+ \| ETA \S+/,
  );
  assert.match(r.output, /poll cycle complete/, 'log lines still reach the terminal');
  assert.doesNotMatch(r.output, /backfill progress/, 'no progress log lines on a terminal');
});
