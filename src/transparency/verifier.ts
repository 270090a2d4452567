import { CommittedEntries, statusOf } from './committed-entries';
import { AbortedError, RetryableError } from '../util/errors';
import { IncompleteRunError, type Finding } from './findings';
import { FindingError, LinkedHistory, fork, inconsistent, verifiedNote } from './history';
import { keysFromServed, PUBLISHED_KEYS, type PinnedKey, type ServedKey, type TrustedKey } from './keys';
import { buildLeaf, type BuiltLeaf } from './leaf';
import type { LogReader } from './log-reader';
import { leafHash, verifyConsistency, verifyInclusion } from './merkle';
import type { Checkpoint } from './note';
import type { PendingEventRecord, TransparencyLogState, UnservedRecord, VerifiedEventRecord } from './state';

/**
 * One verification run of the organization's Access Transparency log (spec §4.2): keys,
 * the latest checkpoint proven to extend the saved one, inclusion of every event the feed
 * served, and the committed entries the feed has not served (§4.4). Pure of scheduling,
 * metrics and logs: the component around it (or the CLI) does those.
 */
export interface VerifierDeps {
  readonly reader: LogReader;
  /** From configuration, never from the API (§4.1). */
  readonly organizationUuid: string;
  /** Pinned fingerprints beside the published ones. */
  readonly pins: readonly PinnedKey[];
  /** The Access Transparency events served since `since` (RFC 3339; null: the whole window), as JSON texts. */
  readonly readFeed: (since: string) => Promise<readonly string[]>;
  /** Entries read from bundles, kept across runs of one process. */
  readonly committed: CommittedEntries;
  /** Persists the state: called as soon as a new checkpoint is verified, and at the end. */
  readonly save: (state: TransparencyLogState) => Promise<void>;
  readonly now?: () => Date;
  /** How far back the feed is re-read from the newest created_at seen (default 7 days). */
  readonly feedWindowMs?: number;
  /** How long an index may stay unproven (default 24 h). */
  readonly pendingGraceMs?: number;
  /** How long a committed event may stay unserved (default 24 h). */
  readonly unservedGraceMs?: number;
}

export interface RunResult {
  readonly outcome: 'clean' | 'findings' | 'incomplete' | 'no_log';
  readonly state: TransparencyLogState;
  readonly findings: readonly Finding[];
  /** Events whose inclusion this run proved. */
  readonly verified: number;
  /** Ids served without an index (pre-log history, or worth a review). */
  readonly notLogged: readonly string[];
  readonly pending: number;
  /** Rows of other types in the read. */
  readonly skipped: number;
  readonly error?: string;
}

const DAY = 86_400_000;

export function originOf(organizationUuid: string): string {
  return `axt.anthropic.com/${organizationUuid}`;
}

/** Keys that pass the checks of §3.4.2 and are pinned; the built-in production key always. */
export function trustedKeys(
  served: readonly ServedKey[],
  pins: readonly PinnedKey[],
  origin: string,
): TrustedKey[] {
  const fromApi = keysFromServed(served, [...PUBLISHED_KEYS, ...pins], origin);
  const builtIn = PUBLISHED_KEYS.filter((k) => !fromApi.some((a) => a.fingerprint === k.fingerprint));
  return [...fromApi, ...builtIn];
}

export async function verifyLog(deps: VerifierDeps, saved: TransparencyLogState): Promise<RunResult> {
  const run = new Run(deps, saved);
  try {
    return await run.execute();
  } catch (err) {
    if (err instanceof FindingError) return run.finish([err.finding]);
    if (isTransient(err)) return run.incomplete(err instanceof Error ? err.message : String(err));
    throw err;
  }
}

/** Network, 429/5xx beyond retries, an answer of no documented shape: the next run tries again. */
function isTransient(err: unknown): boolean {
  return (
    err instanceof IncompleteRunError ||
    err instanceof RetryableError ||
    err instanceof AbortedError ||
    statusOf(err) !== undefined
  );
}

class Run {
  private readonly now: Date;
  private readonly origin: string;
  private state: TransparencyLogState;
  private readonly findings: Finding[] = [];
  private verifiedNow = 0;
  private skipped = 0;
  private notLogged: string[] = [];

  constructor(
    private readonly deps: VerifierDeps,
    saved: TransparencyLogState,
  ) {
    this.now = (deps.now ?? (() => new Date()))();
    this.origin = originOf(deps.organizationUuid);
    this.state = saved;
  }

