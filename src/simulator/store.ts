import { ACTIVITY_TYPES } from '../catalogue';
import type { Activity, Actor } from '../source/activity';
import { SELF_EVENT_TYPE } from '../source/activity';
import { ACTOR_TYPES } from './actors';
import {
  type AccessTransparencyOptions,
  isAccessTransparencyType,
  visibleAtFor,
} from './access-transparency';
import {
  type ActivityKind,
  FUTURE_TYPES,
  type KindMix,
  UNLISTED_FEED_TYPES,
  activityTraits,
  makeActivity,
  makeHostileActivity,
  pickKind,
} from './generate';
import { IdCodec, MAX_STREAM_INDEX } from './ids';
import { Rng, mixSeed } from './prng';
import type { Tenant } from './tenant';
import { formatMicros, parseMicros } from './time';
import { RenderedRows } from './rendered';
import { TransparencyLogs } from './transparency-log';

/**
 * The tenant's activities, ordered by (created_at, id), each with a visible-from time
 * (ingestion delay). Rows live in parallel typed arrays (≈30 bytes per row) and their JSON is
 * rebuilt on demand from (seed, stream, index), so a million rows fit in a few tens of MB.
 * `order` is the sorted permutation of row numbers; rows arrive mostly in time order, and a
 * late row is an insertion (binary search + memmove) into it.
 */

/** Where a row's content comes from. Generated streams are decodable from the id. */
export enum Stream {
  Backlog = 0,
  Live = 1,
  Appended = 2,
  Self = 3,
  /** Caller-supplied activity objects, kept as given (tests, hostile content). */
  Explicit = 4,
}

const ORG_PRESENT = 0;
const ORG_NULL = 1;
const ORG_ABSENT = 2;
/** Explicit rows: filters read the stored object itself. */
const ORG_FROM_OBJECT = 3;

/** What the server's own `compliance_api_accessed` rows carry (everything else is derived). */
export interface SelfEventRecord {
  readonly requestId: string | null;
  readonly method: string;
  readonly statusCode: number;
  readonly url: string;
  readonly actor: Actor;
}

export interface StoreOptions {
  readonly seed: number;
  readonly tenant: Tenant;
  /** Initial row capacity; grows by half when full. */
  readonly capacity?: number;
  /** Type mix of generated rows. */
  readonly mix?: KindMix;
  /** Share of generated rows whose strings are hostile (see makeHostileActivity). Default 0. */
  readonly hostileRate?: number;
  /** Visibility and leaf indexes of `anthropic_access` / `cmek_preserve` rows. */
  readonly accessTransparency?: AccessTransparencyOptions;
}

/** A query already validated by the HTTP layer; bounds and cursors in microseconds. */
export interface StoreQuery {
  readonly includeTypes?: ReadonlySet<string>;
  readonly excludeTypes?: ReadonlySet<string>;
  readonly userIds?: ReadonlySet<string>;
  /** Org ids and UUIDs of the tenant that were asked for; rows without an org always match. */
  readonly organizationIds?: ReadonlySet<string>;
  readonly gteMicros?: number;
  readonly gtMicros?: number;
  readonly lteMicros?: number;
  readonly ltMicros?: number;
  readonly order: 'asc' | 'desc';
  readonly limit: number;
  readonly cursor?: { readonly kind: 'after' | 'before'; readonly micros: number; readonly id: string };
  /** Include the cursor's own row again (the duplicate-rows fault). */
  readonly includeCursorRow?: boolean;
}

export interface StoreResult {
  /** Row numbers in result order. */
  readonly rows: number[];
  readonly hasMore: boolean;
}

class GrowableInt32 {
  data = new Int32Array(1024);
  length = 0;
  push(v: number): number {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length] = v;
    return this.length++;
  }
}

export class ActivityStore {
  readonly seed: number;
  readonly tenant: Tenant;
  private readonly codec: IdCodec;
  private capacity: number;
  private count = 0;
  private backlogCount = 0;

  private createdAt: Float64Array;
  private visibleAt: Float64Array;
  private typeCode: Uint16Array;
  private actorCode: Uint8Array;
  private userIndex: Int16Array;
  private orgFlag: Uint8Array;
  private stream: Uint8Array;
  private streamIndex: Uint32Array;
  private order: Uint32Array;

