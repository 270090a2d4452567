/**
 * Timestamps are kept as integer microseconds since the epoch (exact in a double until
 * year 2255) and rendered the way the live API does: RFC 3339, six fractional digits, `Z`.
 */
export function formatMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const fraction = String(micros - ms * 1000).padStart(3, '0');
  return new Date(ms).toISOString().replace(/Z$/, `${fraction}Z`);
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})?$/;

/**
 * Parses an RFC 3339 timestamp to microseconds, or undefined when it is not one. A missing
 * offset is read as UTC: the live API accepts it (the docs say it should not).
 */
export function parseMicros(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const offset = m[4] === undefined || m[4] === 'z' ? 'Z' : m[4];
  const ms = Date.parse(`${m[1]}T${m[2]}${offset}`);
  if (Number.isNaN(ms)) return undefined;
  const fraction = (m[3] ?? '').padEnd(6, '0').slice(0, 6);
  return ms * 1000 + Number(fraction);
}

export function nowMicros(): number {
  return Date.now() * 1000;
}