  async execute(): Promise<RunResult> {
    const { reader } = this.deps;
    const saved = this.savedCheckpoint();
    let keys: TrustedKey[];
    try {
      keys = this.trusted(await reader.keys());
    } catch (err) {
      if (statusOf(err) === 404 && !saved) return this.noLog();
      throw err;
    }
    const history = await this.latest(saved, keys);
    if (!history) return this.noLog();
    await this.checkEvents(history);
    await this.checkCompleteness(history.latest);
    return this.finish([]);
  }

  private savedCheckpoint(): Checkpoint | undefined {
    const { checkpoint, size, root } = this.state;
    if (checkpoint === null || root === null || size === 0) return undefined;
    return { origin: this.origin, size, root: Buffer.from(root, 'base64'), note: checkpoint };
  }

  private trusted(served: readonly ServedKey[]): TrustedKey[] {
    return trustedKeys(served, this.deps.pins, this.origin);
  }

  /** §4.2 steps 2-5: the latest checkpoint, proven to extend the saved one, saved at once. */
  private async latest(
    saved: Checkpoint | undefined,
    keys: TrustedKey[],
  ): Promise<LinkedHistory | undefined> {
    const { reader } = this.deps;
    let note: string;
    let hashes: readonly Buffer[] = [];
    if (!saved) {
      try {
        note = await reader.checkpoint();
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
      }
    } else {
      try {
        ({ checkpoint: note, hashes } = await reader.consistency(saved.size));
      } catch (err) {
        const status = statusOf(err);
        if (status === 400 || status === 401 || status === 403 || status === 404)
          throw new FindingError({
            reason: 'log_shrank',
            message: `the log refuses (${status}) to prove it extends the checkpoint of size ${saved.size} it signed`,
            evidence: { verified_note: saved.note, status },
          });
        throw err;
      }
    }
    const latest = verifiedNote(note, this.origin, keys, this.now);
    if (saved) {
      if (latest.size < saved.size)
        throw new FindingError({
          reason: 'log_shrank',
          message: `the log's checkpoint of size ${latest.size} is smaller than the verified ${saved.size}`,
          evidence: { verified_note: saved.note, new_note: latest.note },
        });
      if (latest.size === saved.size && !latest.root.equals(saved.root)) throw fork(saved, latest);
      if (!verifyConsistency(saved.size, saved.root, latest.size, latest.root, hashes))
        throw inconsistent(saved, latest, hashes);
    }
    await this.adopt(latest);
    return new LinkedHistory(
      latest,
      reader,
      this.origin,
      keys,
      this.now,
      (c) => this.adopt(c),
      saved ? [saved] : [],
    );
  }

  private async adopt(c: Checkpoint): Promise<void> {
    if (c.size === this.state.size && c.note === this.state.checkpoint) return;
    this.state = {
      ...this.state,
      checkpoint: c.note,
      size: c.size,
      root: c.root.toString('base64'),
      verified_at: this.now.toISOString(),
    };
    await this.deps.save(this.state);
  }

