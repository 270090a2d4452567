import { Rng, mixSeed } from './prng';
import type { RecordingOffWindow } from './recording';

/**
 * Fault injection: what can go wrong between a poller and the Compliance API, each as a
 * probability per request, a time window of probabilities, or a script for the next
 * requests (exact sequences for tests). All draws come from a seeded PRNG.
 */
export type FaultKind =
  /** 500 `api_error`, retryable. */
  | 'error_500'
  /** 500 `api_error` with `x-should-retry: false`: the same request will fail again. */
  | 'fatal_500'
  | 'error_502'
  | 'error_503'
  | 'error_504'
  | 'error_529'
  /** 429 `rate_limit_error` with `retry-after`, whatever the real count. */
  | 'rate_limited'
  /** 200 whose JSON body is cut off half way. */
  | 'truncated_json'
  /** 200 with a body that is not JSON at all. */
  | 'invalid_json'
  /** 200 with an HTML error page (a proxy or captive portal). */
  | 'html_200'
  /** 502 with an HTML page from a load balancer. */
  | 'html_502'
  /** Hang `slowMs` before answering normally. */
  | 'slow'
  /** Repeat the cursor's row at the start of the page. */
  | 'duplicate';

export const ERROR_FAULTS = ['error_500', 'error_502', 'error_503', 'error_504', 'error_529'] as const;
export const MALFORMED_FAULTS = ['truncated_json', 'invalid_json', 'html_200', 'html_502'] as const;

export interface FaultRates {
  /** Probability of a retryable 5xx (500/502/503/504/529, evenly). */
  readonly errorRate?: number;
  /** Probability of a deterministic 500 (`x-should-retry: false`). */
  readonly fatalErrorRate?: number;
  /** Probability of an injected 429. */
  readonly rateLimitedRate?: number;
  /** `retry-after` of injected 429s, seconds. Default 1. */
  readonly retryAfterSeconds?: number;
  /** Probability of a malformed page (truncated / invalid JSON / HTML 200 / HTML 502). */
  readonly malformedRate?: number;
  /** Probability of hanging `slowMs` first. */
  readonly slowRate?: number;
  readonly slowMs?: number;
  /** Probability a cursor page repeats the cursor's row. */
  readonly duplicateRate?: number;
  /** Fraction of new live rows indexed late: visible only `lateDelayMs` after creation. */
  readonly lateRate?: number;
  readonly lateDelayMs?: number;
}

export interface FaultWindow {
  /** Milliseconds since the simulator started. */
  readonly fromMs: number;
  readonly untilMs: number;
  readonly faults: FaultRates;
}

export interface FaultOptions extends FaultRates {
  /**
   * Periods in which the tenant's Compliance API is switched off: nothing is recorded (no
   * generated rows, no `compliance_api_accessed`), and each switch leaves an
   * `org_compliance_api_settings_updated` row.
   */
  readonly recordingOff?: readonly RecordingOffWindow[];
  /** Faults for the next authenticated requests, in order (null = none); then rates apply. */
  readonly script?: readonly (FaultKind | null)[];
  readonly schedule?: readonly FaultWindow[];
}

export interface FaultDecision {
  /** Replace the answer with this fault's response. */
  readonly respond?: Exclude<FaultKind, 'slow' | 'duplicate'>;
  readonly slowMs: number;
  readonly duplicate: boolean;
}

export class FaultController {
  private options: FaultOptions = {};
  private script: (FaultKind | null)[] = [];
  private readonly rng: Rng;

  constructor(
    seed: number,
    private readonly startedAtMs: number,
    initial: FaultOptions = {},
  ) {
    this.rng = new Rng(mixSeed(seed, 0xfa17));
    this.set(initial);
  }

  /** Merges into the current settings; `script` replaces any script not yet consumed. */
  set(update: FaultOptions): void {
    this.options = { ...this.options, ...update };
    if (update.script) this.script = [...update.script];
  }

  clear(): void {
    this.options = {};
    this.script = [];
  }

  current(): FaultOptions {
    return { ...this.options, script: [...this.script] };
  }

  /** The rates in force at `nowMs` (a schedule window overrides the base rates). */
  rates(nowMs: number): FaultRates {
    const elapsed = nowMs - this.startedAtMs;
    const window = this.options.schedule?.find((w) => elapsed >= w.fromMs && elapsed < w.untilMs);
    return window ? { ...this.options, ...window.faults } : this.options;
  }

  /** Decides the fault (if any) for one authenticated request. */
  decide(nowMs: number): FaultDecision {
    const rates = this.rates(nowMs);
    const slowMs = rates.slowMs ?? 30_000;
    if (this.script.length > 0) {
      const kind = this.script.shift() ?? null;
      if (kind === null) return { slowMs: 0, duplicate: false };
      if (kind === 'slow') return { slowMs, duplicate: false };
      if (kind === 'duplicate') return { slowMs: 0, duplicate: true };
      return { respond: kind, slowMs: 0, duplicate: false };
    }
    const rng = this.rng;
    // One draw per category, always in the same order, so a seed replays exactly.
    const slow = rng.chance(rates.slowRate ?? 0);
    const duplicate = rng.chance(rates.duplicateRate ?? 0);
    let respond: FaultDecision['respond'];
    if (rng.chance(rates.fatalErrorRate ?? 0)) respond = 'fatal_500';
    else if (rng.chance(rates.errorRate ?? 0)) respond = rng.pick(ERROR_FAULTS);
    else if (rng.chance(rates.rateLimitedRate ?? 0)) respond = 'rate_limited';
    else if (rng.chance(rates.malformedRate ?? 0)) respond = rng.pick(MALFORMED_FAULTS);
    return { respond, slowMs: slow ? slowMs : 0, duplicate };
  }

  /** Whether a new live row is indexed late, and how late (ms). */
  lateDelay(nowMs: number, rng: Rng): number {
    const rates = this.rates(nowMs);
    return rng.chance(rates.lateRate ?? 0) ? (rates.lateDelayMs ?? 90_000) : 0;
  }
}
