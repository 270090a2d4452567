import { createHash, hash } from 'node:crypto';
import type { PipelineRecord } from '../pipeline/record';
import type { CheckpointStore } from './file-store';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  EMPTY_SHA256,
  INITIAL_ACCESS_TRANSPARENCY,
  type AccessTransparencyState,
  type CatchUpCycleRecord,
  type CheckpointState,
  type CycleRecord,
  type SinkLaneState,
  type SweepRecord,
} from './state';
import { INITIAL_RECORDING, applyActivity, isRecording, type RecordingState } from './recording';
import { AccessTransparencyLedger } from '../source/access-transparency/ledger';
import { isAccessTransparency } from '../source/access-transparency/activity';
import type { Logger } from '../observability/logger';
import { errorMessage } from '../util/errors';
import { OneAtATime } from '../util/one-at-a-time';
import { INITIAL_TRANSPARENCY_LOG, type TransparencyLogState } from '../transparency/state';

/**
 * One link of the content-hash chain. It runs once per committed activity, so it takes the
 * one-shot `crypto.hash` (Node ≥ 20.12: a third of the cost of a Hash object) where there is
 * one. Same bytes either way: nothing in a link can pair surrogates across its joins.
 */
const sha256Hex: (text: string) => string =
  typeof hash === 'function'
    ? (text) => hash('sha256', text, 'hex')
    : (text) => createHash('sha256').update(text).digest('hex');

/** The running content hash after one more activity: what completeness records and exports carry. */
export function chainLink(previous: string, id: string, raw: string): string {
  return sha256Hex(previous + id + '\n' + raw);
}

/** Late Access Transparency rows kept per detached sink (they are rare: a few a day). */
const MAX_OWED_LATE = 10_000;

/**
 * Holds the checkpoint in memory and persists it. Only the pipeline's commit callback moves
 * it (records every sink has finished with, in order); saves are coalesced so a fast stream
 * does not fsync per page, and `flush` forces one (end of cycle, shutdown).
 */
export class Checkpointer {
  private state: CheckpointState;
  /** Committed ids → created_at ms, pruned to the lookback window on save. */
  private readonly committed = new Map<string, number>();
  private readonly ownRequestIds: string[];
  private readonly ownRequestIdSet: Set<string>;
  private watermarkMs: number;
  private dirty = false;
  private readonly saves = new OneAtATime();
  private timer?: NodeJS.Timeout;
  private lastSaveError?: string;
  /** After a failed save: when the next attempt runs, and when the failure was last logged. */
  private retryTimer?: NodeJS.Timeout;
  private retryDelayMs = 0;
  private lastErrorLoggedAt = 0;
  /** A saveSoon() save is waiting for the one in progress. */
  private saveSoonQueued = false;
  /** Records committed since the last successful save. */
  private unsaved = 0;
  /** The same, per detached sink's catch-up lane. */
  private readonly unsavedBySink = new Map<string, number>();
  /** Each detached sink's ids (→ created_at ms) and newest created_at: its own position. */
  private readonly sinkSeen = new Map<string, Map<string, number>>();
  private readonly sinkWatermarkMs = new Map<string, number>();
  /** Last time the checkpoint was written (ms). */
  lastSavedAt = 0;
  /** Told how many committed records each successful save made durable. */
  onPersisted?: (records: number) => void;
  /** The same for a detached sink's catch-up lane. */
  onSinkLanePersisted?: (sink: string, records: number) => void;
  /** Access Transparency rows delivered inside the sweep window. */
  readonly accessTransparency: AccessTransparencyLedger;

