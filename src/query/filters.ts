import type { Activity } from '../source/activity';
import { isAccessTransparency } from '../source/access-transparency/activity';
import { globPattern } from '../util/glob';

/**
 * What `query` and `export` select. Within one kind the values are alternatives, between
 * kinds every one must hold: `--type a --type b --user x` is (a or b) and x.
 */
export interface QueryFilters {
  /** Exact activity types or globs (`*`, `?`). */
  readonly types: readonly string[];
  /** `user_…` ids or email addresses. */
  readonly users: readonly string[];
  /** `apikey_…` or `admin_api_key_…` ids: the same key under either prefix. */
  readonly apiKeys: readonly string[];
  /** `org_…` ids or organization UUIDs. */
  readonly orgs: readonly string[];
}

/** The part of the filters the API itself applies (spec: Query parameters). */
export interface ApiFilters {
  readonly activityTypes: readonly string[];
  readonly actorIds: readonly string[];
  readonly organizationIds: readonly string[];
}

const isGlob = (type: string): boolean => /[*?]/.test(type);
const isUserId = (user: string): boolean => user.startsWith('user_');

/**
 * The API filters only by exact types and user ids, and a request carries a list or none:
 * one glob (or one email) among them means that kind is read whole and matched here. So
 * does a staff-access type, which the API's type enum lacks (it may refuse it with 400).
 */
export function apiFilters(f: QueryFilters): ApiFilters {
  return {
    activityTypes: f.types.some((t) => isGlob(t) || isAccessTransparency(t)) ? [] : f.types,
    actorIds: f.users.every(isUserId) ? f.users : [],
    organizationIds: f.orgs,
  };
}

/** Whether `--type` names `type`, exactly or by a glob (false when no type is named). */
export function namesType(f: QueryFilters, type: string): boolean {
  return f.types.some((t) => globPattern(t).test(type));
}

/**
 * The filters checked on each row: types (globs included) and users. Keys are matched by the
 * source's own client filter (by suffix); organizations are left to the API, which also
 * returns rows with no organization, as documented.
 */
export function rowMatcher(f: QueryFilters): (a: Activity) => boolean {
  const patterns = f.types.map(globPattern);
  const userIds = new Set(f.users.filter(isUserId));
  const emails = new Set(f.users.filter((u) => !isUserId(u)).map((e) => e.toLowerCase()));
  return (a) => {
    if (patterns.length > 0 && !patterns.some((p) => p.test(a.type))) return false;
    if (userIds.size + emails.size === 0) return true;
    const actor = a.actor ?? {};
    if (typeof actor.user_id === 'string' && userIds.has(actor.user_id)) return true;
    const email = actor.email_address ?? actor.unauthenticated_email_address;
    return typeof email === 'string' && emails.has(email.toLowerCase());
  };
}