  private readonly streamRows = [
    new GrowableInt32(),
    new GrowableInt32(),
    new GrowableInt32(),
    new GrowableInt32(),
    new GrowableInt32(),
  ];
  private readonly selfRecords: SelfEventRecord[] = [];
  private readonly explicit: Activity[] = [];
  private readonly explicitRows = new Map<string, number[]>();

  private readonly typeNames: string[] = [];
  private readonly typeCodes = new Map<string, number>();
  private readonly actorNames: string[] = [];
  private readonly actorCodes = new Map<string, number>();
  private readonly userIds: string[];
  private rendered?: RenderedRows;
  private appended?: (row: number) => void;
  private readonly mix: KindMix;
  private readonly hostileRate: number;
  private readonly accessTransparency: AccessTransparencyOptions;
  /** The organizations' transparency logs: which row holds which leaf. */
  readonly transparencyLogs: TransparencyLogs;

  constructor(options: StoreOptions) {
    this.seed = options.seed;
    this.mix = options.mix ?? {};
    this.hostileRate = options.hostileRate ?? 0;
    this.accessTransparency = options.accessTransparency ?? {};
    const logCreatedAt = this.accessTransparency.logCreatedAt;
    const logCreatedAtMicros =
      logCreatedAt === undefined
        ? undefined
        : logCreatedAt instanceof Date
          ? logCreatedAt.getTime() * 1000
          : parseMicros(logCreatedAt);
    if (logCreatedAt !== undefined && logCreatedAtMicros === undefined)
      throw new Error(`accessTransparency.logCreatedAt is not RFC 3339: ${String(logCreatedAt)}`);
    this.transparencyLogs = new TransparencyLogs(
      logCreatedAtMicros,
      this.accessTransparency.unindexedCopyMs ?? 0,
    );
    this.tenant = options.tenant;
    this.codec = new IdCodec(options.seed);
    this.capacity = Math.max(1024, options.capacity ?? 4096);
    this.createdAt = new Float64Array(this.capacity);
    this.visibleAt = new Float64Array(this.capacity);
    this.typeCode = new Uint16Array(this.capacity);
    this.actorCode = new Uint8Array(this.capacity);
    this.userIndex = new Int16Array(this.capacity);
    this.orgFlag = new Uint8Array(this.capacity);
    this.stream = new Uint8Array(this.capacity);
    this.streamIndex = new Uint32Array(this.capacity);
    this.order = new Uint32Array(this.capacity);
    for (const t of ACTIVITY_TYPES) this.codeOfType(t.type);
    for (const t of [...UNLISTED_FEED_TYPES, ...FUTURE_TYPES]) this.codeOfType(t);
    for (const a of ACTOR_TYPES) this.codeOfActor(a);
    this.userIds = options.tenant.users.map((u) => u.id);
  }

  get size(): number {
    return this.count;
  }

  /** Called with each row appended from now on (the demo journals them, see history.ts). */
  onAppend(listener: (row: number) => void): void {
    this.appended = listener;
  }

  // ---- building --------------------------------------------------------------------------

  /**
   * Bulk-loads `n` generated rows spread uniformly over [fromMicros, toMicros], all visible
   * from `visibleAtMs`. Only on an empty store: the rows are created already sorted, which
   * is what makes a million-row build take seconds instead of a comparison sort.
   */
  loadBacklog(n: number, fromMicros: number, toMicros: number, visibleAtMs: number): void {
    if (this.count !== 0) throw new Error('loadBacklog needs an empty store');
    if (n > MAX_STREAM_INDEX) throw new Error(`backlog too large (max ${MAX_STREAM_INDEX})`);
    this.ensureCapacity(n + 1024);
    const times = new Float64Array(n);
    const rng = new Rng(mixSeed(this.seed, 0xb4c1));
    const span = Math.max(1, toMicros - fromMicros);
    for (let i = 0; i < n; i++) times[i] = fromMicros + Math.floor(rng.next() * span);
    times.sort();
    for (let i = 0; i < n; i++) {
      this.fillGenerated(i, Stream.Backlog, i, times[i], visibleAtMs);
      this.order[i] = i;
    }
    this.count = n;
    this.backlogCount = n;
    this.sortTies();
  }

