import { BASE58, Rng, mixSeed } from './prng';

/**
 * Activity ids the store can decode back to a row without an index: `activity_01` + 16
 * seed-derived characters + 6 characters carrying a scrambled (stream, index) pair. A
 * million ids therefore cost no memory, yet raw `activity_…` ids given as cursors resolve in
 * O(1). The scramble keeps neighbouring rows from having neighbouring ids.
 */
export const STREAM_BITS = 30;
export const MAX_STREAM_INDEX = 2 ** STREAM_BITS - 1;

const MULTIPLIER = 0x2c1b3c6d;
const INVERSE = modularInverse(MULTIPLIER);
const CODE_LENGTH = 6;

function modularInverse(odd: number): number {
  let inv = odd;
  for (let i = 0; i < 5; i++) inv = Math.imul(inv, 2 - Math.imul(odd, inv));
  return inv >>> 0;
}

function scramble(x: number, key: number): number {
  let y = (x ^ key) >>> 0;
  y = Math.imul(y, MULTIPLIER) >>> 0;
  return (y ^ (y >>> 16)) >>> 0;
}

function unscramble(y: number, key: number): number {
  let x = (y ^ (y >>> 16)) >>> 0;
  x = Math.imul(x, INVERSE) >>> 0;
  return (x ^ key) >>> 0;
}

function encodeFixed(n: number): string {
  let out = '';
  for (let i = 0; i < CODE_LENGTH; i++) {
    out = BASE58[n % 58] + out;
    n = Math.floor(n / 58);
  }
  return out;
}

function decodeFixed(s: string): number | undefined {
  let n = 0;
  for (const ch of s) {
    const d = BASE58.indexOf(ch);
    if (d < 0) return undefined;
    n = n * 58 + d;
  }
  return n <= 0xffffffff ? n : undefined;
}

/**
 * An id unique per 32-bit seed: the PRNG state is only 32 bits, so random characters alone
 * would collide (birthday bound) within a few ten thousand activities.
 */
export function idFromSeed(seed: number, rng: Rng): string {
  const n = seed >>> 0 === seed ? seed : mixSeed(seed);
  return `activity_01${rng.base58(16)}${encodeFixed(scramble(n, 0x5eed1d))}`;
}

export class IdCodec {
  private readonly key: number;

  constructor(private readonly seed: number) {
    this.key = mixSeed(seed, 0x1dc0de);
  }

  encode(stream: number, index: number): string {
    const packed = ((stream << STREAM_BITS) | index) >>> 0;
    const rng = new Rng(mixSeed(this.seed, 0x1d, stream, index));
    return `activity_01${rng.base58(16)}${encodeFixed(scramble(packed, this.key))}`;
  }

  /** The (stream, index) an id claims to be; the caller must confirm by re-encoding. */
  decode(id: string): { stream: number; index: number } | undefined {
    if (!id.startsWith('activity_01') || id.length !== 'activity_01'.length + 16 + CODE_LENGTH)
      return undefined;
    const packed = decodeFixed(id.slice(-CODE_LENGTH));
    if (packed === undefined) return undefined;
    const x = unscramble(packed, this.key);
    return { stream: x >>> STREAM_BITS, index: x & MAX_STREAM_INDEX };
  }
}
