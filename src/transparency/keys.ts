import { createHash, createPublicKey } from 'node:crypto';
import { decodeBase64Strict } from './base64';

/**
 * Checkpoint signing keys (spec §3.7): fingerprint = SHA-256(DER SPKI), key hash = its first
 * 4 bytes, and the C2SP verifier string. Trust comes only from pinned fingerprints; the
 * `GET /keys` answer supplies the key bytes and is checked against them.
 */
export interface PinnedKey {
  /** 64 lowercase hex digits. */
  readonly fingerprint: string;
  /** From this date on (inclusive) the key may sign a newly fetched checkpoint. */
  readonly signingSince?: Date;
  /** From this date on the key no longer signs new checkpoints. */
  readonly retiredOn?: Date;
}

export interface TrustedKey extends PinnedKey {
  readonly keyHash: string;
  readonly spki: Buffer;
}

/** Anthropic's published table (§3.7.2), with the production key as built into axt-verify. */
export const PUBLISHED_KEYS: readonly TrustedKey[] = [
  trustedKey(
    Buffer.from(
      'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEv+om+waG3qNuK1X6+lE2646npTSO5xKfJOAvmlnfKPjuQEhvVDT387p5U71LWZYzrrBM+gioeaLI56reiD8xjA==',
      'base64',
    ),
    {
      fingerprint: '1dff5fe420d49743fe444a04fc17f818eea856699dec2ebbc24df15602c74a58',
      signingSince: new Date('2026-08-17T00:00:00Z'),
    },
  ),
];

export function fingerprintOf(spki: Uint8Array): string {
  return createHash('sha256').update(spki).digest('hex');
}

export function keyHashOf(spki: Uint8Array): string {
  return fingerprintOf(spki).slice(0, 8);
}

export function verifierKey(name: string, spki: Uint8Array): string {
  return `${name}+${keyHashOf(spki)}+${Buffer.concat([Buffer.of(0x02), spki]).toString('base64')}`;
}

/** A key whose pinned fingerprint matches its SPKI; throws otherwise (a programming error). */
export function trustedKey(spki: Buffer, pin: PinnedKey): TrustedKey {
  if (fingerprintOf(spki) !== pin.fingerprint)
    throw new Error('the SPKI does not match its pinned fingerprint');
  return { ...pin, keyHash: pin.fingerprint.slice(0, 8), spki };
}

/** Whether the key may sign a checkpoint first fetched at `at` (§3.7.3). */
export function validAt(key: PinnedKey, at: Date): boolean {
  return (
    (key.signingSince === undefined || at >= key.signingSince) &&
    (key.retiredOn === undefined || at < key.retiredOn)
  );
}

/** One `log_keys[]` entry of `GET /keys`, as served. */
export interface ServedKey {
  readonly verifier_key?: unknown;
  readonly key_hash?: unknown;
  readonly fingerprint?: unknown;
  readonly algorithm?: unknown;
  readonly public_key?: unknown;
}

/**
 * The served keys that pass every check of §3.4.2 and whose self-computed fingerprint is
 * pinned; an entry failing any check is unusable and skipped.
 */
export function keysFromServed(
  served: readonly ServedKey[],
  pins: readonly PinnedKey[],
  origin: string,
): TrustedKey[] {
  const out: TrustedKey[] = [];
  for (const k of served) {
    if (k.algorithm !== 'ecdsa_p256_sha256' || typeof k.public_key !== 'string') continue;
    const spki = decodeBase64Strict(k.public_key);
    if (!spki || !isP256(spki)) continue;
    const fingerprint = fingerprintOf(spki);
    if (k.fingerprint !== fingerprint || k.key_hash !== fingerprint.slice(0, 8)) continue;
    if (k.verifier_key !== verifierKey(origin, spki)) continue;
    const pin = pins.find((p) => p.fingerprint === fingerprint);
    if (pin) out.push(trustedKey(spki, pin));
  }
  return out;
}

function isP256(spki: Buffer): boolean {
  try {
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  } catch {
    return false;
  }
}