  /**
   * Appends a generated row of `stream` (of the given kind, else one drawn from the seed);
   * returns its row number. Live Access Transparency rows get their own visibility delay.
   */
  appendGenerated(
    stream: Stream.Live | Stream.Appended,
    createdAtMicros: number,
    visibleAtMs: number,
    kind?: ActivityKind,
  ): number {
    const index = this.streamRows[stream].length;
    if (index > MAX_STREAM_INDEX) throw new Error('stream full');
    this.ensureCapacity(this.count + 1);
    const row = this.count++;
    this.streamRows[stream].push(row);
    this.fillGenerated(row, stream, index, createdAtMicros, visibleAtMs, kind);
    this.place(row);
    this.appended?.(row);
    return row;
  }

  appendSelfEvent(record: SelfEventRecord, createdAtMicros: number, visibleAtMs: number): number {
    this.ensureCapacity(this.count + 1);
    const row = this.count++;
    const index = this.selfRecords.push(record) - 1;
    this.streamRows[Stream.Self].push(row);
    this.fillRow(
      row,
      Stream.Self,
      index,
      createdAtMicros,
      visibleAtMs,
      this.codeOfType(SELF_EVENT_TYPE),
      this.codeOfActor(record.actor.type),
      -1,
      ORG_PRESENT,
    );
    this.place(row);
    this.appended?.(row);
    return row;
  }

  appendExplicit(activity: Activity, visibleAtMs: number): number {
    const micros = parseMicros(activity.created_at);
    if (micros === undefined)
      throw new Error(`activity ${activity.id}: created_at is not RFC 3339: ${activity.created_at}`);
    this.ensureCapacity(this.count + 1);
    const row = this.count++;
    const index = this.explicit.push(activity) - 1;
    const rows = this.explicitRows.get(activity.id) ?? [];
    rows.push(row);
    this.explicitRows.set(activity.id, rows);
    this.fillRow(
      row,
      Stream.Explicit,
      index,
      micros,
      visibleAtMs,
      this.codeOfType(activity.type),
      this.codeOfActor(activity.actor.type),
      -1,
      ORG_FROM_OBJECT,
    );
    this.place(row);
    // A row that brings its own index (or an explicit absence: the key set to undefined) keeps it.
    if (isAccessTransparencyType(activity.type) && !('transparency_log_leaf_index' in activity)) {
      const org = typeof activity.organization_id === 'string' ? activity.organization_id : undefined;
      this.transparencyLogs.enqueue(row, org, micros, visibleAtMs);
    }
    this.appended?.(row);
    return row;
  }

  private fillGenerated(
    row: number,
    stream: Stream,
    index: number,
    micros: number,
    visibleAtMs: number,
    given?: ActivityKind,
  ): void {
    const contentSeed = mixSeed(this.seed, stream, index);
    const kind = given ?? pickKind(contentSeed, this.mix);
    const traits = activityTraits({
      type: kind.type,
      actorType: kind.actorType,
      seed: contentSeed,
      tenant: this.tenant,
    });
    const org = traits.org === 'present' ? ORG_PRESENT : traits.org === 'null' ? ORG_NULL : ORG_ABSENT;
    let visibleAt = visibleAtMs;
    const accessTransparency = isAccessTransparencyType(kind.type);
    // Recorded at created_at, visible up to two business days later; appended rows keep the
    // visibility their caller chose.
    if (accessTransparency && stream !== Stream.Appended)
      visibleAt = visibleAtFor(micros / 1000, contentSeed, this.accessTransparency.visibilityDelay);
    this.fillRow(
      row,
      stream,
      index,
      micros,
      visibleAt,
      this.codeOfType(kind.type),
      this.codeOfActor(kind.actorType),
      traits.userIndex,
      org,
    );
    if (accessTransparency && org === ORG_PRESENT)
      this.transparencyLogs.enqueue(row, this.tenant.organizationId, micros, visibleAt);
  }

  private fillRow(
    row: number,
    stream: Stream,
    index: number,
    micros: number,
    visibleAtMs: number,
    type: number,
    actor: number,
    user: number,
    org: number,
  ): void {
    this.createdAt[row] = micros;
    this.visibleAt[row] = visibleAtMs;
    this.typeCode[row] = type;
    this.actorCode[row] = actor;
    this.userIndex[row] = user;
    this.orgFlag[row] = org;
    this.stream[row] = stream;
    this.streamIndex[row] = index;
  }

