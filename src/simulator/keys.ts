import { BASE58, hashString, mixSeed } from './prng';

/**
 * The keys the simulated tenant has issued. Compliance Access Keys (`sk-ant-api01-…`) need
 * the `read:compliance_activities` scope; Admin keys (`sk-ant-admin01-…`) carry it implicitly
 * unless scopes are given.
 */
export const REQUIRED_SCOPE = 'read:compliance_activities';
export const DEFAULT_API_KEY = 'sk-ant-api01-simulator-key';

export interface ApiKeyConfig {
  readonly key: string;
  /** Default: [read:compliance_activities]. `[]` makes a key that authenticates but lacks scope. */
  readonly scopes?: readonly string[];
}

export interface KnownKey {
  readonly key: string;
  readonly admin: boolean;
  readonly scopes: readonly string[];
  /** The id activities show for it: `apikey_01…`, or `admin_api_key_01…` for admin keys. */
  readonly keyId: string;
  revoked: boolean;
}

export type KeyCheck =
  | { readonly outcome: 'missing' }
  | { readonly outcome: 'unknown' }
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
    const known: KnownKey = {
      key: config.key,
      admin,
      scopes: config.scopes ?? [REQUIRED_SCOPE],
      keyId: admin ? `admin_api_key_01${suffix}` : `apikey_01${suffix}`,
      revoked: false,
    };
    this.keys.set(config.key, known);
    return known;
  }

  check(key: string | undefined): KeyCheck {
    if (key === undefined || key === '') return { outcome: 'missing' };
    const known = this.keys.get(key);
    if (!known) return { outcome: 'unknown' };
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
