import type { ComplianceApiClient } from '../client';
import { IncompleteRunError } from '../../transparency/findings';
import { ACCESS_TRANSPARENCY_TYPES } from './activity';

/** The API's largest page: the verifier's reads are few and cheap at it. */
const PAGE_SIZE = 1000;

/**
 * The Access Transparency rows served since `since`, as the JSON texts the API sent (the
 * verifier rebuilds leaves from those, never from a parsed or normalized copy). Read in
 * ascending order with `after_id` for the one organization, as Anthropic's verifier does
 * (spec §2.7); a cursor that
 * stops advancing ends the read as incomplete.
 */
export async function readAccessTransparencyFeed(
  client: ComplianceApiClient,
  organizationUuid: string,
  since: string,
  options: { readonly signal?: AbortSignal; readonly urgency?: number } = {},
): Promise<string[]> {
  const texts: string[] = [];
  let afterId: string | undefined;
  for (;;) {
    const page = await client.fetchPage(
      {
        createdAtGte: since,
        afterId,
        limit: PAGE_SIZE,
        order: 'asc',
        types: { include: ACCESS_TRANSPARENCY_TYPES, exclude: [] },
        // The whole organization, whatever source.organization_ids/actor_ids keep: a row the
        // verifier did not read would look committed and never served.
        scope: { organizationIds: [organizationUuid], actorIds: [] },
      },
      options.signal,
      options.urgency,
    );
    texts.push(...(page.raw ?? page.activities.map((a) => JSON.stringify(a))));
    if (!page.hasMore) return texts;
    if (page.lastId === null || page.lastId === afterId)
      throw new IncompleteRunError('the feed says it has more while its cursor stopped advancing');
    afterId = page.lastId;
  }
}
