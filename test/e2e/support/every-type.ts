import { ACTIVITY_TYPES } from '../../../src/catalogue';
import { ACCESS_TRANSPARENCY_TYPES } from '../../../src/source/access-transparency/activity';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator';

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
