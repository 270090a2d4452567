import { ACTIVITY_TYPES } from '../../../src/catalogue';
import { ACCESS_TRANSPARENCY_TYPES } from '../../../src/source/access-transparency/activity';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator';
import { allKinds, makeActivity } from '../../../src/simulator/generate';
import type { Activity } from '../../../src/source/activity';

/** Every documented type, Access Transparency's two included. */
export const EVERY_TYPE: readonly string[] = [
  ...new Set([...ACTIVITY_TYPES.map((t) => t.type), ...ACCESS_TRANSPARENCY_TYPES]),
];

/**
 * A simulator holding `perType` activities of every documented type, created half an hour
 * ago and visible now, and nothing else (no self events, no rate limit): what a sink's
 * filter selects from it can be computed exactly.
 */
export async function startEveryTypeSimulator(seed: number, perType = 2): Promise<SimulatorHandle> {
  const sim = await startSimulator({ seed, rateLimit: false, selfEvents: false, staffAccessRate: 0 });
  const createdAt = new Date(Date.now() - 30 * 60_000);
  for (const type of EVERY_TYPE) sim.append(perType, { type, createdAt });
  return sim;
}

/**
 * One activity of every catalogue type (its usual actor variant), created `createdAt`, each
 * given extra fields by `decorate` (its index and the activity): values tests look for.
 */
export function everyTypeActivities(
  seed: number,
  createdAt: Date,
  decorate: (i: number, a: Activity) => Activity,
): Activity[] {
  const firstKind = new Map<string, string>();
  for (const k of allKinds()) if (!firstKind.has(k.type)) firstKind.set(k.type, k.actorType);
  return [...firstKind].map(([type, actorType], i) =>
    decorate(
      i,
      makeActivity({
        type,
        actorType,
        seed: seed * 100_000 + i,
        createdAt: new Date(createdAt.getTime() + i).toISOString(),
      }),
    ),
  );
}
