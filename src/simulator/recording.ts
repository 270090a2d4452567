import type { Activity } from '../source/activity';
import { SETTINGS_UPDATED_TYPE, makeActivity } from './generate';
import { mixSeed } from './prng';
import type { Tenant } from './tenant';
import { formatMicros } from './time';

/**
 * Whether the tenant's Compliance API is recording. An admin can switch it off (Console >
 * Settings > Security); while it is off nothing is recorded and what happened is lost for
 * good. The switch itself, off and on, is recorded as `org_compliance_api_settings_updated`:
 * the only evidence a forwarder gets of the gap (spec/compliance-api.md, delivery guarantees).
 */
/** Which documented field of that row the switch flips. */
export type RecordingSetting = 'compliance_api_enabled' | 'compliance_api_logging_enabled';

export interface RecordingOffWindow {
  /** Milliseconds since the simulator started. */
  readonly fromMs: number;
  /** Default: never switched back on. */
  readonly untilMs?: number;
  /** Default `compliance_api_enabled`. */
  readonly setting?: RecordingSetting;
}

/** Called once per switch, when its moment has come: record the settings row. */
export type RecordSwitch = (atMs: number, setting: RecordingSetting, on: boolean) => void;

interface OffPeriod {
  readonly offAt: number;
  onAt: number;
  readonly setting: RecordingSetting;
  offRecorded: boolean;
  onRecorded: boolean;
}

export class RecordingSwitch {
  private readonly periods: OffPeriod[] = [];

  constructor(
    private readonly startedAtMs: number,
    private readonly record: RecordSwitch,
  ) {}

  /** Adds switch-off windows (relative to the start); set them before they begin. */
  schedule(windows: readonly RecordingOffWindow[]): void {
    for (const w of windows) {
      const offAt = this.startedAtMs + w.fromMs;
      const onAt = w.untilMs === undefined ? Infinity : this.startedAtMs + w.untilMs;
      const setting = w.setting ?? 'compliance_api_enabled';
      // setFaults may pass the same windows again: one switch each.
      if (this.periods.some((p) => p.offAt === offAt && p.onAt === onAt && p.setting === setting)) continue;
      this.periods.push({ offAt, onAt, setting, offRecorded: false, onRecorded: false });
    }
  }

  /** Switches recording off or on at `nowMs`; a no-op when it already is. */
  set(on: boolean, nowMs: number, setting: RecordingSetting = 'compliance_api_enabled'): void {
    const open = this.periods.find((p) => p.offAt <= nowMs && nowMs < p.onAt);
    if (on && open) open.onAt = nowMs;
    if (!on && !open)
      this.periods.push({ offAt: nowMs, onAt: Infinity, setting, offRecorded: false, onRecorded: false });
  }

  /** Back to normal: recording on from `nowMs`, scheduled windows not yet begun dropped. */
  clear(nowMs: number): void {
    this.set(true, nowMs);
    for (let i = this.periods.length - 1; i >= 0; i--)
      if (this.periods[i].offAt > nowMs) this.periods.splice(i, 1);
  }

  isRecording(atMs: number): boolean {
    return !this.periods.some((p) => p.offAt <= atMs && atMs < p.onAt);
  }

  /** Records the switches whose moment has come by `nowMs`, in time order. */
  recordDue(nowMs: number): void {
    const due: { at: number; period: OffPeriod; on: boolean }[] = [];
    for (const p of this.periods) {
      if (!p.offRecorded && p.offAt <= nowMs) due.push({ at: p.offAt, period: p, on: false });
      if (!p.onRecorded && p.onAt <= nowMs) due.push({ at: p.onAt, period: p, on: true });
    }
    due.sort((a, b) => a.at - b.at);
    for (const d of due) {
      if (d.on) d.period.onRecorded = true;
      else d.period.offRecorded = true;
      this.record(d.at, d.period.setting, d.on);
    }
  }
}

/**
 * The row a switch leaves: the flipped setting's field with its new value (the other
 * documented field, not being changed, is left out), by a Console user of the tenant.
 */
export function settingsUpdatedActivity(
  seed: number,
  tenant: Tenant,
  atMs: number,
  setting: RecordingSetting,
  on: boolean,
): Activity {
  const made: Record<string, unknown> = {
    ...makeActivity({
      type: SETTINGS_UPDATED_TYPE,
      actorType: 'user_actor',
      seed: mixSeed(seed, 0x5e77, atMs),
      createdAt: formatMicros(atMs * 1000),
      tenant,
    }),
  };
  delete made.compliance_api_enabled;
  delete made.compliance_api_logging_enabled;
  made[setting] = on;
  return made as Activity;
}
