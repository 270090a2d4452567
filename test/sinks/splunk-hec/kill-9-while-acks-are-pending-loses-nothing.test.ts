import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator } from '../../../src/simulator';
import { DEFAULT_HEC_TOKEN, startHecReceiver } from '../../support/hec-receiver';
import {
  readJsonl,
  startCli,
  tempDir,
  waitFor,
  writeConfig,
  type ForwarderProcess,
} from '../../support/forwarder';

/**
 * End to end, the real CLI: the checkpoint may move only past batches Splunk acknowledged.
 * The forwarder is SIGKILLed while acks are pending, and each time Splunk (the receiver)
 * "crashes" too, losing every event whose ack had not become true. If the checkpoint had
 * passed one of those batches, the restarted forwarder would never send it again and it
 * would be missing at the end.
 */
const ROUNDS = 3;

test(`kill -9 while indexer acks are pending, ${ROUNDS} times, loses nothing`, async () => {
  const sim = await startSimulator({ seed: 47, backlog: 900, backlogWindowMs: 3600_000, rate: 0 });
  const receiver = await startHecReceiver({ tokens: { [DEFAULT_HEC_TOKEN]: { acks: true } } });
  const dir = tempDir('caf-hec-e2e-');
  const checkpoint = join(dir, 'checkpoint.json');
  const deadLetter = join(dir, 'dead-letter.jsonl');
  const config = writeConfig(dir, {
    source: {
      base_url: sim.url,
      api_key: sim.apiKey,
      page_size: 100,
      start_at: '2h',
      lookback: '5m',
      poll_interval: '300ms',
      max_requests_per_minute: 600,
    },
    pipeline: { max_buffered_events: 300 },
    checkpoint: { path: checkpoint },
    dead_letter: { path: deadLetter },
    sinks: {
      splunk: {
        type: 'splunk_hec',
        endpoint: receiver.url,
        token: DEFAULT_HEC_TOKEN,
        format: 'raw',
        indexer_acknowledgements: true,
        ack: { poll_interval: '50ms', timeout: '60s' },
        batch: { max_events: 40, timeout: '50ms', concurrency: 4 },
        retry: { initial_backoff: '50ms', max_backoff: '500ms' },
      },
    },
    metrics: { enabled: false }, // test files run in parallel: no fixed port
    log: { level: 'warn' },
  });
  const delivered = (): number =>
    existsSync(checkpoint)
      ? (JSON.parse(readFileSync(checkpoint, 'utf8')) as { totals: { delivered: number } }).totals.delivered
      : 0;
  const started: ForwarderProcess[] = [];
  const run = (): ForwarderProcess => {
    const fwd = startCli(['run', '-c', config]);
    started.push(fwd);
    return fwd;
  };
  /** waitFor, failing with what the forwarder said (it runs in another process). */
  const waitForOr = async (
    fwd: ForwarderProcess,
    check: () => boolean,
    ms: number,
    what: string,
  ): Promise<void> => {
    try {
      await waitFor(check, ms, what);
    } catch (err) {
      throw new Error(
        `${(err as Error).message}; receiver has ${receiver.events().length} events; forwarder stderr:\n${fwd.stderr().slice(-2000)}`,
        { cause: err },
      );
    }
  };
  let rng = 0x1f2e3d4c;
  const random = (): number => (rng = (rng * 1103515245 + 12345) >>> 0) / 2 ** 32;

  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Round 0: no ack ever becomes true. Later rounds: slow acks, some lost.
      Object.assign(
        receiver.faults,
        round === 0 ? { acksNeverTrue: true } : { acksNeverTrue: false, ackDelayMs: 250, loseAcks: 2 },
      );
      const before = receiver.events().length;
      const fwd = run();
      await waitForOr(
        fwd,
        () => receiver.events().length >= before + 80 || fwd.child.exitCode !== null,
        30_000,
        'events to reach the receiver',
      );
      await new Promise((r) => setTimeout(r, round === 0 ? 300 : 100 + random() * 500));
      assert.equal(fwd.child.exitCode, null, `forwarder exited on its own: ${fwd.stderr().slice(-1500)}`);
      await fwd.kill9();
      if (round === 0) {
        assert.ok(receiver.events().length >= 80, 'Splunk had indexed events…');
        assert.equal(delivered(), 0, '…but none was acknowledged, so the checkpoint must not have moved');
      }
      // Splunk goes down as well: what was not replicated is gone.
      await receiver.restart({ loseUnacknowledged: true });
      if (round === 0) assert.equal(receiver.events().length, 0);
    }

    Object.assign(receiver.faults, { acksNeverTrue: false, ackDelayMs: 0, loseAcks: 0 });
    await new Promise((r) => setTimeout(r, 1500)); // our own compliance_api_accessed rows land ~1 s later
    const cutoff = Date.now();
    const want = sim
      .allActivities({ includeSelf: true })
      .filter((a) => Date.parse(a.created_at) < cutoff)
      .map((a) => a.id);
    const final = run();
    await waitForOr(
      final,
      () => {
        const have = new Set(receiver.eventIds());
        return want.every((id) => have.has(id));
      },
      60_000,
      'the final run to deliver everything',
    );
    const r = await final.stop();
    assert.equal(r.code, 0, `graceful stop exits 0: ${r.stderr.slice(-1500)}`);

    const have = new Set(receiver.eventIds());
    assert.deepEqual(
      want.filter((id) => !have.has(id)),
      [],
      'no activity lost',
    );
    assert.deepEqual(readJsonl(deadLetter), [], 'nothing dead-lettered');
    const duplicates = receiver.eventIds().length - have.size;
    process.stdout.write(
      `# rounds=${ROUNDS} expected=${want.length} indexed=${receiver.eventIds().length} duplicates=${duplicates}\n`,
    );
  } finally {
    for (const fwd of started) void fwd.kill9();
    await Promise.all(started.map((f) => f.exited));
    await receiver.stop();
    await sim.close();
  }
});
