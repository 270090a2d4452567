/**
 * Verification failures (spec §4.7): security findings, never transient errors. Each keeps
 * the evidence a person needs to report it to Anthropic.
 */
export const FINDING_REASONS = [
  'checkpoint_wrong_origin',
  'checkpoint_bad_signature',
  'checkpoint_unknown_key',
  'checkpoint_malformed',
  'log_shrank',
  'log_inconsistent',
  'log_fork',
  'leaf_mismatch',
  'inclusion_wrong_index',
  'inclusion_refused',
  'pending_overdue',
  'event_changed',
  'wrong_organization',
  'leaf_unbuildable',
  'committed_not_served',
] as const;

export type FindingReason = (typeof FINDING_REASONS)[number];

export interface Finding {
  readonly reason: FindingReason;
  readonly message: string;
  readonly id?: string;
  readonly leaf_index?: number;
  /** Notes, proofs, the served event: whatever shows the failure. */
  readonly evidence: Readonly<Record<string, unknown>>;
}

/** The run could not finish (network, 429/5xx beyond retries, an unexpected answer): never a finding. */
export class IncompleteRunError extends Error {}
