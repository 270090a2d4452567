import type { DelayRange } from './live';
import { Rng, mixSeed } from './prng';

/**
 * When Access Transparency rows (`anthropic_access`, `cmek_preserve`) become visible:
 * `created_at` is when Anthropic recorded the event, and the row reaches the feed up to two
 * business days later (spec/access-transparency.md §2.5). The 1-minute indexing lag of other
 * types does not apply to them.
 */
export const ACCESS_TRANSPARENCY_TYPES = ['anthropic_access', 'cmek_preserve'] as const;

export function isAccessTransparencyType(type: string): boolean {
  return type === 'anthropic_access' || type === 'cmek_preserve';
}

export interface VisibilityDelay {
  /** Wall-clock delay after `created_at` for most rows. Default 1–30 s. */
  readonly usualMs?: number | DelayRange;
  /** Share of rows that are late instead. Default 0.1; 0 switches the tail off, 1 makes every row late. */
  readonly lateRate?: number;
  /**
   * How late, in business days after `created_at` (Monday–Friday, UTC; weekend hours do not
   * count, so a row recorded on Friday evening may appear on Tuesday). Default 0.25–2.
   */
  readonly lateBusinessDays?: number | { readonly min: number; readonly max: number };
}

/**
 * Every Access Transparency row visible within seconds of its created_at (no tail across
 * business days): for runs that wait for every backlog row, such as benchmarks.
 */
export const EVERY_ROW_VISIBLE: AccessTransparencyOptions = { visibilityDelay: { lateRate: 0 } };

export interface AccessTransparencyOptions {
  /** Visibility of generated backlog and live rows (appended rows use `visibleAfterMs`). */
  readonly visibilityDelay?: VisibilityDelay;
  /**
   * When the organization's transparency log was created: rows recorded before it carry no
   * `transparency_log_leaf_index` (§2.8). Default: the log has always existed.
   */
  readonly logCreatedAt?: string | Date;
  /**
   * Serve each row this long without its leaf index before the index is stamped, so the same
   * id is served twice, without and then with it (§2.8, as Anthropic's verifier expects; the
   * docs say the feed holds the row back instead). Default 0: off.
   */
  readonly unindexedCopyMs?: number;
  /** How a row without a leaf shows it: the key absent (the docs; default) or `null` (the verifier's fake server). */
  readonly missingLeafIndex?: 'absent' | 'null';
}

const DAY_MS = 86_400_000;

/** `fromMs` plus `businessMs` of Monday–Friday time (UTC); weekend time does not count. */
export function addBusinessTime(fromMs: number, businessMs: number): number {
  let t = fromMs;
  let left = businessMs;
  for (;;) {
    const dayStart = Math.floor(t / DAY_MS) * DAY_MS;
    const weekday = new Date(dayStart).getUTCDay();
    if (weekday === 0 || weekday === 6) {
      t = dayStart + DAY_MS;
      continue;
    }
    const restOfDay = dayStart + DAY_MS - t;
    if (left <= restOfDay) return t + left;
    left -= restOfDay;
    t = dayStart + DAY_MS;
  }
}

function between(rng: Rng, min: number, max: number): number {
  return min + rng.next() * Math.max(0, max - min);
}

/**
 * Epoch ms at which a row recorded at `createdAtMs` becomes visible; drawn from `seed` alone
 * so a row's visibility is as reproducible as its content.
 */
export function visibleAtFor(createdAtMs: number, seed: number, delay: VisibilityDelay = {}): number {
  const rng = new Rng(mixSeed(seed, 0xa7de1a));
  if (rng.chance(delay.lateRate ?? 0.1)) {
    const days = delay.lateBusinessDays ?? { min: 0.25, max: 2 };
    const [min, max] = typeof days === 'number' ? [days, days] : [days.min, days.max];
    return addBusinessTime(createdAtMs, between(rng, min, max) * DAY_MS);
  }
  const usual = delay.usualMs ?? { minMs: 1000, maxMs: 30_000 };
  return createdAtMs + (typeof usual === 'number' ? usual : between(rng, usual.minMs, usual.maxMs));
}
