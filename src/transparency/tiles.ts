/**
 * C2SP tlog-tiles addressing and entry bundles (spec §3.9): tile paths without a height
 * element, `x`-prefixed 3-digit index groups, and `.p/<W>` partial widths.
 */
export const TILE_WIDTH = 256;

/** `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`, relative to the log's base path. */
export function tilePath(level: number | 'entries', index: number, width?: number): string {
  const groups: string[] = [];
  let n = index;
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  const rendered = groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
  const partial = width !== undefined && width < TILE_WIDTH ? `.p/${width}` : '';
  return `tile/${level}/${rendered}${partial}`;
}

export interface TileAddress {
  readonly level: number | 'entries';
  readonly index: number;
  /** Undefined for a full tile. */
  readonly width: number | undefined;
}

/** Parses the part after `tile/`; undefined when malformed (a `400`). */
export function parseTilePath(rest: string): TileAddress | undefined {
  const m = /^(entries|0|[1-9]\d?)\/((?:x\d{3}\/)*\d{3})(?:\.p\/([1-9]\d{0,2}))?$/.exec(rest);
  if (!m) return undefined;
  const level = m[1] === 'entries' ? 'entries' : Number(m[1]);
  if (typeof level === 'number' && level > 63) return undefined;
  const width = m[3] === undefined ? undefined : Number(m[3]);
  if (width !== undefined && width > 255) return undefined;
  const index = Number(m[2].replace(/[x/]/g, ''));
  // Groups before the last must be x-prefixed; a leading zero group would be non-canonical.
  if (m[2].startsWith('x000')) return undefined;
  return { level, index, width };
}

/** The entry bundles a checkpoint of `size` implies (§3.9.4): full ones, then the partial one. */
export function bundlesFor(size: number): { readonly index: number; readonly width: number }[] {
  const out: { index: number; width: number }[] = [];
  for (let i = 0; i < Math.floor(size / TILE_WIDTH); i++) out.push({ index: i, width: TILE_WIDTH });
  if (size % TILE_WIDTH > 0) out.push({ index: Math.floor(size / TILE_WIDTH), width: size % TILE_WIDTH });
  return out;
}

export function encodeBundle(entries: readonly Uint8Array[]): Buffer {
  return Buffer.concat(
    entries.flatMap((e) => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(e.length);
      return [length, Buffer.from(e)];
    }),
  );
}

/** The entries of a bundle; undefined when a length prefix is truncated or bytes trail. */
export function parseBundle(bytes: Buffer): Buffer[] | undefined {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (pos + 2 > bytes.length) return undefined;
    const length = bytes.readUInt16BE(pos);
    if (pos + 2 + length > bytes.length) return undefined;
    out.push(bytes.subarray(pos + 2, pos + 2 + length));
    pos += 2 + length;
  }
  return out;
}
