import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../observability/logger';
import type { Activity } from '../source/activity';
import type { AccessTransparencyOptions } from './access-transparency';
import { FaultController, type FaultOptions } from './faults';
import type { HistoryRow } from './history';
import { usualActors } from './generate';
import { type ApiKeyConfig, DEFAULT_API_KEY, KeyRing } from './keys';
import { type DelayRange, LiveFeed } from './live';
import { RateLimiter, type RateLimitOptions } from './rate-limit';
import { type RecordingSetting, RecordingSwitch, settingsUpdatedActivity } from './recording';
import { ComplianceApiServer, type RequestLogEntry } from './server';
import { ActivityStore, Stream } from './store';
import { TransparencyLogService, type TransparencyLogFaults } from './transparency-log-service';
import { type Tenant, makeTenant } from './tenant';
import { parseMicros } from './time';

/**
 * A faithful Compliance API (spec/compliance-api.md) on a loopback port: the demo's source,
 * every end-to-end test's, the chaos suite's and the benchmarks'. `startSimulator()` returns
 * a handle to steer it (faults, revocations, late rows) and to check what a forwarder
 * delivered against what the API held.
 */
export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (a free port). */
  readonly port?: number;
  /** Everything generated derives from it. Default 1. */
  readonly seed?: number;
  /** Accepted keys. Default: one key, `sk-ant-api01-simulator-key`, with the right scope. */
  readonly keys?: readonly (string | ApiKeyConfig)[];
  /** Default: makeTenant(seed). */
  readonly tenant?: Tenant;
  /** Activities already present at start, spread over the last `backlogWindowMs`. Default 0. */
  readonly backlog?: number;
  /** Default 24 h. */
  readonly backlogWindowMs?: number;
  /**
   * Render the backlog's JSON once at start and serve pages as bytes (benchmarks: the
   * simulator then costs little CPU next to the forwarder it feeds). ≈ 600 bytes a row.
   */
  readonly prerender?: boolean;
  /** Share of generated activities with hostile strings (CR/LF, NUL, `|`, RTL…). Default 0. */
  readonly hostileRate?: number;
  /** Share of activity types newer than the catalogue (must pass through). Default 0. */
  readonly futureTypeRate?: number;
  /** Share of `anthropic_access` / `cmek_preserve` staff-access records. Default 0.002. */
  readonly staffAccessRate?: number;
  /**
   * Those records' timing and leaf indexes: visible up to two business days after their
   * `created_at` (`visibilityDelay`; `{ lateRate: 0 }` switches the late tail off, `{ lateRate: 1 }`
   * forces it), no leaf before `logCreatedAt`, the index stamped in order of visibility.
   */
  readonly accessTransparency?: AccessTransparencyOptions;
  /** New activities per second, created ≈ now. Default 0. */
  readonly rate?: number;
  /** Delay before a new activity is queryable. Default 0–1000 ms. */
  readonly ingestionDelayMs?: number | DelayRange;
  /** Added to every response. Default 0. */
  readonly latencyMs?: number | DelayRange;
  /** Requests per minute for the tenant (a number), full options, or false for none. Default 600. */
  readonly rateLimit?: number | RateLimitOptions | false;
  /** Record a `compliance_api_accessed` activity per request. Default true. */
  readonly selfEvents?: boolean;
  /** Default 1000 ms. */
  readonly selfEventDelayMs?: number;
  readonly faults?: FaultOptions;
  /** What a request without `x-api-key` gets: 401 (default) or 404 (as observed live). */
  readonly missingKeyStatus?: 401 | 404;
  /** Reject created_at bounds without an offset (the docs' rule; live accepts them). */
  readonly strictTimestamps?: boolean;
  /**
   * Accept `anthropic_access` / `cmek_preserve` in `activity_types[]` and
   * `exclude_activity_types[]` (default true, as the docs' examples do). False answers them
   * with 400 "Invalid activity type", as the reference enum (which lacks them) implies.
   */
  readonly acceptUnlistedTypes?: boolean;
  /** Entries kept in the request log. Default 100 000. */
  readonly requestLogSize?: number;
  /**
   * Rows of earlier runs to serve again, and where to journal every row of this one (the
   * demo's history, see history.ts). With earlier rows there is no backlog: they are it.
   */
  readonly history?: {
    readonly rows: readonly HistoryRow[];
    record(row: HistoryRow): void;
  };
  /** Clock in epoch ms; injectable for tests. */
  readonly clock?: () => number;
  readonly logger?: Logger;
}

