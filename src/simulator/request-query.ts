import { ACTIVITY_TYPES } from '../catalogue';
import { ACCESS_TRANSPARENCY_TYPES } from './access-transparency';
import { FUTURE_TYPES } from './generate';
import type { StoreQuery } from './store';
import type { Tenant } from './tenant';
import { parseMicros } from './time';

/**
 * Validation of `GET /v1/compliance/activities` query parameters, as the live API does it:
 * unknown parameters, unknown activity types, out-of-range limits and contradictory
 * combinations are 400s; an organization outside the tenant is a 403.
 */
export interface ApiErrorSpec {
  readonly status: number;
  readonly type: string;
  readonly message: string;
}

export interface ParsedActivitiesQuery {
  readonly query: Omit<StoreQuery, 'cursor' | 'includeCursorRow'>;
  readonly cursor?: { readonly kind: 'after' | 'before'; readonly text: string };
}

export interface QueryContext {
  readonly tenant: Tenant;
  /** Reject timestamps without an offset, as the docs (not the live API) say. */
  readonly strictTimestamps: boolean;
  /** Accept `anthropic_access` / `cmek_preserve` in type filters (the reference enum lacks them; the docs use them). */
  readonly acceptUnlistedTypes: boolean;
}

const LIST_PARAMS = [
  'activity_types[]',
  'exclude_activity_types[]',
  'actor_ids[]',
  'user_ids[]',
  'organization_ids[]',
] as const;
const SCALAR_PARAMS = [
  'created_at.gte',
  'created_at.gt',
  'created_at.lte',
  'created_at.lt',
  'after_id',
  'before_id',
  'limit',
  'order',
] as const;
const KNOWN = new Set<string>([...LIST_PARAMS, ...SCALAR_PARAMS]);

/** The live enum: every documented type, and the newer ones this simulator emits (the API knows them). */
const ENUM_TYPES = new Set<string>([...ACTIVITY_TYPES.map((t) => t.type), ...FUTURE_TYPES]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const MAX_LIMIT = 5000;
export const DEFAULT_LIMIT = 100;

function invalid(message: string): ApiErrorSpec {
  return { status: 400, type: 'invalid_request_error', message };
}

export function parseActivitiesQuery(
  params: URLSearchParams,
  ctx: QueryContext,
): ParsedActivitiesQuery | ApiErrorSpec {
  for (const key of new Set(params.keys())) {
    if (!KNOWN.has(key)) return invalid(`Unknown query parameter: \`${key}\``);
    if ((SCALAR_PARAMS as readonly string[]).includes(key) && params.getAll(key).length > 1)
      return invalid(`\`${key}\` may be given only once`);
  }

  const include = params.getAll('activity_types[]');
  const exclude = params.getAll('exclude_activity_types[]');
  if (include.length > 0 && exclude.length > 0)
    return invalid('`activity_types` and `exclude_activity_types` cannot be combined');
  for (const type of [...include, ...exclude]) {
    const listed =
      ENUM_TYPES.has(type) ||
      (ctx.acceptUnlistedTypes && (ACCESS_TRANSPARENCY_TYPES as readonly string[]).includes(type));
    if (!listed) return invalid(`Invalid activity type: \`${type}\``);
  }

  const actors = [...params.getAll('actor_ids[]'), ...params.getAll('user_ids[]')];
  for (const id of actors) {
    if (!/^user_[0-9A-Za-z]+$/.test(id))
      return invalid(`Invalid actor id \`${id}\`: only user ids (\`user_…\`) are supported`);
  }

  const orgs = params.getAll('organization_ids[]');
  for (const org of orgs) {
    if (!/^org_[0-9A-Za-z]+$/.test(org) && !UUID.test(org))
      return invalid(`Invalid organization id \`${org}\`: expected an \`org_…\` id or a UUID`);
    if (org !== ctx.tenant.organizationId && org.toLowerCase() !== ctx.tenant.organizationUuid) {
      return {
        status: 403,
        type: 'permission_error',
        message: `The API key does not have access to organization \`${org}\``,
      };
    }
  }

  const bounds: Record<string, number> = {};
  for (const name of ['gte', 'gt', 'lte', 'lt'] as const) {
    const text = params.get(`created_at.${name}`);
    if (text === null) continue;
    const micros = parseMicros(text);
    const hasOffset = /([Zz]|[+-]\d{2}:\d{2})$/.test(text);
    if (micros === undefined || (ctx.strictTimestamps && !hasOffset)) {
      return invalid(`Invalid \`created_at.${name}\`: expected an RFC 3339 timestamp, got "${text}"`);
    }
    bounds[name] = micros;
  }

  let limit = DEFAULT_LIMIT;
  const limitText = params.get('limit');
  if (limitText !== null) {
    if (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > MAX_LIMIT) {
      return invalid(`\`limit\` must be an integer between 1 and ${MAX_LIMIT}, got "${limitText}"`);
    }
    limit = Number(limitText);
  }

  const orderText = params.get('order') ?? 'desc';
  if (orderText !== 'asc' && orderText !== 'desc')
    return invalid(`\`order\` must be \`asc\` or \`desc\`, got "${orderText}"`);

  const after = params.get('after_id');
  const before = params.get('before_id');
  if (after !== null && before !== null) return invalid('`after_id` and `before_id` cannot be combined');
  const cursor =
    after !== null
      ? { kind: 'after' as const, text: after }
      : before !== null
        ? { kind: 'before' as const, text: before }
        : undefined;

  return {
    query: {
      includeTypes: include.length > 0 ? new Set(include) : undefined,
      excludeTypes: exclude.length > 0 ? new Set(exclude) : undefined,
      userIds: actors.length > 0 ? new Set(actors) : undefined,
      organizationIds:
        orgs.length > 0 ? new Set(orgs.map((o) => (UUID.test(o) ? o.toLowerCase() : o))) : undefined,
      gteMicros: bounds.gte,
      gtMicros: bounds.gt,
      lteMicros: bounds.lte,
      ltMicros: bounds.lt,
      order: orderText,
      limit,
    },
    cursor,
  };
}

export function isApiError(x: ParsedActivitiesQuery | ApiErrorSpec): x is ApiErrorSpec {
  return 'status' in x;
}
