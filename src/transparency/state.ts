/**
 * What the verifier keeps between runs, in the `transparency_log` section of the checkpoint
 * file (spec §4.1 point 3). Only verified checkpoints are ever saved.
 */
export interface VerifiedEventRecord {
  readonly id: string;
  readonly leaf_index: number;
  /** base64 SHA-256 leaf hash of the leaf rebuilt from the served event. */
  readonly leaf_hash: string;
  readonly created_at: string | null;
}

export interface PendingEventRecord extends VerifiedEventRecord {
  /** When this verifier first saw the event served with an index it could not yet prove. */
  readonly first_seen: string;
}

export interface UnservedRecord {
  readonly id: string;
  readonly leaf_index: number;
  /** When a verified checkpoint first covered the entry while the feed had not served it. */
  readonly since: string;
  readonly reported: boolean;
}

export interface RunRecord {
  readonly started_at: string;
  readonly finished_at: string;
  readonly outcome: 'clean' | 'findings' | 'incomplete' | 'no_log';
  readonly findings: number;
  readonly error?: string;
}

export interface TransparencyLogState {
  /** The last verified checkpoint, exactly as served (signature line included); null before the first. */
  readonly checkpoint: string | null;
  readonly size: number;
  /** base64 root hash of that checkpoint. */
  readonly root: string | null;
  readonly verified_at: string | null;
  /** Events whose inclusion was proven, kept while the feed window can serve them again. */
  readonly verified: readonly VerifiedEventRecord[];
  /** Events proven in all runs (a count: records are pruned). */
  readonly verified_events: number;
  readonly pending: readonly PendingEventRecord[];
  /** Entries below this size were matched against the feed (served, or listed in `unserved`). */
  readonly completeness_size: number;
  readonly unserved: readonly UnservedRecord[];
  /** Newest created_at the verifier's feed reads have seen: its window is measured back from it. */
  readonly high_water: string | null;
  readonly last_run: RunRecord | null;
  /** Findings so far, by reason. */
  readonly findings: Readonly<Record<string, number>>;
}

export const INITIAL_TRANSPARENCY_LOG: TransparencyLogState = {
  checkpoint: null,
  size: 0,
  root: null,
  verified_at: null,
  verified: [],
  verified_events: 0,
  pending: [],
  completeness_size: 0,
  unserved: [],
  high_water: null,
  last_run: null,
  findings: {},
};