  constructor(
    private readonly store: CheckpointStore,
    initial: CheckpointState,
    private readonly lookbackMs: number,
    private readonly historyLimit: number,
    private readonly logger: Logger,
    private readonly saveIntervalMs = 100,
    /** How long Access Transparency rows are remembered: the late lane's sweep_window. */
    private readonly accessTransparencyWindowMs = 7 * 86_400_000,
  ) {
    this.state = initial;
    this.accessTransparency = new AccessTransparencyLedger(initial.access_transparency?.delivered);
    for (const [id, ms] of initial.seen) this.committed.set(id, ms);
    this.ownRequestIds = [...initial.own_request_ids];
    this.ownRequestIdSet = new Set(this.ownRequestIds);
    this.watermarkMs = initial.watermark ? Date.parse(initial.watermark) : Number.NEGATIVE_INFINITY;
    for (const [name, lane] of Object.entries(initial.sinks ?? {})) {
      this.sinkSeen.set(name, new Map(lane.seen));
      this.sinkWatermarkMs.set(name, lane.watermark ? Date.parse(lane.watermark) : Number.NEGATIVE_INFINITY);
    }
  }

  static fresh(baseUrl: string, start: string): CheckpointState {
    const now = new Date().toISOString();
    return {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      source: { base_url: baseUrl },
      created_at: now,
      updated_at: now,
      watermark: null,
      start,
      seen: [],
      own_request_ids: [],
      totals: { delivered: 0, dead_lettered: 0, cycles: 0 },
      sha256: EMPTY_SHA256,
      history: [],
    };
  }

  get current(): CheckpointState {
    return this.state;
  }

  get watermark(): string | null {
    return this.state.watermark;
  }

  get saveError(): string | undefined {
    return this.lastSaveError;
  }

  /** Ids already committed (the poller skips them when it re-reads the lookback window). */
  committedIds(): ReadonlyMap<string, number> {
    return this.committed;
  }

  get recording(): RecordingState {
    return this.state.recording ?? INITIAL_RECORDING;
  }

  get lateLane(): AccessTransparencyState {
    return this.state.access_transparency ?? INITIAL_ACCESS_TRANSPARENCY;
  }

  /** Whether `requestId` was one of our own recent API calls (its self event is ours). */
  isOwnRequest(requestId: string): boolean {
    return this.ownRequestIdSet.has(requestId);
  }

  /**
   * Remembers one of our requests. Persisted with the checkpoint, because the
   * compliance_api_accessed row of a run's last request appears after that run stopped.
   */
  rememberOwnRequestId(id: string): void {
    this.ownRequestIds.push(id);
    this.ownRequestIdSet.add(id);
    if (this.ownRequestIds.length > 5000) {
      for (const old of this.ownRequestIds.splice(0, this.ownRequestIds.length - 5000))
        this.ownRequestIdSet.delete(old);
    }
    this.markDirty();
  }

  /**
   * The pipeline's commit callback: these records are done with by every sink.
   * `foundLate` of them were delivered by the Access Transparency late lane. Synthetic
   * records only count as saved: the pipeline frees their room when the next save lands.
   */
  commit(records: readonly PipelineRecord[], deliveredCount: number, foundLate = 0): void {
    let sha = this.state.sha256;
    let watermark = this.state.watermark;
    let recording = this.state.recording;
    for (const r of records) {
      if (r.synthetic) continue;
      const ms = Date.parse(r.activity.created_at);
      this.committed.set(r.activity.id, ms);
      if (ms > this.watermarkMs) {
        this.watermarkMs = ms;
        watermark = r.activity.created_at;
      }
      sha = chainLink(sha, r.activity.id, r.raw);
      if (isAccessTransparency(r.activity.type)) this.accessTransparency.commit(r.activity);
      else recording = this.applyRecordingSwitch(recording, r.activity);
    }
    this.unsaved += records.length;
    const lane = this.lateLane;
    this.state = {
      ...this.state,
      watermark,
      sha256: sha,
      totals: { ...this.state.totals, delivered: this.state.totals.delivered + deliveredCount },
      ...(recording ? { recording } : {}),
      ...(foundLate > 0 ? { access_transparency: { ...lane, found_late: lane.found_late + foundLate } } : {}),
    };
    this.markDirty();
  }