  /** §4.2 steps 6-7: every served event proven, re-served events unchanged. */
  private async checkEvents(history: LinkedHistory): Promise<void> {
    const windowMs = this.deps.feedWindowMs ?? 7 * DAY;
    const highWater = this.state.high_water ? Date.parse(this.state.high_water) : this.now.getTime();
    this.windowStart = new Date(highWater - windowMs).toISOString();
    const served = await this.deps.readFeed(this.windowStart);
    const texts = new Map<string, string>();
    const verified = new Map(this.state.verified.map((r) => [r.id, r]));
    const pending = new Map(this.state.pending.map((r) => [r.id, r]));
    const seenThisRun = new Map<string, BuiltLeaf>();
    let newest = this.state.high_water;
    for (const text of served) {
      const leaf = buildLeaf(text);
      if (leaf.kind === 'unrelated') {
        this.skipped++;
        continue;
      }
      if (leaf.kind === 'refused') {
        this.report({
          reason: 'leaf_unbuildable',
          message: `a served event cannot be rebuilt as a leaf: ${leaf.reason}`,
          evidence: { event: text },
        });
        continue;
      }
      const id = leaf.id ?? '';
      if (leaf.createdAt && (newest === null || Date.parse(leaf.createdAt) > Date.parse(newest)))
        newest = leaf.createdAt;
      if (leaf.organizationUuid !== this.deps.organizationUuid) {
        this.report({
          reason: 'wrong_organization',
          id,
          message: `event ${id} belongs to organization ${String(leaf.organizationUuid)}, not ${this.deps.organizationUuid}`,
          evidence: { event: text },
        });
        continue;
      }
      const hash = leafHash(leaf.entry).toString('base64');
      texts.set(id, text);
      const before = seenThisRun.get(id);
      seenThisRun.set(id, leaf);
      const known = verified.get(id) ?? pending.get(id);
      if (leaf.leafIndex === undefined) {
        // A copy without an index superseded by an indexed one is expected (§4.8); the reverse is not.
        if (known) this.changed(id, known, text, 'was served with an index and is now served without it');
        else if (before?.leafIndex !== undefined)
          this.changed(id, recordOf(before), text, 'is served with an index and again without it');
        else if (!before) this.notLogged.push(id);
        if (before?.leafIndex !== undefined) seenThisRun.set(id, before);
        continue;
      }
      if (
        before &&
        before.leafIndex !== undefined &&
        (before.leafIndex !== leaf.leafIndex || !before.entry.equals(leaf.entry))
      ) {
        this.changed(id, recordOf(before), text, 'is served twice with different indexes or contents');
        continue;
      }
      if (known) {
        if (known.leaf_index !== leaf.leafIndex || known.leaf_hash !== hash) {
          this.changed(id, known, text, 'is served again with another index or other leaf bytes');
          continue;
        }
        if (verified.has(id)) continue;
      }
      const record: PendingEventRecord = {
        id,
        leaf_index: leaf.leafIndex,
        leaf_hash: hash,
        created_at: leaf.createdAt,
        first_seen: pending.get(id)?.first_seen ?? this.now.toISOString(),
      };
      pending.set(id, record);
    }
    const superseded = new Set(
      [...seenThisRun].filter(([, l]) => l.leafIndex !== undefined).map(([id]) => id),
    );
    this.notLogged = this.notLogged.filter((id) => !superseded.has(id));
    for (const [id, record] of pending) {
      const proven = await this.prove(record, history, texts.get(id));
      if (proven === 'proven') {
        pending.delete(id);
        verified.set(id, {
          id,
          leaf_index: record.leaf_index,
          leaf_hash: record.leaf_hash,
          created_at: record.created_at,
        });
        this.verifiedNow++;
      } else if (proven === 'failed') pending.delete(id);
      else if (this.now.getTime() - Date.parse(record.first_seen) > (this.deps.pendingGraceMs ?? DAY)) {
        this.report({
          reason: 'pending_overdue',
          id,
          leaf_index: record.leaf_index,
          message: `no inclusion proof for event ${id} at index ${record.leaf_index} since ${record.first_seen}`,
          evidence: { first_seen: record.first_seen, verified_size: history.latest.size },
        });
        pending.delete(id);
      }
    }
    const cap = this.now.getTime() + 5 * 60_000;
    const highWaterNext =
      this.findings.length === 0 && newest !== null
        ? new Date(Math.min(Date.parse(newest), cap)).toISOString()
        : this.state.high_water;
    const floor = (highWaterNext ? Date.parse(highWaterNext) : this.now.getTime()) - windowMs - DAY;
    this.state = {
      ...this.state,
      high_water: highWaterNext,
      verified: [...verified.values()].filter(
        (r) => r.created_at === null || Date.parse(r.created_at) >= floor,
      ),
      verified_events: this.state.verified_events + this.verifiedNow,
      pending: [...pending.values()],
    };
    this.servedIds = new Set([...seenThisRun.keys(), ...verified.keys(), ...pending.keys()]);
  }

  private servedIds = new Set<string>();
  /** The oldest created_at this run's feed read covers: older entries cannot be judged unserved. */
  private windowStart = '';

