import type { RequestedWindow } from './client';

/**
 * Every row is checked against the created_at window it was requested for. A row outside it
 * (a clock in 2999, a server ignoring its bounds) or with a created_at that is not a time
 * would move the watermark where no later window reaches, and forwarding would stop for good
 * with every signal green; such a row is dead-lettered instead, with the reason.
 */
export type RejectReason = 'outside_window' | 'bad_created_at' | 'oversized';

/** RFC 3339 with a zone, as the API sends it: Date.parse alone also takes "2026" or local times. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export type RowCheck =
  | { readonly ok: true; readonly ms: number }
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };

/** Microseconds since the epoch (real created_at values carry microseconds); NaN if not a time. */
export function micros(text: string): number {
  const m = RFC3339.exec(text);
  const ms = m ? Date.parse(text) : Number.NaN;
  if (!m || !Number.isFinite(ms)) return Number.NaN;
  const beyondMs = (m[1] ?? '').slice(4, 7).padEnd(3, '0');
  return ms * 1000 + Number(beyondMs);
}

export function checkCreatedAt(createdAt: string, window: RequestedWindow): RowCheck {
  const at = micros(createdAt);
  if (!Number.isFinite(at))
    return {
      ok: false,
      reason: 'bad_created_at',
      detail: `created_at ${JSON.stringify(createdAt.slice(0, 64))} is not an RFC 3339 time`,
    };
  // A bound we cannot read (never one we wrote) checks nothing.
  if (window.gte !== undefined && at < micros(window.gte)) {
    return {
      ok: false,
      reason: 'outside_window',
      detail: `created_at ${createdAt} is before the requested created_at.gte ${window.gte}`,
    };
  }
  if (window.lt !== undefined && at >= micros(window.lt)) {
    return {
      ok: false,
      reason: 'outside_window',
      detail: `created_at ${createdAt} is not before the requested created_at.lt ${window.lt}`,
    };
  }
  return { ok: true, ms: Math.floor(at / 1000) };
}

/** A row kept out of the pipeline, for the dead-letter file. */
export interface RejectedRow {
  readonly id: string;
  readonly type: string;
  readonly created_at: string;
  readonly reason: RejectReason;
  /** The reason in words, for the dead-letter file and the log. */
  readonly detail: string;
  /** The row's JSON text; for an oversized row, only what identifies it. */
  readonly raw: string;
}

/** An inverted or empty window: an error, never an empty read. */
export class InvertedWindowError extends Error {
  override readonly name = 'InvertedWindowError';
}