  /** A committed settings row that switched recording off or on: say so loudly, keep the gap. */
  private applyRecordingSwitch(
    current: RecordingState | undefined,
    activity: PipelineRecord['activity'],
  ): RecordingState | undefined {
    const change = applyActivity(current ?? INITIAL_RECORDING, activity);
    if (change.state === (current ?? INITIAL_RECORDING)) return current;
    if (change.switched === 'off') {
      this.logger.error(
        'the Compliance API was switched off for this organization: nothing that happens from now until it is switched on again is recorded, and that gap can never be filled',
        {
          at: activity.created_at,
          switched_off_by: change.gap?.switched_off_by,
          activity_id: activity.id,
          compliance_api_enabled: change.state.api_enabled,
          compliance_api_logging_enabled: change.state.logging_enabled,
        },
      );
    } else if (change.switched === 'on') {
      this.logger.warn('the Compliance API records again; the gap stays in the completeness record', {
        from: change.gap?.from,
        to: activity.created_at,
        activity_id: activity.id,
      });
    }
    return change.state;
  }

  /** Whether the tenant's Compliance API is recording, as far as the committed feed says. */
  get recordingOn(): boolean {
    return isRecording(this.recording);
  }

  /** Remembers which type filter the API accepts for the late lane. */
  setLateLaneFilter(filter: 'server' | 'client'): void {
    this.state = { ...this.state, access_transparency: { ...this.lateLane, filter } };
    this.markDirty();
  }

  /** The transparency log verifier's state (initial in files written before it existed). */
  get transparencyLog(): TransparencyLogState {
    return this.state.transparency_log ?? INITIAL_TRANSPARENCY_LOG;
  }

  /** Records the verifier's state and writes it now: a verified checkpoint anchors every later run. */
  async saveTransparencyLog(state: TransparencyLogState): Promise<void> {
    this.state = { ...this.state, transparency_log: state };
    this.markDirty();
    await this.flush();
  }

  recordSweep(record: SweepRecord): void {
    const lane = this.lateLane;
    this.state = {
      ...this.state,
      access_transparency: { ...lane, filter: record.filter, sweeps: lane.sweeps + 1, last_sweep: record },
    };
    this.markDirty();
  }

  /** Sinks with a position of their own (detached or catching up), by name. */
  get sinkLanes(): Readonly<Record<string, SinkLaneState>> {
    return this.state.sinks ?? {};
  }

  /**
   * Gives `sink` a position of its own: the main position as it stands, which the sink has
   * acknowledged in full (the main lane committed nothing it had not finished with). Call
   * before the main lane commits anything the sink has not acknowledged.
   */
  detachSink(sink: string, reason: string): SinkLaneState {
    const seen = new Map(this.committed);
    this.sinkSeen.set(sink, seen);
    this.sinkWatermarkMs.set(sink, this.watermarkMs);
    const lane: SinkLaneState = {
      state: 'detached',
      since: new Date().toISOString(),
      reason,
      watermark: this.state.watermark,
      seen: [],
      delivered: 0,
      cycles: 0,
      last_cycle: null,
    };
    this.setSinkLane(sink, lane);
    return lane;
  }

  /** Ids a detached sink has inside its lookback window (its catch-up lane skips them). */
  sinkCommittedIds(sink: string): ReadonlyMap<string, number> {
    return this.sinkSeen.get(sink) ?? new Map();
  }

  /** A detached sink's newest created_at (its catch-up lane reads on from there). */
  sinkWatermark(sink: string): string | null {
    return this.sinkLanes[sink]?.watermark ?? null;
  }

  setSinkLaneState(sink: string, state: SinkLaneState['state']): void {
    const lane = this.sinkLanes[sink];
    if (!lane || lane.state === state) return;
    this.setSinkLane(sink, { ...lane, state });
  }

  /** A catch-up lane's commit callback: these records are done with by its sink. */
  commitSink(sink: string, records: readonly PipelineRecord[]): void {
    const lane = this.sinkLanes[sink];
    const seen = this.sinkSeen.get(sink);
    if (!lane || !seen) return;
    let watermarkMs = this.sinkWatermarkMs.get(sink) ?? Number.NEGATIVE_INFINITY;
    let watermark = lane.watermark;
    let delivered = 0;
    for (const r of records) {
      const ms = Date.parse(r.activity.created_at);
      seen.set(r.activity.id, ms);
      if (ms > watermarkMs) {
        watermarkMs = ms;
        watermark = r.activity.created_at;
      }
      if (r.deliver !== false) delivered++;
    }
    this.sinkWatermarkMs.set(sink, watermarkMs);
    this.unsavedBySink.set(sink, (this.unsavedBySink.get(sink) ?? 0) + records.length);
    // It accepts deliveries again: from now on it is catching up, not down.
    const state = delivered > 0 ? 'catching_up' : lane.state;
    this.setSinkLane(sink, { ...lane, state, watermark, delivered: lane.delivered + delivered });
  }

