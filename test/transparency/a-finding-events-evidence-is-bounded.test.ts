import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { findingEvent, MAX_EVIDENCE_CHARS } from '../../src/transparency/finding-event';

/**
 * The evidence of a finding can hold a whole served event (leaf_unbuildable,
 * event_changed): the log line keeps it all, the event for the sinks a bounded cut of it
 * and the hash of the whole, so a SIEM is never handed a record larger than it takes.
 */
const uuid = '25f6429a-3293-49bf-afed-cb312911554b';
const at = new Date('2026-10-06T09:00:00Z');

test('evidence over the bound is cut and hashed; evidence within it is kept whole', () => {
  const event = JSON.stringify({ id: 'act_1', padding: 'x'.repeat(200_000) });
  const big = findingEvent(
    { reason: 'leaf_unbuildable', message: 'a served event cannot be rebuilt', evidence: { event } },
    uuid,
    at,
  );
  const whole = JSON.stringify({ event });
  assert.equal(big.activity.evidence, undefined);
  assert.equal(big.activity.evidence_truncated, whole.slice(0, MAX_EVIDENCE_CHARS));
  assert.equal(big.activity.evidence_sha256, createHash('sha256').update(whole).digest('hex'));
  assert.ok(big.raw.length < MAX_EVIDENCE_CHARS + 2048, `${big.raw.length} characters`);

  const small = findingEvent(
    { reason: 'log_fork', message: 'two histories', evidence: { verified_note: 'a', new_note: 'b' } },
    uuid,
    at,
  );
  assert.deepEqual(small.activity.evidence, { verified_note: 'a', new_note: 'b' });
  assert.equal(small.activity.evidence_truncated, undefined);
});
