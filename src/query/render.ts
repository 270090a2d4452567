import { serializeEvent } from '../normalize';
import { summarize } from '../normalize/summary';
import { stripControls } from '../observability/logger';
import type { Activity } from '../source/activity';
import type { FoundRow } from './read';

export const QUERY_FORMATS = ['table', 'json', 'csv', 'ocsf', 'ecs'] as const;
export type QueryFormat = (typeof QUERY_FORMATS)[number];

/** Who acted, for a person reading: an email, else a key, else whatever id the actor has. */
export function actorLabel(a: Activity): string {
  const actor = a.actor ?? {};
  for (const field of [
    'email_address',
    'unauthenticated_email_address',
    'api_key_id',
    'admin_api_key_id',
    'service_account_id',
    'user_id',
    'service',
  ]) {
    const v = actor[field];
    if (typeof v === 'string' && v !== '') return v;
  }
  return typeof actor.type === 'string' ? actor.type : '';
}

function ipOf(a: Activity): string {
  const ip = a.actor?.ip_address;
  return typeof ip === 'string' ? ip : '';
}

const CSV_COLUMNS = [
  'created_at',
  'id',
  'type',
  'organization_id',
  'actor_type',
  'actor',
  'ip_address',
  'summary',
];

/**
 * One CSV row per line (line breaks and other controls become spaces or go), and a cell a
 * spreadsheet would run as a formula (= + - @) gets a leading quote.
 */
function csvCell(value: string): string {
  const flat = stripControls(value);
  const safe = /^[=+\-@]/.test(flat) ? `'${flat}` : flat;
  return /[",]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvHeader(): string {
  return CSV_COLUMNS.join(',') + '\n';
}

export function csvLine(a: Activity): string {
  const cells = [
    a.created_at,
    a.id,
    a.type,
    a.organization_id ?? a.organization_uuid ?? '',
    typeof a.actor?.type === 'string' ? a.actor.type : '',
    actorLabel(a),
    ipOf(a),
    summarize(a).title,
  ];
  return cells.map((c) => csvCell(String(c))).join(',') + '\n';
}

/** One line per row for pipes: the API's JSON, CSV, or one normalized event. */
export function pipeLine(row: FoundRow, format: Exclude<QueryFormat, 'table'>): string {
  if (format === 'csv') return csvLine(row.activity);
  if (format === 'json') return row.raw + '\n';
  return serializeEvent({ seq: 0, activity: row.activity, raw: row.raw }, format) + '\n';
}

function fit(text: string, width: number): string {
  const clean = stripControls(text);
  if (clean.length <= width) return clean.padEnd(width);
  return width <= 1 ? clean.slice(0, width) : clean.slice(0, width - 1) + '…';
}

/**
 * Rows for a terminal: time, type, actor, IP and a one-line summary, the summary taking
 * what the width leaves. Control characters from the API never reach the terminal.
 */
export function tableLines(rows: readonly FoundRow[], columns: number): string[] {
  const time = 20;
  const natural = (pick: (a: Activity) => string, cap: number): number =>
    Math.min(cap, Math.max(4, ...rows.map((r) => stripControls(pick(r.activity)).length)));
  let type = natural((a) => a.type, 40);
  let actor = natural(actorLabel, 40);
  let ip = natural(ipOf, 39);
  const room = (): number => columns - (time + type + actor + ip + 8);
  const shrinkWidest = (): void => {
    if (actor >= type && actor >= ip) actor--;
    else if (type >= ip) type--;
    else ip--;
  };
  // On a narrow terminal the summary keeps 16 columns: the widest of the others gives way first.
  while (room() < 16 && Math.max(type, actor, ip) > 16) shrinkWidest();
  // Narrower still (80 columns): every column gives way down to 8 rather than wrap the line.
  while (room() < 8 && Math.max(type, actor, ip) > 8) shrinkWidest();
  const summary = Math.max(8, room());
  const line = (cells: string[], widths: number[]): string =>
    cells
      .map((c, i) => fit(c, widths[i]))
      .join('  ')
      .trimEnd();
  const widths = [time, type, actor, ip, summary];
  return [
    line(['TIME', 'TYPE', 'ACTOR', 'IP', 'SUMMARY'], widths),
    ...rows.map((r) =>
      line(
        [
          r.activity.created_at.replace(/\.\d+/, ''),
          r.activity.type,
          actorLabel(r.activity),
          ipOf(r.activity),
          summarize(r.activity).title,
        ],
        widths,
      ),
    ),
  ];
}