  /** Inserts `row` (already counted) into the sorted permutation. */
  private place(row: number): void {
    const n = this.count - 1;
    const micros = this.createdAt[row];
    const id = this.idOf(row);
    // Most rows are the newest: check the end before searching.
    let pos = n;
    if (n > 0 && this.compareRowToKey(this.order[n - 1], micros, id) > 0) {
      pos = this.firstPosition(micros, id, true, 0, n);
      this.order.copyWithin(pos + 1, pos, n);
    }
    this.order[pos] = row;
  }

  /** Equal created_at is rare but possible: such runs are ordered by id. */
  private sortTies(): void {
    let start = 0;
    for (let i = 1; i <= this.count; i++) {
      if (i < this.count && this.createdAt[this.order[i]] === this.createdAt[this.order[start]]) continue;
      if (i - start > 1) {
        const run = Array.from(this.order.subarray(start, i)).sort((a, b) =>
          this.idOf(a) < this.idOf(b) ? -1 : 1,
        );
        this.order.set(run, start);
      }
      start = i;
    }
  }

  private ensureCapacity(needed: number): void {
    if (needed <= this.capacity) return;
    let next = this.capacity;
    while (next < needed) next = Math.ceil(next * 1.5);
    const grow = <T extends Float64Array | Uint32Array | Uint16Array | Uint8Array | Int16Array>(
      old: T,
      make: (n: number) => T,
    ): T => {
      const fresh = make(next);
      fresh.set(old);
      return fresh;
    };
    this.createdAt = grow(this.createdAt, (n) => new Float64Array(n));
    this.visibleAt = grow(this.visibleAt, (n) => new Float64Array(n));
    this.typeCode = grow(this.typeCode, (n) => new Uint16Array(n));
    this.actorCode = grow(this.actorCode, (n) => new Uint8Array(n));
    this.userIndex = grow(this.userIndex, (n) => new Int16Array(n));
    this.orgFlag = grow(this.orgFlag, (n) => new Uint8Array(n));
    this.stream = grow(this.stream, (n) => new Uint8Array(n));
    this.streamIndex = grow(this.streamIndex, (n) => new Uint32Array(n));
    this.order = grow(this.order, (n) => new Uint32Array(n));
    this.capacity = next;
  }

  private codeOfType(type: string): number {
    let code = this.typeCodes.get(type);
    if (code === undefined) {
      code = this.typeNames.push(type) - 1;
      if (code > 0xffff) throw new Error('too many distinct activity types');
      this.typeCodes.set(type, code);
    }
    return code;
  }

  private codeOfActor(actor: string): number {
    let code = this.actorCodes.get(actor);
    if (code === undefined) {
      code = this.actorNames.push(actor) - 1;
      if (code > 0xff) throw new Error('too many distinct actor types');
      this.actorCodes.set(actor, code);
    }
    return code;
  }

  // ---- reading ---------------------------------------------------------------------------

  idOf(row: number): string {
    const stream = this.stream[row] as Stream;
    if (stream === Stream.Explicit) return this.explicit[this.streamIndex[row]].id;
    return this.codec.encode(stream, this.streamIndex[row]);
  }

  createdAtMicrosOf(row: number): number {
    return this.createdAt[row];
  }

  visibleAtOf(row: number): number {
    return this.visibleAt[row];
  }

  /** Whether the row records a request made to this simulator (not generated content). */
  isSelfEvent(row: number): boolean {
    return (this.stream[row] as Stream) === Stream.Self;
  }

  typeOf(row: number): string {
    return this.typeNames[this.typeCode[row]];
  }

  /** The row holding `id`, if any (the first one, should explicit rows repeat an id). */
  rowOfId(id: string): number | undefined {
    const explicit = this.explicitRows.get(id);
    if (explicit) return explicit[0];
    const decoded = this.codec.decode(id);
    if (!decoded || decoded.stream > (Stream.Self as number)) return undefined;
    const stream = decoded.stream as Stream;
    let row: number | undefined;
    if (stream === Stream.Backlog) row = decoded.index < this.backlogCount ? decoded.index : undefined;
    else {
      const rows = this.streamRows[stream];
      row = decoded.index < rows.length ? rows.data[decoded.index] : undefined;
    }
    return row !== undefined && this.idOf(row) === id ? row : undefined;
  }

  /**
   * Renders the JSON of every row stored so far, once, so pages of them are served as bytes
   * (see rendered.ts). Rows added later are built on demand as before.
   */
  prerender(): void {
    // Access Transparency rows change when stamped with their leaf index: built on demand.
    this.rendered = new RenderedRows(this.count, (row) =>
      isAccessTransparencyType(this.typeOf(row)) ? undefined : JSON.stringify(this.activityOf(row)),
    );
  }

