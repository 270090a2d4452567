import { Rng, mixSeed } from './prng';

/**
 * The organization a simulated feed belongs to: its ids and a stable cast of users, keys,
 * service accounts and workspaces, so the same actors recur across activities the way they
 * do in a real tenant (dashboards, per-user filters and `actor_ids[]` need repeats).
 */
export interface TenantUser {
  readonly id: string;
  readonly email: string;
  readonly name: string;
}

export interface Tenant {
  readonly organizationId: string;
  readonly organizationUuid: string;
  readonly name: string;
  readonly domain: string;
  readonly users: readonly TenantUser[];
  /** `apikey_01…` ids (Compliance Access / platform keys). */
  readonly apiKeyIds: readonly string[];
  /** `admin_api_key_01…` ids. */
  readonly adminApiKeyIds: readonly string[];
  readonly serviceAccountIds: readonly string[];
  readonly workspaceIds: readonly string[];
  readonly directoryId: string;
}

const FIRST_NAMES = [
  'ada',
  'grace',
  'alan',
  'edsger',
  'barbara',
  'ken',
  'dennis',
  'margaret',
  'linus',
  'radia',
  'leslie',
  'donald',
  'frances',
  'john',
  'katherine',
  'tim',
  'vint',
  'hedy',
  'niklaus',
  'sophie',
  'yukihiro',
  'guido',
  'bjarne',
  'anders',
  'mary',
  'jean',
  'shafi',
  'silvio',
  'whitfield',
  'ivan',
];
const LAST_NAMES = [
  'lovelace',
  'hopper',
  'turing',
  'dijkstra',
  'liskov',
  'thompson',
  'ritchie',
  'hamilton',
  'torvalds',
  'perlman',
  'lamport',
  'knuth',
  'allen',
  'backus',
  'johnson',
  'berners-lee',
  'cerf',
  'lamarr',
  'wirth',
  'wilson',
  'matsumoto',
  'van-rossum',
  'stroustrup',
  'hejlsberg',
  'shaw',
  'sammet',
  'goldwasser',
  'micali',
  'diffie',
  'sutherland',
];
const ORG_NAMES = [
  'Acme Corp',
  'Globex',
  'Initech',
  'Umbrella Research',
  'Hooli',
  'Stark Industries',
  'Wayne Enterprises',
];

export function tagged(rng: Rng, prefix: string): string {
  return `${prefix}_01${rng.base58(22)}`;
}

export function makeTenant(seed: number, userCount = 40): Tenant {
  const rng = new Rng(mixSeed(seed, 0x7e4a));
  const name = rng.pick(ORG_NAMES);
  const domain = `${name.toLowerCase().replace(/[^a-z]+/g, '-')}.example`;
  const users: TenantUser[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < userCount; i++) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    let local = `${first}.${last}`;
    for (let n = 2; seen.has(local); n++) local = `${first}.${last}${n}`;
    seen.add(local);
    users.push({
      id: tagged(rng, 'user'),
      email: `${local}@${domain}`,
      name: `${first[0].toUpperCase()}${first.slice(1)} ${last[0].toUpperCase()}${last.slice(1)}`,
    });
  }
  const list = (prefix: string, n: number): string[] => Array.from({ length: n }, () => tagged(rng, prefix));
  return {
    organizationId: tagged(rng, 'org'),
    organizationUuid: rng.uuid(),
    name,
    domain,
    users,
    apiKeyIds: list('apikey', 6),
    adminApiKeyIds: list('admin_api_key', 3),
    serviceAccountIds: list('svac', 4),
    workspaceIds: list('wrkspc', 5),
    directoryId: tagged(rng, 'directory'),
  };
}

/** The tenant used when a caller does not name one. */
export const DEFAULT_TENANT: Tenant = makeTenant(1);

/**
 * The same key appears as `admin_api_key_01X…` in `admin_api_key_created` and as
 * `apikey_01X…` in an actor's `api_key_id`: same suffix, different prefix.
 */
export function asApiKeyId(adminApiKeyId: string): string {
  return adminApiKeyId.replace(/^admin_api_key_/, 'apikey_');
}