  /** One event's inclusion; pending when the log does not cover it yet. */
  private async prove(
    record: PendingEventRecord,
    history: LinkedHistory,
    event: string | undefined,
  ): Promise<'proven' | 'pending' | 'failed'> {
    if (record.leaf_index >= history.latest.size) return 'pending';
    let answer;
    try {
      answer = await this.deps.reader.inclusion(record.leaf_index);
    } catch (err) {
      const status = statusOf(err);
      if (status === 404) return 'pending';
      if (status === 400 || status === 401 || status === 403) {
        this.report({
          reason: 'inclusion_refused',
          id: record.id,
          leaf_index: record.leaf_index,
          message: `the log refuses (${status}) an inclusion proof for served event ${record.id} at index ${record.leaf_index}`,
          evidence: { status },
        });
        return 'failed';
      }
      throw err;
    }
    if (answer.leafIndex !== record.leaf_index) {
      this.report({
        reason: 'inclusion_wrong_index',
        id: record.id,
        leaf_index: record.leaf_index,
        message: `asked for the proof of index ${record.leaf_index}, the log answered for ${answer.leafIndex}`,
        evidence: { answer_leaf_index: answer.leafIndex },
      });
      return 'failed';
    }
    const c = await history.link(answer.checkpoint);
    if (
      !verifyInclusion(
        Buffer.from(record.leaf_hash, 'base64'),
        record.leaf_index,
        c.size,
        answer.hashes,
        c.root,
      )
    ) {
      this.report({
        reason: 'leaf_mismatch',
        id: record.id,
        leaf_index: record.leaf_index,
        message: `event ${record.id} as served is not what the log committed at index ${record.leaf_index}`,
        evidence: {
          event: event ?? null,
          leaf_hash: record.leaf_hash,
          proof: answer.hashes.map((h) => h.toString('base64')),
          note: c.note,
        },
      });
      return 'failed';
    }
    return 'proven';
  }

  /** §4.4: committed entries the feed has not served, a finding once past the grace. */
  private async checkCompleteness(latest: Checkpoint): Promise<void> {
    const { committed, reader } = this.deps;
    await committed.readUpTo(reader, latest);
    const unserved = new Map(this.state.unserved.map((r) => [r.leaf_index, r]));
    for (let i = this.state.completeness_size; i < latest.size; i++) {
      const entry = committed.at(i);
      const id = entry?.id ?? null;
      // Only a feed read covering the entry's created_at can show it was not served.
      const covered = entry?.createdAt != null && Date.parse(entry.createdAt) >= Date.parse(this.windowStart);
      if (id !== null && covered && !this.servedIds.has(id))
        unserved.set(i, { id, leaf_index: i, since: this.now.toISOString(), reported: false });
    }
    const grace = this.deps.unservedGraceMs ?? DAY;
    const still: UnservedRecord[] = [];
    const forgetBefore = this.now.getTime() - (this.deps.feedWindowMs ?? 7 * DAY);
    for (const r of unserved.values()) {
      if (this.servedIds.has(r.id)) continue;
      if (r.reported && Date.parse(r.since) < forgetBefore) continue;
      if (!r.reported && this.now.getTime() - Date.parse(r.since) > grace) {
        this.report({
          reason: 'committed_not_served',
          id: r.id,
          leaf_index: r.leaf_index,
          message: `the log committed event ${r.id} at index ${r.leaf_index} and the feed has not served it since ${r.since}`,
          evidence: { since: r.since },
        });
        still.push({ ...r, reported: true });
      } else still.push(r);
    }
    this.state = { ...this.state, unserved: still, completeness_size: latest.size };
  }

  private changed(id: string, known: VerifiedEventRecord, text: string, how: string): void {
    this.report({
      reason: 'event_changed',
      id,
      leaf_index: known.leaf_index,
      message: `event ${id} ${how}`,
      evidence: { recorded: known, served: text },
    });
  }

  private report(finding: Finding): void {
    this.findings.push(finding);
  }

  private noLog(): RunResult {
    return this.result('no_log', this.state);
  }

  incomplete(error: string): RunResult {
    return this.result('incomplete', this.state, error);
  }

  async finish(extra: readonly Finding[]): Promise<RunResult> {
    this.findings.push(...extra);
    const counts = { ...this.state.findings };
    for (const f of this.findings) counts[f.reason] = (counts[f.reason] ?? 0) + 1;
    this.state = { ...this.state, findings: counts };
    await this.deps.save(this.state);
    return this.result(this.findings.length > 0 ? 'findings' : 'clean', this.state);
  }

  private result(outcome: RunResult['outcome'], state: TransparencyLogState, error?: string): RunResult {
    return {
      outcome,
      state,
      findings: this.findings,
      verified: this.verifiedNow,
      notLogged: this.notLogged,
      pending: state.pending.length,
      skipped: this.skipped,
      ...(error === undefined ? {} : { error }),
    };
  }
}

function recordOf(leaf: BuiltLeaf): VerifiedEventRecord {
  return {
    id: leaf.id ?? '',
    leaf_index: leaf.leafIndex ?? -1,
    leaf_hash: leafHash(leaf.entry).toString('base64'),
    created_at: leaf.createdAt,
  };
}