export interface AppendOptions {
  /** RFC 3339 or a Date; default now. */
  readonly createdAt?: string | Date;
  /**
   * Visible this long after now (a late-indexed row when createdAt is old). Default 0. An
   * Access Transparency row gets its leaf index when it becomes visible.
   */
  readonly visibleAfterMs?: number;
  /** Type of the generated activities (e.g. `anthropic_access`); default: drawn from the seed. */
  readonly type?: string;
  /** Their actor variant; default: the type's usual one. */
  readonly actorType?: string;
}

export interface SimulatorStats {
  readonly activities: number;
  readonly visible: number;
  readonly live: number;
  readonly requests: number;
  readonly byStatus: Record<string, number>;
  readonly selfEvents: number;
  readonly storeBytes: number;
}

export interface SimulatorHandle {
  /** Base URL to configure as `source.base_url`, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly port: number;
  /** The first configured key. */
  readonly apiKey: string;
  readonly tenant: Tenant;
  readonly store: ActivityStore;
  /** Adds `n` generated activities (or the given ones) now; returns their ids. */
  append(what: number | readonly Activity[], options?: AppendOptions): string[];
  /** Merges fault settings (`script` replaces the pending script). */
  setFaults(faults: FaultOptions): void;
  clearFaults(): void;
  setRate(perSecond: number): void;
  setLatency(latency: number | DelayRange): void;
  setRateLimit(perMinute: number): void;
  /**
   * Switches the tenant's Compliance API recording off (false) or back on (true) now, as an
   * admin would in the Console: the switch leaves an `org_compliance_api_settings_updated`
   * row carrying `setting` (default `compliance_api_enabled`) with the new value, and nothing
   * else is recorded while it is off. `append()` still adds what a test asks for.
   */
  setRecording(on: boolean, setting?: RecordingSetting): void;
  /** Sets the transparency log's faults (spec §5.3), replacing earlier ones. */
  setLogFaults(faults: TransparencyLogFaults): void;
  /**
   * Commits `n` generated Access Transparency events to the log that the feed never serves
   * (a committed event never served); returns their ids.
   */
  commitUnserved(n: number): string[];
  /** Serves the event `id` from now on with another `transparency_log_leaf_index`. */
  changeLeafIndex(id: string, index: number): void;
  /** The log as the simulator serves it (size, entries). */
  readonly transparencyLog: TransparencyLogService;
  revokeKey(key: string): void;
  restoreKey(key: string): void;
  addKey(key: string | ApiKeyConfig): void;
  /**
   * Ids of visible activities in ascending (created_at, id) order. `includeSelf` adds the
   * `compliance_api_accessed` rows this simulator's own requests caused (generated ones of
   * that type, "other tools' reads", are always included).
   */
  allIds(options?: { includeSelf?: boolean; includeInvisible?: boolean }): string[];
  /** Every visible activity, ascending. Builds every object: mind the size on big stores. */
  allActivities(options?: { includeSelf?: boolean; includeInvisible?: boolean }): Activity[];
  /** Requests received (the newest `requestLogSize`), oldest first. */
  requests(): readonly RequestLogEntry[];
  stats(): SimulatorStats;
  close(): Promise<void>;
}

