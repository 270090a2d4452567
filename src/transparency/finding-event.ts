import { createHash } from 'node:crypto';
import type { PipelineInput } from '../pipeline/pipeline';
import type { Activity } from '../source/activity';
import type { Finding } from './findings';

/** A dotted name: no feed type has a dot, so it can never collide with a real activity type. */
export const FINDING_EVENT_TYPE = 'claude_audit_forwarder.transparency_log_finding';

/** Evidence beyond this many characters of JSON is cut: a SIEM event is not an archive. */
export const MAX_EVIDENCE_CHARS = 16_384;

/**
 * A verification finding as an event for the sinks (`source.access_transparency.finding_events`).
 * Its id hashes what the finding is about, never when it was seen: a finding about one event
 * keeps its id whenever a run reports it again (each run does while the fault lasts, and
 * after a restart); one about the log as a whole is identified by its evidence, the
 * checkpoints, so a newly signed checkpoint is a new finding.
 */
export function findingEvent(finding: Finding, organizationUuid: string, at: Date): PipelineInput {
  const evidence = JSON.stringify(finding.evidence);
  const identity =
    finding.id === undefined
      ? [finding.reason, evidence]
      : [finding.reason, finding.id, finding.leaf_index ?? null];
  const id = `caf_finding_${createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32)}`;
  const activity: Activity = {
    id,
    created_at: at.toISOString(),
    organization_uuid: organizationUuid,
    type: FINDING_EVENT_TYPE,
    actor: { type: 'claude_audit_forwarder' },
    reason: finding.reason,
    detail: finding.message,
    ...(finding.id === undefined ? {} : { event_id: finding.id }),
    ...(finding.leaf_index === undefined ? {} : { leaf_index: finding.leaf_index }),
    ...boundedEvidence(finding.evidence, evidence),
  };
  return { activity, raw: JSON.stringify(activity), deliver: true, synthetic: true };
}

function boundedEvidence(
  evidence: Finding['evidence'],
  text: string,
): { evidence: Finding['evidence'] } | { evidence_truncated: string; evidence_sha256: string } {
  if (text.length <= MAX_EVIDENCE_CHARS) return { evidence };
  // The whole evidence is in the error log line; the hash ties this cut copy to it.
  return {
    evidence_truncated: text.slice(0, MAX_EVIDENCE_CHARS),
    evidence_sha256: createHash('sha256').update(text).digest('hex'),
  };
}
