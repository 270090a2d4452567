import type { Activity } from '../activity';

/**
 * Access Transparency records: Anthropic staff viewing customer content, and content kept
 * beyond retention. Dated when Anthropic recorded them, they can appear in the feed up to
 * two business days later (spec: access-transparency.md §2.5), and the `activity_types[]`
 * enum lacks them (§2.7).
 */
export const ACCESS_TRANSPARENCY_TYPES = ['anthropic_access', 'cmek_preserve'] as const;

const TYPES: ReadonlySet<string> = new Set(ACCESS_TRANSPARENCY_TYPES);

export function isAccessTransparency(type: string): boolean {
  return TYPES.has(type);
}

/** Whether the row carries its transparency-log position (absent and null are the same, §2.8). */
export function hasLeafIndex(activity: Activity): boolean {
  const index = activity.transparency_log_leaf_index;
  return index !== undefined && index !== null;
}