function range(v: number | DelayRange | undefined, fallback: DelayRange): DelayRange {
  if (v === undefined) return fallback;
  return typeof v === 'number' ? { minMs: v, maxMs: v } : v;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const seed = options.seed ?? 1;
  const clock = options.clock ?? Date.now;
  const startedAt = clock();
  const tenant = options.tenant ?? makeTenant(seed);
  const backlog = options.backlog ?? 0;
  const store = new ActivityStore({
    seed,
    tenant,
    capacity: backlog + 4096,
    hostileRate: options.hostileRate,
    mix: { futureTypeRate: options.futureTypeRate, staffAccessRate: options.staffAccessRate },
    accessTransparency: options.accessTransparency,
  });
  const history = options.history;
  if (history && history.rows.length > 0 && backlog > 0)
    throw new Error('simulator: a history with rows is the backlog; do not ask for another');
  for (const r of history?.rows ?? []) store.appendExplicit(r.activity, r.visibleAtMs);
  if (backlog > 0) {
    const windowMs = options.backlogWindowMs ?? 86_400_000;
    store.loadBacklog(backlog, (startedAt - windowMs) * 1000, startedAt * 1000, startedAt);
  }
  if (history) {
    const journal = (row: number): void =>
      history.record({ activity: store.activityOf(row), visibleAtMs: store.visibleAtOf(row) });
    for (let row = history.rows.length; row < store.size; row++) journal(row);
    store.onAppend(journal);
  }
  if (options.prerender) store.prerender();
  const keyConfigs = options.keys ?? [DEFAULT_API_KEY];
  if (keyConfigs.length === 0) throw new Error('simulator: at least one API key is needed');
  const keys = new KeyRing(keyConfigs);
  const faults = new FaultController(seed, startedAt, options.faults);
  const rl = options.rateLimit ?? 600;
  const limiter = rl === false ? undefined : new RateLimiter(typeof rl === 'number' ? { limit: rl } : rl);
  // The switch row is queryable about a second after the switch, like other new rows.
  const recording = new RecordingSwitch(startedAt, (atMs, setting, on) =>
    store.appendExplicit(settingsUpdatedActivity(seed, tenant, atMs, setting, on), atMs + 1000),
  );
  recording.schedule(options.faults?.recordingOff ?? []);
  const live = new LiveFeed(
    store,
    seed,
    options.rate ?? 0,
    startedAt,
    range(options.ingestionDelayMs, { minMs: 0, maxMs: 1000 }),
    faults,
    recording,
  );
  const transparencyLog = new TransparencyLogService(store, tenant);
  const api = new ComplianceApiServer(
    { store, transparencyLog, keys, limiter, faults, live, recording, clock, seed, logger: options.logger },
    {
      missingKeyStatus: options.missingKeyStatus ?? 401,
      strictTimestamps: options.strictTimestamps ?? false,
      acceptUnlistedTypes: options.acceptUnlistedTypes ?? true,
      selfEvents: options.selfEvents ?? true,
      selfEventDelayMs: options.selfEventDelayMs ?? 1000,
      latency: range(options.latencyMs, { minMs: 0, maxMs: 0 }),
      requestLogSize: options.requestLogSize ?? 100_000,
    },
  );

  const server: Server = createServer(api.handle);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  const visibleRows = (o: { includeSelf?: boolean; includeInvisible?: boolean } = {}): number[] => {
    const now = clock();
    live.materialize(now);
    store.advanceTo(now);
    const rows: number[] = [];
    for (const row of store.rowsInOrder(o.includeInvisible ? undefined : now)) {
      if (!o.includeSelf && store.isSelfEvent(row)) continue;
      rows.push(row);
    }
    return rows;
  };

  const handle: SimulatorHandle = {
    url: `http://${host}:${address.port}`,
    port: address.port,
    apiKey: typeof keyConfigs[0] === 'string' ? keyConfigs[0] : keyConfigs[0].key,
    tenant,
    store,
    append(what, appendOptions = {}) {
      const now = clock();
      live.materialize(now);
      const visibleAt = now + Math.max(0, appendOptions.visibleAfterMs ?? 0);
      if (typeof what !== 'number') return what.map((a) => store.idOf(store.appendExplicit(a, visibleAt)));
      const created = appendOptions.createdAt;
      const micros =
        created === undefined
          ? now * 1000
          : created instanceof Date
            ? created.getTime() * 1000
            : parseMicros(created);
      if (micros === undefined) throw new Error(`append: createdAt is not RFC 3339: ${String(created)}`);
      const type = appendOptions.type;
      const kind =
        type === undefined ? undefined : { type, actorType: appendOptions.actorType ?? usualActors(type)[0] };
      const ids: string[] = [];
      for (let i = 0; i < what; i++) {
        ids.push(store.idOf(store.appendGenerated(Stream.Appended, micros, visibleAt, kind)));
      }
      return ids;
    },
    setFaults(f) {
      live.materialize(clock());
      faults.set(f);
      if (f.recordingOff) recording.schedule(f.recordingOff);
    },
    clearFaults() {
      const now = clock();
      live.materialize(now);
      faults.clear();
      recording.clear(now);
    },
    setRecording(on, setting) {
      const now = clock();
      live.materialize(now);
      recording.set(on, now, setting);
      live.materialize(now);
    },
    setRate(perSecond) {
      live.setRate(perSecond, clock());
    },
    setLatency(latency) {
      api.behaviour = { ...api.behaviour, latency: range(latency, { minMs: 0, maxMs: 0 }) };
    },
    setRateLimit(perMinute) {
      if (!limiter) throw new Error('simulator started without a rate limit');
      limiter.setLimit(perMinute);
    },
    setLogFaults(f) {
      transparencyLog.faults = f;
    },
    commitUnserved(n) {
      const now = clock();
      live.materialize(now);
      const rows = Array.from({ length: n }, () =>
        store.appendGenerated(Stream.Appended, now * 1000, Number.POSITIVE_INFINITY, {
          type: 'anthropic_access',
          actorType: usualActors('anthropic_access')[0],
        }),
      );
      store.advanceTo(now);
      for (const row of rows) store.transparencyLogs.commitNow(row, tenant.organizationId);
      return rows.map((row) => store.idOf(row));
    },
    changeLeafIndex(id, index) {
      const row = store.rowOfId(id);
      if (row === undefined) throw new Error(`changeLeafIndex: no such activity ${id}`);
      store.transparencyLogs.serveIndexAs(row, index);
    },
    transparencyLog,
    revokeKey(key) {
      if (!keys.setRevoked(key, true)) throw new Error('revokeKey: no such key');
    },
    restoreKey(key) {
      if (!keys.setRevoked(key, false)) throw new Error('restoreKey: no such key');
    },
    addKey(key) {
      keys.add(typeof key === 'string' ? { key } : key);
    },
    allIds(o) {
      return visibleRows(o).map((row) => store.idOf(row));
    },
    allActivities(o) {
      return visibleRows(o).map((row) => store.activityOf(row));
    },
    requests() {
      return api.requestLog;
    },
    stats() {
      const now = clock();
      live.materialize(now);
      return {
        activities: store.size,
        visible: store.visibleCount(now),
        live: live.count,
        ...api.stats(),
        storeBytes: store.columnBytes(),
      };
    },
    async close() {
      api.abortPending();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return handle;
}

export { DEFAULT_API_KEY } from './keys';
export type { ApiKeyConfig } from './keys';
export type { FaultKind, FaultOptions, FaultRates, FaultWindow } from './faults';
export type { TransparencyLogFaults } from './transparency-log-service';
export type { RecordingOffWindow, RecordingSetting } from './recording';
export type { RequestLogEntry } from './server';
export { openHistory } from './history';
export type { HistoryRow, SimulatorHistory } from './history';
export {
  makeActivity,
  makeHostileActivity,
  makeRandomActivity,
  allKinds,
  allowedActors,
  usualActors,
} from './generate';
export type { AccessTransparencyOptions, VisibilityDelay } from './access-transparency';
export { makeTenant, DEFAULT_TENANT } from './tenant';
export type { Tenant } from './tenant';
