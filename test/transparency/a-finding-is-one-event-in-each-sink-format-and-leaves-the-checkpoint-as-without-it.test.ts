import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chainLink } from '../../src/checkpoint/checkpointer';
import { EMPTY_SHA256 } from '../../src/checkpoint/state';
import { FINDING_EVENT_TYPE } from '../../src/transparency/finding-event';
import { compileOcsfValidators, ocsfErrors } from '../normalize/support/ocsf-schemas';
import { runWithRewrittenLeaf } from './support/leaf-fault-daemon';

/**
 * Issue #25 point 3, with `finding_events: true`: the verifier's finding reaches every sink
 * once, in that sink's format, through the normal pipeline. The checkpoint describes the
 * feed alone: its watermark, content hash, committed ids and delivered count are what the
 * feed's records make them, as if no finding had been sent.
 */
test(
  'a rewritten leaf is one finding event in the raw and the OCSF sink, and the checkpoint ignores it',
  { timeout: 180_000 },
  async () => {
    const run = await runWithRewrittenLeaf(true);
    assert.equal(run.failures, 1, 'one finding');

    const raw = run.rawLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const findings = raw.filter((e) => e.type === FINDING_EVENT_TYPE);
    assert.equal(findings.length, 1, 'one finding event in the raw sink');
    const [finding] = findings;
    assert.match(String(finding.id), /^caf_finding_[0-9a-f]{32}$/);
    assert.equal(finding.reason, 'leaf_mismatch');
    assert.equal(finding.event_id, run.rewrittenId);
    assert.equal(finding.leaf_index, 3);
    assert.match(String(finding.detail), /not what the log committed at index 3/);
    const evidence = finding.evidence as Record<string, unknown>;
    assert.ok(Array.isArray(evidence.proof) && typeof evidence.note === 'string', 'the proof and the note');

    const ocsfFindings = run.ocsf.filter(
      (e) => (e.metadata as Record<string, unknown>).event_code === FINDING_EVENT_TYPE,
    );
    assert.equal(ocsfFindings.length, 1, 'one finding event in the OCSF sink');
    const [event] = ocsfFindings;
    assert.deepEqual(ocsfErrors(compileOcsfValidators(), event), [], 'valid OCSF');
    assert.equal((event.metadata as Record<string, unknown>).uid, finding.id);
    assert.equal(event.class_uid, 6003);
    assert.equal(event.severity_id, 4, 'High');
    assert.equal(event.status, 'Failure');
    assert.equal((event.unmapped as Record<string, unknown>).reason, 'leaf_mismatch');

    const feedLines = run.rawLines.filter(
      (l) => (JSON.parse(l) as { type: string }).type !== FINDING_EVENT_TYPE,
    );
    const feed = feedLines.map((l) => JSON.parse(l) as { id: string; created_at: string });
    assert.deepEqual(
      feed.map((a) => a.id).sort(),
      [...run.feedIds].sort(),
      'every feed record delivered once',
    );
    let sha = EMPTY_SHA256;
    feed.forEach((a, i) => (sha = chainLink(sha, a.id, feedLines[i])));
    const newest = feed.reduce(
      (w, a) => (Date.parse(a.created_at) > Date.parse(w) ? a.created_at : w),
      feed[0].created_at,
    );
    const { checkpoint } = run;
    assert.equal(checkpoint.sha256, sha, 'the content hash chains the feed records alone');
    assert.equal(checkpoint.watermark, newest, 'the watermark is the newest feed record');
    assert.equal(checkpoint.totals.delivered, feed.length, 'the delivered count is of feed records');
    assert.ok(!checkpoint.seen.some(([id]) => id === finding.id), 'the finding is not a committed id');
  },
);
