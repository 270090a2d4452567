import type { LedgerEntry } from '../source/access-transparency/ledger';
import type { RecordingState } from './recording';
import type { TransparencyLogState } from '../transparency/state';

/**
 * What the checkpoint holds. The position only ever covers activities every sink has
 * durably accepted (the pipeline's low watermark); `seen` lets the next run skip what it
 * re-reads inside the lookback window, so a restart re-sends at most what was in flight.
 */
export const CHECKPOINT_FORMAT = 'claude-audit-forwarder/checkpoint';
/**
 * 2: sinks may hold positions of their own (`sinks`, pipeline.on_sink_failure: isolate). A
 * version 1 forwarder would ignore them and never deliver a detached sink's backlog, so
 * version 1 files are migrated (they are version 2 files without `sinks`) and a forwarder
 * reading version 1 refuses version 2. See docs/upgrading.md.
 */
export const CHECKPOINT_VERSION = 2;

/** Versions this forwarder migrates on load; the original file is kept beside it. */
export const MIGRATES_FROM: readonly number[] = [1];

/** One poll cycle's evidence of completeness (what the Compliance API docs recommend keeping). */
export interface CycleRecord {
  readonly cycle: number;
  readonly started_at: string;
  readonly finished_at: string;
  /** The created_at window this cycle read: [from, to). */
  readonly from: string;
  readonly to: string;
  /** Cursors of the first and last page of the cycle. */
  readonly start_cursor: string | null;
  readonly end_cursor: string | null;
  readonly pages: number;
  readonly fetched: number;
  readonly delivered: number;
  readonly filtered: number;
  readonly duplicates_suppressed: number;
  readonly late_caught: number;
  /** created_at of the oldest and newest activity delivered in this cycle. */
  readonly first_created_at: string | null;
  readonly last_created_at: string | null;
  readonly last_request_id: string | null;
  /** Running SHA-256 over every activity delivered since the checkpoint began (id + content). */
  readonly sha256: string;
}

/** One sweep of the Access Transparency late lane (see source/access-transparency/late-lane.ts). */
export interface SweepRecord {
  readonly started_at: string;
  readonly finished_at: string;
  /** The created_at window swept: [from, to). */
  readonly from: string;
  readonly to: string;
  /** server: the API filtered on the two types; client: the window was read whole and filtered here. */
  readonly filter: 'server' | 'client';
  readonly requests: number;
  readonly fetched: number;
  /** Rows no earlier read had delivered, handed to the pipeline by this sweep. */
  readonly found: number;
  /** How long after its created_at the latest-found row was found, in seconds; null if none. */
  readonly max_lateness_seconds: number | null;
  readonly last_request_id: string | null;
  /** Set when the window was not read: the transparency log, of this size, held no leaf not delivered yet. */
  readonly log_size?: number;
}

export interface AccessTransparencyState {
  /** Which type filter works for the lane, once tried; null before. */
  readonly filter: 'server' | 'client' | null;
  /** Access Transparency rows delivered inside the sweep window (see AccessTransparencyLedger). */
  readonly delivered: ReadonlyArray<LedgerEntry>;
  readonly sweeps: number;
  /** Rows delivered by the late lane: the poll cycles had already passed their created_at. */
  readonly found_late: number;
  readonly last_sweep: SweepRecord | null;
}

export const INITIAL_ACCESS_TRANSPARENCY: AccessTransparencyState = {
  filter: null,
  delivered: [],
  sweeps: 0,
  found_late: 0,
  last_sweep: null,
};

/** One cycle of a detached sink's catch-up lane. */
export interface CatchUpCycleRecord {
  readonly started_at: string;
  readonly finished_at: string;
  /** The created_at window read: [from, to). `to` never passes the main lane's last cycle. */
  readonly from: string;
  readonly to: string;
  readonly pages: number;
  readonly fetched: number;
  readonly delivered: number;
  readonly duplicates_suppressed: number;
}

/**
 * A sink out of step with the main position (pipeline.on_sink_failure: isolate): its own
 * position, kept until its catch-up lane has read up to the main lane and it is attached
 * again. A sink absent from `sinks` is attached: its position is the main one.
 */
export interface SinkLaneState {
  /** detached: failing, nothing reaches it; catching_up: it accepts again and its lane reads for it. */
  readonly state: 'detached' | 'catching_up';
  /** When it was detached, and why. */
  readonly since: string;
  readonly reason: string;
  /** Newest created_at this sink has: the main watermark when it was detached, then its lane's. */
  readonly watermark: string | null;
  /** Ids this sink has inside its lookback window: [id, created_at epoch ms]. */
  readonly seen: ReadonlyArray<readonly [string, number]>;
  /** Activities its catch-up lane delivered, and the cycles it ran, since it was detached. */
  readonly delivered: number;
  readonly cycles: number;
  readonly last_cycle: CatchUpCycleRecord | null;
  /**
   * Access Transparency rows the late lane delivered to the other sinks while this one was
   * detached: [id, created_at epoch ms]. Dated far behind its position, its catch-up lane
   * would never read them; it fetches them by their dates before it is attached again.
   */
  readonly owed_late?: ReadonlyArray<readonly [string, number]>;
}

export interface CheckpointState {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: number;
  readonly source: { readonly base_url: string };
  readonly created_at: string;
  readonly updated_at: string;
  /** Newest created_at among committed activities; null before the first commit. */
  readonly watermark: string | null;
  /** Where the first run started (resolved start_at). */
  readonly start: string;
  /** Committed activity ids inside the lookback window: [id, created_at epoch ms]. */
  readonly seen: ReadonlyArray<readonly [string, number]>;
  /** Request ids of our own recent API calls (self_events: drop). */
  readonly own_request_ids: readonly string[];
  readonly totals: { readonly delivered: number; readonly dead_lettered: number; readonly cycles: number };
  /** Running SHA-256 chain value (hex). */
  readonly sha256: string;
  readonly history: readonly CycleRecord[];
  /** Absent in checkpoints written before the late lane existed. */
  readonly access_transparency?: AccessTransparencyState;
  /** Whether the tenant records anything, and the gaps when it did not (absent: never switched). */
  readonly recording?: RecordingState;
  /** Sinks with their own position (detached or catching up); absent or empty: all in step. */
  readonly sinks?: Readonly<Record<string, SinkLaneState>>;
  /** The Access Transparency log verifier's last verified checkpoint and records; absent before its first run. */
  readonly transparency_log?: TransparencyLogState;
}

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