  /** The row's JSON text as served, when prerendered; undefined otherwise. */
  renderedJson(row: number): Buffer | undefined {
    return this.rendered?.has(row) ? this.rendered.bytes(row) : undefined;
  }

  /** The row's `created_at` exactly as its JSON carries it. */
  createdAtTextOf(row: number): string {
    return (this.stream[row] as Stream) === Stream.Explicit
      ? this.explicit[this.streamIndex[row]].created_at
      : formatMicros(this.createdAt[row]);
  }

  /** The activity object of a row, rebuilt deterministically. */
  activityOf(row: number): Activity {
    const stream = this.stream[row] as Stream;
    const index = this.streamIndex[row];
    if (stream === Stream.Explicit) {
      const given = this.explicit[index];
      const leaf = this.transparencyLogs.leafIndexOf(row);
      return leaf === undefined ? given : { ...given, transparency_log_leaf_index: leaf };
    }
    const id = this.codec.encode(stream, index);
    const createdAt = formatMicros(this.createdAt[row]);
    const contentSeed = mixSeed(this.seed, stream, index);
    if (stream === Stream.Self) {
      const r = this.selfRecords[index];
      return makeActivity({
        type: SELF_EVENT_TYPE,
        actorType: r.actor.type,
        seed: contentSeed,
        id,
        createdAt,
        tenant: this.tenant,
        actor: r.actor,
        fields: {
          request_id: r.requestId,
          request_method: r.method,
          status_code: r.statusCode,
          url: r.url,
          request_body: null,
        },
      });
    }
    const spec = {
      type: this.typeNames[this.typeCode[row]],
      actorType: this.actorNames[this.actorCode[row]],
      id,
      createdAt,
      tenant: this.tenant,
    };
    if (isAccessTransparencyType(spec.type))
      return makeActivity({ ...spec, seed: contentSeed, fields: this.leafFields(row) });
    // Hostile rows keep type, actor variant, user and organization: filters still agree.
    if (this.hostileRate > 0 && new Rng(mixSeed(contentSeed, 0x405)).chance(this.hostileRate))
      return makeHostileActivity(contentSeed, spec);
    return makeActivity({ ...spec, seed: contentSeed });
  }

  private leafFields(row: number): Record<string, unknown> {
    const leaf = this.transparencyLogs.leafIndexOf(row);
    if (leaf !== undefined) return { transparency_log_leaf_index: leaf };
    return this.accessTransparency.missingLeafIndex === 'null' ? { transparency_log_leaf_index: null } : {};
  }

  /** Stamps the leaf index of every Access Transparency row eligible by `nowMs`. */
  advanceTo(nowMs: number): void {
    this.transparencyLogs.stampUpTo(nowMs);
  }

  /** Row numbers in (created_at, id) order, optionally only those visible at `nowMs`. */
  *rowsInOrder(nowMs?: number): Generator<number> {
    for (let pos = 0; pos < this.count; pos++) {
      const row = this.order[pos];
      if (nowMs === undefined || this.visibleAt[row] <= nowMs) yield row;
    }
  }

  visibleCount(nowMs: number): number {
    let n = 0;
    for (let row = 0; row < this.count; row++) if (this.visibleAt[row] <= nowMs) n++;
    return n;
  }

  /** Bytes held by the row columns (capacity, not just rows in use). */
  columnBytes(): number {
    return this.capacity * (8 + 8 + 2 + 1 + 2 + 1 + 1 + 4 + 4);
  }

  // ---- querying --------------------------------------------------------------------------

