/**
 * One row of the chaos table per scenario run: what the API offered, what each sink ended
 * up with, what was lost or duplicated, how much memory the forwarder took, and whether the
 * promise held. `failures` says why not, in words; a row passes only when it is empty.
 */
export const SINK_KINDS = ['file', 'hec', 'syslog', 'kafka', 'sentinel', 's3'] as const;
export type SinkKind = (typeof SINK_KINDS)[number];

export interface Row {
  readonly scenario: string;
  /** Activities the API served that every sink must have (at least once). */
  offered: number;
  /** Per sink: unique activities delivered (of those offered), or "n/a (why)". */
  readonly delivered: Partial<Record<SinkKind, number | string>>;
  lost: number;
  duplicates: number;
  /** What the duplicates are allowed to be ("≤ 4800", "0"); shown beside the count. */
  duplicateBound?: string;
  peakRssMb?: number;
  /** Measurements worth keeping (request rates, bounds, timings). */
  readonly notes: string[];
  readonly failures: string[];
}

export function newRow(scenario: string): Row {
  return { scenario, offered: 0, delivered: {}, lost: 0, duplicates: 0, notes: [], failures: [] };
}

export function outcome(row: Row): string {
  return row.failures.length === 0 ? 'pass' : 'FAIL';
}

/** Records a check: `ok` false adds `message` to the row's failures. */
export function check(row: Row, ok: boolean, message: string): boolean {
  if (!ok) row.failures.push(message);
  return ok;
}

const HEADERS = ['scenario', 'offered', ...SINK_KINDS, 'lost', 'duplicates', 'peak RSS', 'outcome'];

function cells(row: Row): string[] {
  const sink = (k: SinkKind): string => {
    const v = row.delivered[k];
    return v === undefined ? '–' : String(v);
  };
  return [
    row.scenario,
    String(row.offered),
    ...SINK_KINDS.map(sink),
    String(row.lost),
    row.duplicateBound !== undefined
      ? `${row.duplicates} (bound ${row.duplicateBound})`
      : String(row.duplicates),
    row.peakRssMb !== undefined ? `${Math.round(row.peakRssMb)} MB` : '–',
    outcome(row),
  ];
}

/** A Markdown table (also readable as plain text: the columns are padded). */
export function renderTable(rows: readonly Row[]): string {
  const body = rows.map(cells).map((c) => c.map((v) => v.replace(/\|/g, '\\|')));
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...body.map((c) => c[i].length)));
  const line = (c: readonly string[]): string => `| ${c.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  return [line(HEADERS), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** Notes and failures under the table, one block per row that has any. */
export function renderNotes(rows: readonly Row[]): string {
  const blocks: string[] = [];
  for (const row of rows) {
    if (row.notes.length === 0 && row.failures.length === 0) continue;
    const lines = [`- **${row.scenario}**`];
    for (const n of row.notes) lines.push(`  - ${n}`);
    for (const f of row.failures) lines.push(`  - FAILED: ${f}`);
    blocks.push(lines.join('\n'));
  }
  return blocks.join('\n');
}
