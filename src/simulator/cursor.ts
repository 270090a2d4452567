import { parseMicros } from './time';

/**
 * Page cursors as the live API makes them: base64 of JSON `{"id","created_at"}`. Clients must
 * treat them as opaque (and URL-encode them: standard base64 carries `+`, `/` and `=`).
 */
export function encodeCursor(id: string, createdAt: string): string {
  return Buffer.from(JSON.stringify({ id, created_at: createdAt }), 'utf8').toString('base64');
}

export type DecodedCursor =
  | { readonly kind: 'key'; readonly id: string; readonly micros: number }
  /** A raw `activity_…` id: the caller resolves it to a position. */
  | { readonly kind: 'id'; readonly id: string };

/** Undefined when the text is neither a cursor we issued nor an activity id. */
export function decodeCursor(text: string): DecodedCursor | undefined {
  if (/^activity_[0-9A-Za-z]+$/.test(text)) return { kind: 'id', id: text };
  // Accept base64url too, and cursors whose padding a client stripped.
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { id, created_at: createdAt } = parsed as Record<string, unknown>;
  if (typeof id !== 'string' || !id.startsWith('activity_') || typeof createdAt !== 'string')
    return undefined;
  const micros = parseMicros(createdAt);
  return micros === undefined ? undefined : { kind: 'key', id, micros };
}