  /** The late lane's rows the main lane just committed: every detached sink is owed them. */
  oweLateRows(records: readonly PipelineRecord[]): void {
    const late = records.filter((r) => r.foundLate && r.deliver !== false);
    if (late.length === 0) return;
    for (const [sink, lane] of Object.entries(this.sinkLanes)) {
      const owed = [...(lane.owed_late ?? [])];
      for (const r of late) owed.push([r.activity.id, Date.parse(r.activity.created_at)]);
      if (owed.length > MAX_OWED_LATE) {
        this.logger.error(
          'a detached sink is owed more late Access Transparency rows than the checkpoint keeps; the oldest are dropped from its catch-up',
          { sink, kept: MAX_OWED_LATE, dropped: owed.length - MAX_OWED_LATE },
        );
        owed.splice(0, owed.length - MAX_OWED_LATE);
      }
      this.setSinkLane(sink, { ...lane, owed_late: owed });
    }
  }

  /** Late rows a detached sink is still owed. */
  sinkOwedLate(sink: string): ReadonlyArray<readonly [string, number]> {
    return this.sinkLanes[sink]?.owed_late ?? [];
  }

  /** These owed rows reached the sink (or can no longer be found): it is owed them no more. */
  settleOwedLate(sink: string, ids: ReadonlySet<string>): void {
    const lane = this.sinkLanes[sink];
    if (!lane?.owed_late || ids.size === 0) return;
    this.setSinkLane(sink, { ...lane, owed_late: lane.owed_late.filter(([id]) => !ids.has(id)) });
  }

  recordSinkCycle(sink: string, record: CatchUpCycleRecord): void {
    const lane = this.sinkLanes[sink];
    if (!lane) return;
    this.setSinkLane(sink, { ...lane, cycles: lane.cycles + 1, last_cycle: record });
  }

  /**
   * The sink is in step with the main lane again: its own position goes. Returns the ids it
   * has, so the main lane does not hand it again what its catch-up lane already delivered.
   */
  attachSink(sink: string): ReadonlyMap<string, number> {
    const seen = this.sinkSeen.get(sink) ?? new Map<string, number>();
    this.forgetSinkLane(sink);
    return seen;
  }

  /** A sink that is no longer configured: its position means nothing now. */
  forgetSinkLane(sink: string): void {
    this.sinkSeen.delete(sink);
    this.sinkWatermarkMs.delete(sink);
    this.unsavedBySink.delete(sink);
    if (!(sink in this.sinkLanes)) return;
    const { [sink]: _gone, ...rest } = this.sinkLanes;
    this.state = { ...this.state, sinks: rest };
    this.markDirty();
  }

  private setSinkLane(sink: string, lane: SinkLaneState): void {
    this.state = { ...this.state, sinks: { ...this.sinkLanes, [sink]: lane } };
    this.markDirty();
  }

  addDeadLettered(count: number): void {
    this.state = {
      ...this.state,
      totals: { ...this.state.totals, dead_lettered: this.state.totals.dead_lettered + count },
    };
    this.markDirty();
  }

  recordCycle(record: Omit<CycleRecord, 'sha256' | 'cycle'>): CycleRecord {
    const full: CycleRecord = { cycle: this.state.totals.cycles + 1, ...record, sha256: this.state.sha256 };
    const history = [...this.state.history, full];
    if (history.length > this.historyLimit) history.splice(0, history.length - this.historyLimit);
    this.state = { ...this.state, history, totals: { ...this.state.totals, cycles: full.cycle } };
    this.markDirty();
    return full;
  }

