import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { EMPTY_SHA256, type CheckpointState, type CycleRecord } from '../../src/checkpoint/state';
import { runCli, tempDir, writeConfig } from '../support/forwarder';
import { logLines } from './support/scrape';

/**
 * The completeness record is evidence an auditor can check independently: for every poll
 * cycle, its window, cursors, counts, the time span of what it delivered, the last
 * request-id, and a running SHA-256 that anyone can recompute from the delivered activities
 * (id and content) — the same record in the log line, the checkpoint, and `checkpoint show`.
 */
let sim: SimulatorHandle;
let dir: string;
let config: string;
const runs: { stdout: string; stderr: string }[] = [];

before(async () => {
  sim = await startSimulator({ seed: 17, backlog: 400, backlogWindowMs: 2 * 3600_000, selfEvents: false });
  dir = tempDir('caf-complete-');
  config = writeConfig(dir, {
    source: {
      base_url: sim.url,
      api_key: sim.apiKey,
      page_size: 100,
      start_at: '3h',
      lookback: '5m',
      max_requests_per_minute: 600,
    },
    checkpoint: { path: join(dir, 'checkpoint.json') },
    dead_letter: { path: join(dir, 'dead-letter.jsonl') },
    sinks: { archive: { type: 'file', path: join(dir, 'events.jsonl'), format: 'raw' } },
    metrics: { enabled: false },
    log: { level: 'info', format: 'json' },
  });
  for (let i = 0; i < 3; i++) {
    if (i > 0) sim.append(40 * i);
    const r = await runCli(['run', '--once', '-c', config]);
    assert.equal(r.code, 0, r.stderr);
    runs.push(r);
  }
});

after(() => sim?.close());

function checkpoint(): CheckpointState {
  return JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as CheckpointState;
}

/** The delivered activities, as the raw file sink wrote them (one JSON text per line). */
function deliveredLines(): string[] {
  return readFileSync(join(dir, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '');
}

test('each cycle logs its completeness record, and the checkpoint keeps the same records', () => {
  const state = checkpoint();
  const logged = runs.flatMap((r) => logLines(r.stderr).filter((l) => l.message === 'poll cycle complete'));
  assert.equal(logged.length, 3);
  assert.equal(state.history.length, 3);
  for (const record of state.history) {
    const line = logged.find((l) => l.cycle === record.cycle);
    assert.ok(line, `cycle ${record.cycle} was logged`);
    const { level: _l, message: _m, timestamp: _t, ...fields } = line;
    assert.deepEqual(fields, { ...record }, `cycle ${record.cycle}: log line = checkpoint record`);
  }
  assert.deepEqual(
    state.history.map((h) => h.delivered),
    [400, 40, 80],
  );
  assert.equal(state.totals.delivered, 520);
});

test('the running SHA-256 can be recomputed from the delivered activities, cycle by cycle', () => {
  const state = checkpoint();
  const lines = deliveredLines();
  assert.equal(lines.length, 520);
  let sha = EMPTY_SHA256;
  let n = 0;
  for (const record of state.history) {
    const slice = lines.slice(n, n + record.delivered);
    for (const raw of slice) {
      const id = (JSON.parse(raw) as { id: string }).id;
      sha = createHash('sha256').update(sha).update(id).update('\n').update(raw).digest('hex');
    }
    n += record.delivered;
    assert.equal(
      record.sha256,
      sha,
      `cycle ${record.cycle}: the chain after its ${record.delivered} activities`,
    );
    const created = slice.map((raw) => (JSON.parse(raw) as { created_at: string }).created_at);
    assert.equal(record.first_created_at, created[0], 'time span: first delivered');
    assert.equal(record.last_created_at, created.at(-1), 'time span: last delivered');
    assert.ok(record.from <= created[0] && created.at(-1)! < record.to, 'inside the cycle window');
  }
  assert.equal(state.sha256, sha);
  // Tampering with one delivered activity changes the roll-up: the record proves content.
  const tampered = lines.map((l, i) => (i === 7 ? l.replace(/"type":"/, '"type":"x') : l));
  let other = EMPTY_SHA256;
  for (const raw of tampered)
    other = createHash('sha256')
      .update(other)
      .update((JSON.parse(raw) as { id: string }).id)
      .update('\n')
      .update(raw)
      .digest('hex');
  assert.notEqual(other, sha);
});

test('records carry the last request-id the API gave the cycle, and cursors of its first and last page', () => {
  const ids = new Set(sim.requests().map((r) => r.requestId));
  for (const record of checkpoint().history) {
    assert.ok(
      record.last_request_id && ids.has(record.last_request_id),
      `cycle ${record.cycle}: a request-id the API issued`,
    );
    assert.ok(record.start_cursor && record.end_cursor, 'cursors');
    assert.ok(record.pages >= 1);
  }
});

test('`checkpoint show` prints the records as a table, and `--json` as data', async () => {
  const state = checkpoint();
  const table = await runCli(['checkpoint', 'show', '-c', config]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /totals\s+520 delivered, 0 dead-lettered, 3 poll cycles/);
  assert.match(table.stdout, new RegExp(`sha256\\s+${state.sha256}`));
  const rows = table.stdout.split('\n').filter((l) => /^\d+\s/.test(l));
  assert.equal(rows.length, 3);
  state.history.forEach((r: CycleRecord, i) => {
    assert.ok(
      rows[i].includes(r.last_request_id!) &&
        rows[i].includes(r.sha256.slice(0, 16)) &&
        rows[i].includes(r.from),
      rows[i],
    );
  });
  const json = await runCli(['checkpoint', 'show', '--json', '--last', '2', '-c', config]);
  assert.equal(json.code, 0, json.stderr);
  const doc = JSON.parse(json.stdout) as {
    sha256: string;
    totals: unknown;
    history: CycleRecord[];
    watermark: string;
  };
  assert.equal(doc.sha256, state.sha256);
  assert.deepEqual(doc.totals, state.totals);
  assert.deepEqual(doc.history, state.history.slice(-2));
  assert.equal(doc.watermark, state.watermark);
});
