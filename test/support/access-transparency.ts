import { randomBytes } from 'node:crypto';
import type { Activity } from '../../src/source/activity';

const HOUR = 3_600_000;

/** An Access Transparency row recorded `hoursAgo` hours ago, shaped as access-transparency.md §2.4 shows. */
export function staffAccessRow(
  hoursAgo: number,
  options: {
    type?: 'anthropic_access' | 'cmek_preserve';
    leafIndex?: number;
    id?: string;
    now?: number;
  } = {},
): Activity {
  const created = new Date((options.now ?? Date.now()) - hoursAgo * HOUR);
  return {
    id: options.id ?? `activity_01${randomBytes(11).toString('hex').slice(0, 22)}`,
    type: options.type ?? 'anthropic_access',
    created_at: created.toISOString().replace('Z', '412Z'),
    accessed_at: new Date(created.getTime() - 3000).toISOString(),
    organization_id: 'org_01Wv6QeBcDfGhJkLmNpQrSt8',
    organization_uuid: 'abcdef01-2345-6789-abcd-ef0123456789',
    actor: { type: 'anthropic_actor', email_address: null },
    resource_details: { type: 'message', id: `msg_${randomBytes(6).toString('hex')}` },
    accessor_department: 'Safeguards',
    reason_code: options.type === 'cmek_preserve' ? 'policy_violation_investigation' : 'safety_review',
    ...(options.leafIndex === undefined ? {} : { transparency_log_leaf_index: options.leafIndex }),
  };
}

/** How many times each id occurs. */
export function countIds(ids: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}
