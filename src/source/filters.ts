import { SELF_EVENT_TYPE, type Activity } from './activity';

/**
 * Client-side filters: what the API cannot filter for us.
 * - api_key_ids: the API has no key filter. The same key shows up as `admin_api_key_01X…`
 *   and `apikey_01X…` (same suffix, other prefix), so keys are compared by suffix.
 * - self_events: drop the `compliance_api_accessed` rows our own requests caused,
 *   recognised by the request-id of our own responses.
 */
const KEY_PREFIXES = /^(admin_api_key_|apikey_|api_key_)/;

export function keySuffix(id: string): string {
  return id.replace(KEY_PREFIXES, '');
}

export interface ClientFilterOptions {
  readonly apiKeyIds: readonly string[];
  readonly dropSelfEvents: boolean;
  readonly isOwnRequest: (requestId: string) => boolean;
}

export type FilterVerdict = 'deliver' | 'self_event' | 'other_key';

export function makeClientFilter(opts: ClientFilterOptions): (a: Activity) => FilterVerdict {
  const keys = new Set(opts.apiKeyIds.map(keySuffix));
  return (a) => {
    if (
      opts.dropSelfEvents &&
      a.type === SELF_EVENT_TYPE &&
      typeof a.request_id === 'string' &&
      opts.isOwnRequest(a.request_id)
    ) {
      return 'self_event';
    }
    if (keys.size > 0) {
      const actor = a.actor ?? {};
      const key =
        typeof actor.api_key_id === 'string'
          ? actor.api_key_id
          : typeof actor.admin_api_key_id === 'string'
            ? actor.admin_api_key_id
            : undefined;
      if (!key || !keys.has(keySuffix(key))) return 'other_key';
    }
    return 'deliver';
  };
}
