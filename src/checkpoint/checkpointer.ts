import { createHash, hash } from 'node:crypto';
import type { PipelineRecord } from '../pipeline/record';
import type { CheckpointStore } from './file-store';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  EMPTY_SHA256,
  INITIAL_ACCESS_TRANSPARENCY,
  type AccessTransparencyState,
  type CheckpointState,
  type CycleRecord,
  type SweepRecord,
} from './state';
import { INITIAL_RECORDING, applyActivity, isRecording, type RecordingState } from './recording';
import { AccessTransparencyLedger } from '../source/access-transparency/ledger';
import { isAccessTransparency } from '../source/access-transparency/activity';
import type { Logger } from '../observability/logger';
import { errorMessage } from '../util/errors';
import { OneAtATime } from '../util/one-at-a-time';

/**
 * One link of the content-hash chain. It runs once per committed activity, so it takes the
 * one-shot `crypto.hash` (Node ≥ 20.12: a third of the cost of a Hash object) where there is
 * one. Same bytes either way: nothing in a link can pair surrogates across its joins.
 */
const sha256Hex: (text: string) => string =
  typeof hash === 'function'
    ? (text) => hash('sha256', text, 'hex')
    : (text) => createHash('sha256').update(text).digest('hex');

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
  /** Last time the checkpoint was written (ms). */
  lastSavedAt = 0;
  /** Told how many committed records each successful save made durable. */
  onPersisted?: (records: number) => void;
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
   * `foundLate` of them were delivered by the Access Transparency late lane.
   */
  commit(records: readonly PipelineRecord[], deliveredCount: number, foundLate = 0): void {
    let sha = this.state.sha256;
    let watermark = this.state.watermark;
    let recording = this.state.recording;
    for (const r of records) {
      const ms = Date.parse(r.activity.created_at);
      this.committed.set(r.activity.id, ms);
      if (ms > this.watermarkMs) {
        this.watermarkMs = ms;
        watermark = r.activity.created_at;
      }
      sha = sha256Hex(sha + r.activity.id + '\n' + r.raw);
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

  recordSweep(record: SweepRecord): void {
    const lane = this.lateLane;
    this.state = {
      ...this.state,
      access_transparency: { ...lane, filter: record.filter, sweeps: lane.sweeps + 1, last_sweep: record },
    };
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
    if (this.unsaved === 0 || this.lastSaveError !== undefined || this.saveSoonQueued) return;
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
      const floor = this.watermarkMs - this.lookbackMs - 60_000;
      for (const [id, ms] of this.committed) if (ms < floor) this.committed.delete(id);
      this.accessTransparency.prune(
        this.watermarkMs - Math.max(this.accessTransparencyWindowMs, this.lookbackMs) - 60_000,
      );
      this.state = {
        ...this.state,
        updated_at: new Date().toISOString(),
        seen: [...this.committed.entries()],
        own_request_ids: this.ownRequestIds.slice(-2000),
        access_transparency: { ...this.lateLane, delivered: this.accessTransparency.entries() },
      };
      try {
        await this.store.save(this.state);
        this.lastSavedAt = Date.now();
        if (covered > 0) this.onPersisted?.(covered);
        if (this.lastSaveError)
          this.logger.info('checkpoint writes work again', { path: this.store.location });
        this.lastSaveError = undefined;
        this.retryDelayMs = 0;
      } catch (err) {
        this.dirty = true;
        this.unsaved += covered;
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
