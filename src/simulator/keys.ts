import { BASE58, hashString, mixSeed } from './prng';

/**
 * The keys the simulated tenant has issued. Compliance Access Keys (`sk-ant-api01-…`) need
 * the `read:compliance_activities` scope or the read-only umbrella `read:org_audit`; Admin
 * keys (`sk-ant-admin01-…`) carry it implicitly unless scopes are given, and may expire.
 */
export const REQUIRED_SCOPE = 'read:compliance_activities';
/** Any one of these opens the Activity Feed. */
export const FEED_SCOPES = [REQUIRED_SCOPE, 'read:org_audit'] as const;
export const DEFAULT_API_KEY = 'sk-ant-api01-simulator-key';

export interface ApiKeyConfig {
  readonly key: string;
  /** Default: [read:compliance_activities]. `[]` makes a key that authenticates but lacks scope. */
  readonly scopes?: readonly string[];
  /** From then on the key is refused like an unknown one (401); Console Admin keys are created with one. */
  readonly expiresAt?: string | Date;
}

export interface KnownKey {
  readonly key: string;
  readonly admin: boolean;
  readonly scopes: readonly string[];
  /** The id activities show for it: `apikey_01…`, or `admin_api_key_01…` for admin keys. */
  readonly keyId: string;
  /** Epoch ms; undefined when the key never expires. */
  readonly expiresAtMs?: number;
  revoked: boolean;
}

export function opensActivityFeed(key: KnownKey): boolean {
  return FEED_SCOPES.some((scope) => key.scopes.includes(scope));
}

export type KeyCheck =
  | { readonly outcome: 'missing' }
  | { readonly outcome: 'unknown' }
  | { readonly outcome: 'expired'; readonly key: KnownKey }
  | { readonly outcome: 'revoked'; readonly key: KnownKey }
  | { readonly outcome: 'ok'; readonly key: KnownKey };

function stableSuffix(key: string): string {
  let out = '';
  let h = hashString(key);
  for (let i = 0; i < 22; i++) {
    h = mixSeed(h, i);
    out += BASE58[h % 58];
  }
  return out;
}

export class KeyRing {
  private readonly keys = new Map<string, KnownKey>();

  constructor(configs: readonly (string | ApiKeyConfig)[]) {
    for (const c of configs) this.add(typeof c === 'string' ? { key: c } : c);
  }

  add(config: ApiKeyConfig): KnownKey {
    const admin = config.key.startsWith('sk-ant-admin01-');
    const suffix = stableSuffix(config.key);
    const expiresAtMs = config.expiresAt === undefined ? undefined : new Date(config.expiresAt).getTime();
    if (expiresAtMs !== undefined && Number.isNaN(expiresAtMs))
      throw new Error(`key expiresAt is not a date: ${String(config.expiresAt)}`);
    const known: KnownKey = {
      key: config.key,
      admin,
      scopes: config.scopes ?? [REQUIRED_SCOPE],
      keyId: admin ? `admin_api_key_01${suffix}` : `apikey_01${suffix}`,
      expiresAtMs,
      revoked: false,
    };
    this.keys.set(config.key, known);
    return known;
  }

  check(key: string | undefined, nowMs: number): KeyCheck {
    if (key === undefined || key === '') return { outcome: 'missing' };
    const known = this.keys.get(key);
    if (!known) return { outcome: 'unknown' };
    if (known.expiresAtMs !== undefined && nowMs >= known.expiresAtMs)
      return { outcome: 'expired', key: known };
    return known.revoked ? { outcome: 'revoked', key: known } : { outcome: 'ok', key: known };
  }

  /** Returns false when the key was never issued. */
  setRevoked(key: string, revoked: boolean): boolean {
    const known = this.keys.get(key);
    if (!known) return false;
    known.revoked = revoked;
    return true;
  }

  list(): readonly KnownKey[] {
    return [...this.keys.values()];
  }
}