  private markDirty(): void {
    this.dirty = true;
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush().catch(() => undefined);
      }, this.saveIntervalMs);
      this.timer.unref?.();
    }
  }

  /**
   * The pipeline is full and waits for a save to free room: write now rather than when the
   * save interval ends (the interval coalesces saves while nobody waits for them; a catch-up
   * that waited for it idled up to 100 ms per buffer's worth of activities). After a failed
   * save the retry schedule decides when to try again, so a broken disk is not hammered.
   */
  saveSoon(): void {
    if (
      (this.unsaved === 0 && this.unsavedBySink.size === 0) ||
      this.lastSaveError !== undefined ||
      this.saveSoonQueued
    )
      return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.saveSoonQueued = true;
    void this.saves.settled().then(() => {
      this.saveSoonQueued = false;
      return this.flush().catch(() => undefined);
    });
  }

  /** Writes the checkpoint now if anything changed. */
  flush(): Promise<void> {
    return this.saves.run(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      const covered = this.unsaved;
      this.unsaved = 0;
      const coveredBySink = new Map(this.unsavedBySink);
      this.unsavedBySink.clear();
      const floor = this.watermarkMs - this.lookbackMs - 60_000;
      for (const [id, ms] of this.committed) if (ms < floor) this.committed.delete(id);
      const sinks = this.sinkLanesToSave();
      this.accessTransparency.prune(
        this.watermarkMs - Math.max(this.accessTransparencyWindowMs, this.lookbackMs) - 60_000,
      );
      this.state = {
        ...this.state,
        updated_at: new Date().toISOString(),
        seen: [...this.committed.entries()],
        own_request_ids: this.ownRequestIds.slice(-2000),
        access_transparency: { ...this.lateLane, delivered: this.accessTransparency.entries() },
        ...(sinks ? { sinks } : {}),
      };
      try {
        await this.store.save(this.state);
        this.lastSavedAt = Date.now();
        if (covered > 0) this.onPersisted?.(covered);
        for (const [sink, n] of coveredBySink) this.onSinkLanePersisted?.(sink, n);
        if (this.lastSaveError)
          this.logger.info('checkpoint writes work again', { path: this.store.location });
        this.lastSaveError = undefined;
        this.retryDelayMs = 0;
      } catch (err) {
        this.dirty = true;
        this.unsaved += covered;
        for (const [sink, n] of coveredBySink)
          this.unsavedBySink.set(sink, (this.unsavedBySink.get(sink) ?? 0) + n);
        if (this.lastSaveError === undefined || Date.now() - this.lastErrorLoggedAt >= 60_000) {
          this.logger.error(
            'cannot write the checkpoint; delivery continues until pipeline.max_buffered_events activities wait for it, then pauses; the write is retried',
            { path: this.store.location, error: errorMessage(err) },
          );
          this.lastErrorLoggedAt = Date.now();
        }
        this.lastSaveError = errorMessage(err);
        this.scheduleRetry();
        throw err;
      }
    });
  }

  /** Each detached sink's position, its ids pruned to its own lookback floor. */
  private sinkLanesToSave(): Record<string, SinkLaneState> | undefined {
    const lanes = this.sinkLanes;
    if (Object.keys(lanes).length === 0) return this.state.sinks ? {} : undefined;
    const out: Record<string, SinkLaneState> = {};
    for (const [name, lane] of Object.entries(lanes)) {
      const seen = this.sinkSeen.get(name) ?? new Map<string, number>();
      const floor = (this.sinkWatermarkMs.get(name) ?? Number.NEGATIVE_INFINITY) - this.lookbackMs - 60_000;
      for (const [id, ms] of seen) if (ms < floor) seen.delete(id);
      out[name] = { ...lane, seen: [...seen.entries()] };
    }
    return out;
  }

  /**
   * A failed save must be tried again by itself: once the buffer is full nothing commits, so
   * nothing else would call flush, and a disk that became writable again would never be
   * used (delivery stalled for good). Backs off from 1 s to 30 s.
   */
  private scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryDelayMs = Math.min(30_000, Math.max(1000, this.retryDelayMs * 2));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.flush().catch(() => undefined);
    }, this.retryDelayMs);
    this.retryTimer.unref?.();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}
