import type { Activity } from '../source/activity';

/**
 * Whether the tenant's Compliance API records anything. It can be switched off, and what
 * happens while it is off is never recorded: the `org_compliance_api_settings_updated` row
 * of the switch is the only evidence (spec: compliance-api.md, "Delivery guarantees"). The
 * gaps it opens are part of the completeness record.
 */
export const SETTINGS_TYPE = 'org_compliance_api_settings_updated';

export interface RecordingGap {
  /** created_at of the switch-off row: nothing after it was recorded… */
  readonly from: string;
  /** …until this switch-on row; null while recording is still off. */
  readonly to: string | null;
  readonly off_activity_id: string;
  readonly on_activity_id: string | null;
  /** Who switched it off (email, user, key or actor type). */
  readonly switched_off_by: string;
}

export interface RecordingState {
  /** `compliance_api_enabled` as the last settings row said (true until a row says otherwise). */
  readonly api_enabled: boolean;
  readonly logging_enabled: boolean;
  /** created_at of the last settings row applied: an older one arriving late changes nothing. */
  readonly as_of: string | null;
  /** The newest gaps, oldest first. */
  readonly gaps: readonly RecordingGap[];
}

export const INITIAL_RECORDING: RecordingState = {
  api_enabled: true,
  logging_enabled: true,
  as_of: null,
  gaps: [],
};

const MAX_GAPS = 100;

export function isRecording(s: RecordingState): boolean {
  return s.api_enabled && s.logging_enabled;
}

export interface RecordingChange {
  readonly state: RecordingState;
  /** Set when the row switched recording off or back on. */
  readonly switched?: 'off' | 'on';
  readonly gap?: RecordingGap;
}

/** Applies one committed activity; anything but a newer settings row changes nothing. */
export function applyActivity(state: RecordingState, activity: Activity): RecordingChange {
  if (activity.type !== SETTINGS_TYPE) return { state };
  if (state.as_of !== null && Date.parse(activity.created_at) < Date.parse(state.as_of)) return { state };
  const flag = (v: unknown, current: boolean): boolean => (typeof v === 'boolean' ? v : current);
  const next: RecordingState = {
    ...state,
    api_enabled: flag(activity.compliance_api_enabled, state.api_enabled),
    logging_enabled: flag(activity.compliance_api_logging_enabled, state.logging_enabled),
    as_of: activity.created_at,
  };
  const was = isRecording(state);
  const now = isRecording(next);
  if (was && !now) {
    const gap: RecordingGap = {
      from: activity.created_at,
      to: null,
      off_activity_id: activity.id,
      on_activity_id: null,
      switched_off_by: actorName(activity),
    };
    return { state: { ...next, gaps: [...next.gaps, gap].slice(-MAX_GAPS) }, switched: 'off', gap };
  }
  if (!was && now) {
    const open = next.gaps.at(-1);
    if (!open || open.to !== null) return { state: next, switched: 'on' };
    const gap: RecordingGap = { ...open, to: activity.created_at, on_activity_id: activity.id };
    return { state: { ...next, gaps: [...next.gaps.slice(0, -1), gap] }, switched: 'on', gap };
  }
  return { state: next };
}

function actorName(activity: Activity): string {
  const actor = activity.actor ?? { type: 'unknown' };
  for (const key of [
    'email_address',
    'user_id',
    'api_key_id',
    'admin_api_key_id',
    'service_account_id',
    'service',
  ]) {
    const v = actor[key];
    if (typeof v === 'string' && v.length > 0) return v;
  }
  return actor.type;
}
