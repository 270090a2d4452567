import { createHash } from 'node:crypto';

/**
 * The RFC 6962 / RFC 9162 Merkle tree over SHA-256 (spec §3.8): hashing, proof generation
 * (what the simulator serves) and proof verification (what the verifier checks).
 */
export type Hash = Buffer;

/** AXT's sanity limit: longer proofs are refused before any hashing. */
export const MAX_PROOF_HASHES = 64;

export function leafHash(entry: Uint8Array): Hash {
  return createHash('sha256').update(Buffer.of(0)).update(entry).digest();
}

export function nodeHash(left: Hash, right: Hash): Hash {
  return createHash('sha256').update(Buffer.of(1)).update(left).update(right).digest();
}

export const EMPTY_ROOT: Hash = createHash('sha256').digest();

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[from:to]) from the leaf hashes. */
export function subtreeRoot(leaves: readonly Hash[], from = 0, to = leaves.length): Hash {
  const n = to - from;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return leaves[from];
  const k = largestPowerOfTwoBelow(n);
  return nodeHash(subtreeRoot(leaves, from, from + k), subtreeRoot(leaves, from + k, to));
}

/** The audit path of leaf `index` in the tree of the first `size` leaves, leaf to root. */
export function inclusionProof(leaves: readonly Hash[], index: number, size = leaves.length): Hash[] {
  const path = (m: number, from: number, to: number): Hash[] => {
    if (to - from <= 1) return [];
    const k = largestPowerOfTwoBelow(to - from);
    return m < k
      ? [...path(m, from, from + k), subtreeRoot(leaves, from + k, to)]
      : [...path(m - k, from + k, to), subtreeRoot(leaves, from, from + k)];
  };
  return path(index, 0, size);
}

/** The consistency proof from size `from` to size `to` (0 < from ≤ to). */
export function consistencyProof(leaves: readonly Hash[], from: number, to = leaves.length): Hash[] {
  const sub = (m: number, lo: number, hi: number, complete: boolean): Hash[] => {
    if (m === hi - lo) return complete ? [] : [subtreeRoot(leaves, lo, hi)];
    const k = largestPowerOfTwoBelow(hi - lo);
    return m <= k
      ? [...sub(m, lo, lo + k, complete), subtreeRoot(leaves, lo + k, hi)]
      : [...sub(m - k, lo + k, hi, false), subtreeRoot(leaves, lo, lo + k)];
  };
  return sub(from, 0, to, true);
}

function wellFormed(hashes: readonly Hash[]): boolean {
  return hashes.length <= MAX_PROOF_HASHES && hashes.every((h) => h.length === 32);
}

/** RFC 9162 §2.1.3.2: whether `leaf` sits at `index` under `root` of a tree of `size`. */
export function verifyInclusion(
  leaf: Hash,
  index: number,
  size: number,
  hashes: readonly Hash[],
  root: Hash,
): boolean {
  if (index >= size || !wellFormed(hashes)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of hashes) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else r = nodeHash(r, p);
    [fn, sn] = [half(fn), half(sn)];
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 §2.1.4.2: whether (size2, root2) extends (size1, root1). */
export function verifyConsistency(
  size1: number,
  root1: Hash,
  size2: number,
  root2: Hash,
  proof: readonly Hash[],
): boolean {
  if (size1 > size2 || !wellFormed(proof)) return false;
  if (size1 === size2) return proof.length === 0 && root1.equals(root2);
  if (size1 === 0) return true;
  if (proof.length === 0) return false;
  const hashes = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) [fn, sn] = [half(fn), half(sn)];
  let fr = hashes[0];
  let sr = hashes[0];
  for (const c of hashes.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else sr = nodeHash(sr, c);
    [fn, sn] = [half(fn), half(sn)];
  }
  return fr.equals(root1) && sr.equals(root2) && sn === 0;
}

// Sizes go beyond 2^32, where JavaScript's bit operators would truncate.
function half(n: number): number {
  return Math.floor(n / 2);
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}
