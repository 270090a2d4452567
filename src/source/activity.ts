/**
 * The Compliance API's activity object. Only the common fields are typed: type-specific
 * fields sit flat beside `type` and new ones appear without notice, so everything else is
 * kept as unknown and passed through untouched.
 */
export interface Actor {
  readonly type: string;
  readonly [field: string]: unknown;
}

export interface Activity {
  readonly id: string;
  readonly created_at: string;
  readonly organization_id?: string | null;
  readonly organization_uuid?: string | null;
  readonly type: string;
  readonly actor: Actor;
  readonly [field: string]: unknown;
}

/** The activity type our own Compliance API reads cause (one per request). */
export const SELF_EVENT_TYPE = 'compliance_api_accessed';
