import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { simulatorOptionsFromFlags } from '../../src/cli/simulate';
import { ConfigError } from '../../src/util/errors';

const ROOT = resolve(__dirname, '../..');

/** Runs `simulate` with these arguments in a child process (as the CLI would). */
function spawnSimulate(args: readonly string[]): ChildProcess {
  const script = `require('./src/cli/simulate').simulateCommand().parseAsync(${JSON.stringify(args)}, { from: 'user' })`;
  return spawn(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function firstLine(child: ChildProcess): Promise<string> {
  let buffered = '';
  for await (const chunk of child.stdout ?? []) {
    buffered += String(chunk);
    const nl = buffered.indexOf('\n');
    if (nl >= 0) return buffered.slice(0, nl);
  }
  throw new Error(`simulate exited before printing its URL (exit ${String(child.exitCode)})`);
}

const DEFAULT_FLAGS = {
  host: '127.0.0.1',
  port: '8787',
  rate: '2',
  seed: '42',
  backlog: '500',
  backlogWindow: '24h',
  apiKey: [] as string[],
  latency: '0',
  ingestionDelay: '0-1s',
  rateLimit: '600',
  errorRate: '0',
  fatalErrorRate: '0',
  '429Rate': '0',
  malformedRate: '0',
  slowRate: '0',
  slow: '30s',
  lateRate: '0',
  lateDelay: '90s',
  duplicateRate: '0',
  recordingOff: [] as string[],
  hostileRate: '0',
  futureTypeRate: '0',
  selfEvents: true,
};

describe('simulate command', () => {
  it('prints the URL and key, serves the API, and exits 0 on SIGTERM', async () => {
    const child = spawnSimulate([
      '--port',
      '0',
      '--backlog',
      '25',
      '--rate',
      '0',
      '--api-key',
      'sk-ant-api01-cli-test',
      '--error-rate',
      '0',
      '--no-self-events',
    ]);
    try {
      const line = await firstLine(child);
      const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
      assert.ok(url, line);
      assert.match(line, /sk-ant-api01-cli-test/);
      const res = await fetch(`${url}/v1/compliance/activities?limit=100`, {
        headers: { 'x-api-key': 'sk-ant-api01-cli-test' },
      });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { data: unknown[] }).data.length, 25);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('exits 2 naming the flag when a value is wrong', async () => {
    const child = spawnSimulate(['--port', '0', '--error-rate', '1.5']);
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += String(c)));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 2);
    assert.match(stderr, /--error-rate: expected a probability/);
  });

  it('turns flags into simulator options', () => {
    const o = simulatorOptionsFromFlags({
      ...DEFAULT_FLAGS,
      rate: '300/m',
      latency: '100-500ms',
      lateDelay: '2m',
      rateLimit: '0',
      apiKey: ['sk-ant-admin01-x'],
      selfEvents: false,
      missingKey404: true,
    });
    assert.equal(o.rate, 5);
    assert.deepEqual(o.latencyMs, { minMs: 100, maxMs: 500 });
    assert.deepEqual(o.ingestionDelayMs, { minMs: 0, maxMs: 1000 });
    assert.equal(o.faults?.lateDelayMs, 120_000);
    assert.equal(o.rateLimit, false);
    assert.deepEqual(o.keys, ['sk-ant-admin01-x']);
    assert.equal(o.selfEvents, false);
    assert.equal(o.missingKeyStatus, 404);
    assert.equal(simulatorOptionsFromFlags(DEFAULT_FLAGS).keys, undefined, 'the default key');
    for (const [flag, value] of [
      ['port', '70000'],
      ['rate', 'fast'],
      ['latency', '500-100ms'],
      ['lateDelay', 'soon'],
      ['backlog', '-3'],
      ['429Rate', 'x'],
      ['hostileRate', '2'],
    ] as const) {
      assert.throws(
        () => simulatorOptionsFromFlags({ ...DEFAULT_FLAGS, [flag]: value }),
        ConfigError,
        `${flag}=${value}`,
      );
    }
  });

  it('turns --recording-off into windows in which the Compliance API is switched off', () => {
    const o = simulatorOptionsFromFlags({ ...DEFAULT_FLAGS, recordingOff: ['5m-10m', '1h-'] });
    assert.deepEqual(o.faults?.recordingOff, [{ fromMs: 300_000, untilMs: 600_000 }, { fromMs: 3_600_000 }]);
    for (const value of ['10m-5m', 'soon', '5m-later', '-5m']) {
      assert.throws(
        () => simulatorOptionsFromFlags({ ...DEFAULT_FLAGS, recordingOff: [value] }),
        /--recording-off/,
        value,
      );
    }
  });
});
