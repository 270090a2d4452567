import type { SinkRoutingConfig } from '../config/fields';
import { compileFilter, type ActivityFilter } from './filter';
import { Privacy, privacyProfile } from './privacy';

/** What a sink takes, and how it sees it (its `filter:` and `privacy:` blocks). */
export interface SinkRoute {
  /** Undefined: every activity. */
  readonly accepts?: ActivityFilter;
  /** Undefined: the activity as read. */
  readonly privacy?: Privacy;
}

/**
 * Each sink's route, by sink name; sinks without filter or privacy have none. Sinks with
 * equal privacy blocks share one Privacy, so each activity is rewritten and serialized
 * once for them; different blocks never share.
 */
export function sinkRoutes(
  sinks: Readonly<Record<string, SinkRoutingConfig>>,
): ReadonlyMap<string, SinkRoute> {
  const routes = new Map<string, SinkRoute>();
  const shared = new Map<string, Privacy>();
  for (const [name, sink] of Object.entries(sinks)) {
    const accepts = compileFilter(sink.filter);
    let privacy: Privacy | undefined;
    if (sink.privacy) {
      const profile = privacyProfile(sink.privacy);
      privacy = shared.get(profile) ?? new Privacy(sink.privacy);
      shared.set(profile, privacy);
      if (!privacy.active) privacy = undefined;
    }
    if (accepts || privacy) routes.set(name, { accepts, privacy });
  }
  return routes;
}
