import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FINDING_EVENT_TYPE } from '../../src/transparency/finding-event';
import { runWithRewrittenLeaf } from './support/leaf-fault-daemon';

/**
 * `finding_events` is off by default: a finding is the log line, the counter, the alert and
 * the checkpoint section, and the sinks get the feed alone.
 */
test(
  'with finding_events off, a finding is counted and no sink receives it',
  { timeout: 180_000 },
  async () => {
    const run = await runWithRewrittenLeaf(false);
    assert.equal(run.failures, 1, 'the verifier found the rewritten leaf');
    const rawTypes = run.rawLines.map((l) => (JSON.parse(l) as { type: string }).type);
    assert.ok(!rawTypes.includes(FINDING_EVENT_TYPE), 'no finding event in the raw sink');
    assert.ok(
      !run.ocsf.some((e) => (e.metadata as Record<string, unknown>).event_code === FINDING_EVENT_TYPE),
      'no finding event in the OCSF sink',
    );
    assert.equal(run.rawLines.length, run.feedIds.length, 'the feed, every record once');
  },
);