  query(q: StoreQuery, nowMs: number): StoreResult {
    this.advanceTo(nowMs);
    // [lo, hi): positions inside the created_at bounds.
    let lo = 0;
    let hi = this.count;
    if (q.gteMicros !== undefined)
      lo = Math.max(lo, this.firstPosition(q.gteMicros, undefined, false, 0, this.count));
    if (q.gtMicros !== undefined)
      lo = Math.max(lo, this.firstPosition(q.gtMicros, undefined, true, 0, this.count));
    if (q.lteMicros !== undefined)
      hi = Math.min(hi, this.firstPosition(q.lteMicros, undefined, true, 0, this.count));
    if (q.ltMicros !== undefined)
      hi = Math.min(hi, this.firstPosition(q.ltMicros, undefined, false, 0, this.count));

    // Which side of the cursor, and which way to walk so the nearest rows come first.
    let ascending = q.order === 'asc';
    if (q.cursor) {
      const { micros, id } = q.cursor;
      const inclusive = q.includeCursorRow === true;
      const towardsNewer = (q.cursor.kind === 'after') === (q.order === 'asc');
      if (towardsNewer) lo = Math.max(lo, this.firstPosition(micros, id, !inclusive, 0, this.count));
      else hi = Math.min(hi, this.firstPosition(micros, id, inclusive, 0, this.count));
      ascending = towardsNewer;
    }

    const matches = this.filter(q);
    const rows: number[] = [];
    let hasMore = false;
    if (ascending) {
      for (let pos = lo; pos < hi; pos++) {
        const row = this.order[pos];
        if (this.visibleAt[row] > nowMs || !matches(row)) continue;
        if (rows.length === q.limit) {
          hasMore = true;
          break;
        }
        rows.push(row);
      }
    } else {
      for (let pos = hi - 1; pos >= lo; pos--) {
        const row = this.order[pos];
        if (this.visibleAt[row] > nowMs || !matches(row)) continue;
        if (rows.length === q.limit) {
          hasMore = true;
          break;
        }
        rows.push(row);
      }
    }
    // before_id walks away from the result order to find the nearest rows; give them back
    // in result order.
    if (ascending !== (q.order === 'asc')) rows.reverse();
    return { rows, hasMore };
  }

  private filter(q: StoreQuery): (row: number) => boolean {
    const typeMask = q.includeTypes || q.excludeTypes ? this.typeMask(q) : undefined;
    const userMask = q.userIds
      ? new Uint8Array(this.userIds.map((id) => (q.userIds?.has(id) ? 1 : 0)))
      : undefined;
    const orgs = q.organizationIds;
    return (row) => {
      if (typeMask && typeMask[this.typeCode[row]] === 0) return false;
      if (this.orgFlag[row] === ORG_FROM_OBJECT)
        return this.explicitMatches(this.explicit[this.streamIndex[row]], q);
      if (userMask) {
        const u = this.userIndex[row];
        if (u < 0 || userMask[u] === 0) return false;
      }
      // Generated rows belong to the tenant or to no organization; the HTTP layer has
      // already refused organizations outside the tenant.
      return (
        orgs === undefined ||
        this.orgFlag[row] !== ORG_PRESENT ||
        orgs.has(this.tenant.organizationId) ||
        orgs.has(this.tenant.organizationUuid)
      );
    };
  }

  private typeMask(q: StoreQuery): Uint8Array {
    const mask = new Uint8Array(this.typeNames.length).fill(q.includeTypes ? 0 : 1);
    for (const t of q.includeTypes ?? []) {
      const code = this.typeCodes.get(t);
      if (code !== undefined) mask[code] = 1;
    }
    for (const t of q.excludeTypes ?? []) {
      const code = this.typeCodes.get(t);
      if (code !== undefined) mask[code] = 0;
    }
    return mask;
  }

  private explicitMatches(a: Activity, q: StoreQuery): boolean {
    if (q.userIds) {
      const userId = a.actor.user_id;
      if (typeof userId !== 'string' || !q.userIds.has(userId)) return false;
    }
    if (q.organizationIds) {
      const org = a.organization_id;
      if (
        org !== null &&
        org !== undefined &&
        !q.organizationIds.has(org) &&
        !(typeof a.organization_uuid === 'string' && q.organizationIds.has(a.organization_uuid))
      )
        return false;
    }
    return true;
  }

  private compareRowToKey(row: number, micros: number, id: string | undefined): number {
    const t = this.createdAt[row];
    if (t !== micros) return t < micros ? -1 : 1;
    if (id === undefined) return 0;
    const rid = this.idOf(row);
    return rid < id ? -1 : rid > id ? 1 : 0;
  }

  /**
   * First position in [from, to) whose key is > (strict) or >= the given key. With no id,
   * the key is a time alone: every row at that microsecond compares equal to it.
   */
  private firstPosition(
    micros: number,
    id: string | undefined,
    strict: boolean,
    from: number,
    to: number,
  ): number {
    let lo = from;
    let hi = to;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.compareRowToKey(this.order[mid], micros, id);
      if (c < 0 || (strict && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
