import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckpointState } from '../../src/checkpoint/state';
import { readJsonl, tempDir, writeConfig } from '../support/forwarder';
import { eventually, scrape, startForwarder } from '../observability/support/scrape';
import { startEveryTypeSimulator } from './support/every-type';

const P = 'claude_audit_forwarder_';

/**
 * A sink whose filter selects nothing, beside one that takes everything: every activity
 * counts as done for it at once, so the checkpoint reaches the newest activity, the sink is
 * never detached for holding the buffer, and /metrics counts what it left out.
 */
test('a sink that filters out everything never holds the checkpoint back, and its filtered count shows', async () => {
  const sim = await startEveryTypeSimulator(202, 1);
  const dir = tempDir('caf-filter-none-');
  const checkpointPath = join(dir, 'checkpoint.json');
  const config = writeConfig(dir, {
    source: {
      base_url: sim.url,
      api_key: sim.apiKey,
      page_size: 100,
      start_at: '2h',
      poll_interval: '500ms',
      max_requests_per_minute: 600,
    },
    pipeline: { max_buffered_events: 100 },
    health: { unhealthy_after: '2s' },
    checkpoint: { path: checkpointPath },
    dead_letter: { path: join(dir, 'dead-letter.jsonl') },
    sinks: {
      archive: { type: 'file', path: join(dir, 'archive.jsonl'), format: 'raw' },
      nothing: {
        type: 'file',
        path: join(dir, 'nothing.jsonl'),
        format: 'ocsf',
        filter: { activity_types: ['no_such_type_*'] },
      },
    },
    metrics: { listen: '127.0.0.1:0' },
    log: { level: 'info' },
  });
  const fwd = await startForwarder(['run', '-c', config]);
  try {
    const served = sim.allActivities();
    const newest = served[served.length - 1].created_at;
    const readCheckpoint = (): CheckpointState =>
      JSON.parse(readFileSync(checkpointPath, 'utf8')) as CheckpointState;
    await eventually(
      async () => readCheckpoint(),
      (c) => c.totals.delivered === served.length,
      60_000,
      'the checkpoint to commit every activity',
    );
    const checkpoint = readCheckpoint();
    assert.equal(checkpoint.sinks?.nothing, undefined, 'the sink was never detached');
    assert.equal(checkpoint.watermark, newest);
    const metrics = await eventually(
      () => scrape(fwd.base),
      (s) => s.count(`${P}sink_filtered_total`, { sink: 'nothing' }) === served.length,
      10_000,
      'sink_filtered_total{sink="nothing"} to count every activity',
    );
    assert.equal(metrics.count(`${P}sink_filtered_total`, { sink: 'archive' }), 0);
    assert.equal(metrics.count(`${P}delivered_total`, { sink: 'archive' }), served.length);
    assert.equal(readJsonl(join(dir, 'nothing.jsonl')).length, 0);
  } finally {
    await fwd.stop();
    await sim.close();
  }
});
