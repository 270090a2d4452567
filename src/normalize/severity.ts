import type { Activity } from '../source/activity';
import { eventOutcome, eventSeverityId } from './facts';
import { resolveMapping } from './resolve';
import { isObject, type JsonObject } from './values';

/**
 * One severity per activity, expressed on each scale a sink needs, so OCSF `severity_id`,
 * ECS `event.severity`, CEF, LEEF and syslog agree.
 *
 * | OCSF severity_id      | CEF (0–10) | LEEF sev (1–10) | syslog (RFC 5424) |
 * |-----------------------|-----------:|----------------:|-------------------|
 * | 1 Informational       | 1          | 1               | 6 informational   |
 * | 2 Low                 | 3          | 3               | 5 notice          |
 * | 3 Medium              | 5          | 5               | 4 warning         |
 * | 4 High                | 7          | 7               | 3 error           |
 * | 5 Critical            | 9          | 9               | 2 critical        |
 * | 6 Fatal               | 10         | 10              | 1 alert           |
 * | 0 Unknown / 99 Other  | 5          | 5               | 5 notice          |
 */

const CEF: Readonly<Record<number, number>> = { 1: 1, 2: 3, 3: 5, 4: 7, 5: 9, 6: 10 };
const SYSLOG: Readonly<Record<number, number>> = { 1: 6, 2: 5, 3: 4, 4: 3, 5: 2, 6: 1 };

export function cefSeverity(ocsfSeverityId: number): number {
  return CEF[ocsfSeverityId] ?? 5;
}

export function leefSeverity(ocsfSeverityId: number): number {
  return CEF[ocsfSeverityId] ?? 5;
}

export function syslogSeverity(ocsfSeverityId: number): number {
  return SYSLOG[ocsfSeverityId] ?? 5;
}

/** The OCSF severity_id of an activity: its type's severity, at least Low when it failed. */
export function ocsfSeverityId(activity: Activity): number {
  const src: JsonObject = isObject(activity) ? activity : {};
  const mapping = resolveMapping(src.type);
  return eventSeverityId(mapping, eventOutcome(mapping, src));
}

export interface Severities {
  readonly ocsf: number;
  readonly cef: number;
  readonly leef: number;
  readonly syslog: number;
}

export function severityOf(activity: Activity): Severities {
  const ocsf = ocsfSeverityId(activity);
  return { ocsf, cef: cefSeverity(ocsf), leef: leefSeverity(ocsf), syslog: syslogSeverity(ocsf) };
}
