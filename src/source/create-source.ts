import type { SourceConfig } from '../config/schema';
import type { Logger } from '../observability/logger';
import { ACTIVITY_TYPES } from '../catalogue';
import { ACCESS_TRANSPARENCY_TYPES } from './access-transparency/activity';
import type { AccessTransparencyLedger } from './access-transparency/ledger';
import type { ComplianceApiClient, ClientOptions } from './client';
import { makeClientFilter, type FilterVerdict } from './filters';
import { createApiClient } from './from-config';
import { Poller, type PollerOptions, type PollObserver } from './poller';
import { RateGovernor } from './rate-limit';
import type { Activity } from './activity';

/** Where reading resumes, as the checkpoint says (the forwarder's live one, or dry-run's copy). */
export interface SourcePosition {
  /** Where the first run starts (resolved start_at). */
  readonly start: string;
  readonly watermark: () => string | null;
  readonly committedIds: () => ReadonlyMap<string, number>;
  /** A request id this process (or an earlier run) made: its compliance_api_accessed row is ours. */
  readonly isOwnRequest: (requestId: string) => boolean;
  readonly accessTransparency?: AccessTransparencyLedger;
}

export interface SourceDeps {
  readonly logger: Logger;
  readonly baseDir: string;
  readonly position: SourcePosition;
  readonly emit: PollerOptions['emit'];
  readonly reject?: PollerOptions['reject'];
  /** Below source.page_size (dry-run's --limit); never above it. */
  readonly pageSize?: number;
  readonly onResponse?: ClientOptions['onResponse'];
  readonly onRetry?: ClientOptions['onRetry'];
  readonly onWaitCapped?: ClientOptions['onWaitCapped'];
  readonly onPageRead?: ClientOptions['onPageRead'];
  readonly pollObserver?: PollObserver;
  /** Where a cycle's window ends (default: the clock); `query` reads up to its --until. */
  readonly now?: () => number;
}

/** The source component: what `run` and `run --dry-run` both read the feed with. */
export interface Source {
  readonly client: ComplianceApiClient;
  readonly governor: RateGovernor;
  readonly filter: (activity: Activity) => FilterVerdict;
  readonly poller: Poller;
  /** Every documented type: others are counted as unknown. */
  readonly knownTypes: readonly string[];
  /** How a long window is read in parallel slices (the poller's, for other readers of the feed). */
  readonly backfill: { readonly concurrency: number; readonly sliceAboveMs: number };
}

/** Builds the client, rate governor, client-side filters and poller a `source:` section describes. */
export function createSource(src: SourceConfig, deps: SourceDeps): Source {
  const { logger, position } = deps;
  const governor = new RateGovernor(src.max_requests_per_minute);
  const client = createApiClient(src, {
    logger,
    governor,
    baseDir: deps.baseDir,
    onResponse: deps.onResponse,
    onRetry: deps.onRetry,
    onWaitCapped: deps.onWaitCapped,
    onPageRead: deps.onPageRead,
  });
  const filter = makeClientFilter({
    apiKeyIds: src.api_key_ids,
    dropSelfEvents: src.self_events === 'drop',
    isOwnRequest: position.isOwnRequest,
  });
  const knownTypes = [...ACTIVITY_TYPES.map((t) => t.type), ...ACCESS_TRANSPARENCY_TYPES];
  // A window well beyond the usual lookback + poll interval is a catch-up: slice it.
  const backfill = {
    concurrency: src.backfill_concurrency,
    sliceAboveMs: Math.max(3_600_000, 4 * (src.lookback + src.poll_interval)),
  };
  const poller = new Poller(
    {
      client,
      pageSize: Math.min(src.page_size, deps.pageSize ?? src.page_size),
      lookbackMs: src.lookback,
      filter,
      committedIds: position.committedIds,
      watermark: position.watermark,
      start: position.start,
      emit: deps.emit,
      reject: deps.reject,
      logger: logger.child({ component: 'poller' }),
      observer: deps.pollObserver,
      backfill,
      accessTransparency: position.accessTransparency,
      now: deps.now,
    },
    knownTypes,
  );
  return { client, governor, filter, poller, knownTypes, backfill };
}
