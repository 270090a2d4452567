import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { encodeRow } from '../../src/sinks/sentinel/encode';
import { DETECTIONS, REPO_ROOT, caseFiles, toActivity } from './support/sigma';

/**
 * Issue #24: the KQL in detections/dist/sentinel (one file per rule and the ARM template of
 * analytics rules) queries what the Sentinel sink really writes: the table of
 * deploy/sentinel/table.json and only its columns, the dynamic column only through a cast (KQL
 * compares a dynamic value only once cast), and only at property paths that the sink's own
 * row (encodeRow) carries for at least one of the rule's firing cases.
 */
const DIST = join(DETECTIONS, 'dist/sentinel');
const CASES = caseFiles();

interface Column {
  readonly name: string;
  readonly type: string;
}
const schema = (
  JSON.parse(readFileSync(join(REPO_ROOT, 'deploy/sentinel/table.json'), 'utf8')) as {
    properties: { schema: { name: string; columns: Column[] } };
  }
).properties.schema;
const COLUMN_TYPES = new Map(schema.columns.map((c) => [c.name, c.type]));

/** KQL words and functions the converted rules may use; anything else names a column. */
const KEYWORDS = new Set([
  'and',
  'or',
  'in',
  'contains',
  'startswith',
  'endswith',
  'has',
  'has_all',
  'matches',
  'regex',
  'true',
  'false',
]);
const FUNCTIONS = new Set([
  'not',
  'tostring',
  'tobool',
  'isnotempty',
  'isempty',
  'isnull',
  'ingestion_time',
  'ago',
]);
const CASTS = new Set(['tostring', 'tobool']);

/** A field a query reads: a column, and a property path when it reads inside a dynamic column. */
interface FieldRead {
  readonly column: string;
  readonly path: readonly string[];
  readonly cast?: string;
}

interface ParsedQuery {
  readonly tables: readonly string[];
  readonly operators: readonly string[];
  readonly reads: readonly FieldRead[];
  readonly unknownFunctions: readonly string[];
}

/** String and timespan literals blanked out, so their words are not taken for names. */
function withoutLiterals(query: string): string {
  return query.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\b\d+(?:ms|[dhms])\b/g, (s) =>
    ' '.repeat(s.length),
  );
}

function parse(query: string): ParsedQuery {
  const [source = '', ...stages] = withoutLiterals(query).split('\n|');
  const operators = stages.map((s) => s.trim().split(/\s+/)[0] ?? '');
  const body = stages.map((s) => s.trim().replace(/^\w+/, '')).join(' ');
  const reads: FieldRead[] = [];
  const unknownFunctions: string[] = [];
  for (const m of body.matchAll(/([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(\s*\()?/g)) {
    const [name, call] = [m[1] ?? '', m[2]];
    if (KEYWORDS.has(name)) continue;
    if (call !== undefined) {
      if (!FUNCTIONS.has(name)) unknownFunctions.push(name);
      continue;
    }
    const cast = /(\w+)\(\s*$/.exec(body.slice(0, m.index))?.[1];
    const [column = '', ...path] = name.split('.');
    reads.push({ column, path, cast: cast !== undefined && CASTS.has(cast) ? cast : undefined });
  }
  return { tables: [source.trim()], operators, reads, unknownFunctions };
}

/** What is wrong with a query, given the sink's rows for the rule's firing cases. */
function problems(query: string, rows: readonly Record<string, unknown>[]): string[] {
  const parsed = parse(query);
  const out: string[] = [];
  for (const table of parsed.tables)
    if (table !== schema.name) out.push(`reads table ${table}, not ${schema.name}`);
  for (const op of parsed.operators)
    if (op !== 'where') out.push(`uses | ${op} (only where reads one table)`);
  for (const f of parsed.unknownFunctions) out.push(`calls ${f}()`);
  for (const read of parsed.reads) {
    const shown = [read.column, ...read.path].join('.');
    const type = COLUMN_TYPES.get(read.column);
    if (type === undefined) {
      out.push(`reads ${shown}: ${read.column} is not a column of ${schema.name}`);
      continue;
    }
    if (read.path.length === 0) continue;
    if (type !== 'dynamic') out.push(`reads ${shown}: ${read.column} is a ${type} column, not dynamic`);
    if (read.cast === undefined) out.push(`compares ${shown} without tostring()/tobool()`);
    if (!rows.some((row) => valueAt(row, [read.column, ...read.path]) !== undefined))
      out.push(`reads ${shown}, which the sink's row of no firing case carries`);
  }
  return out;
}

function valueAt(node: unknown, path: readonly string[]): unknown {
  let at = node;
  for (const key of path) {
    if (typeof at !== 'object' || at === null || !Object.prototype.hasOwnProperty.call(at, key))
      return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** The rows the sink writes for a rule's firing cases, as the table holds them. */
function firingRows(rule: string): Record<string, unknown>[] {
  const spec = CASES.get(rule);
  assert.ok(spec !== undefined, `${rule}: no detections/tests/${rule}.yml`);
  const items = spec.fire.flatMap((entry) => (Array.isArray(entry) ? entry : [entry]));
  return items.map((item, i) => {
    const activity = toActivity(item, i, Date.parse('2026-03-02T10:00:00Z'));
    return JSON.parse(encodeRow({ seq: i, activity, raw: JSON.stringify(activity) }).text) as Record<
      string,
      unknown
    >;
  });
}

const kqlFiles = new Map(
  readdirSync(DIST)
    .filter((f) => f.endsWith('.kql'))
    .sort()
    .map((f) => [f.replace(/\.kql$/, ''), readFileSync(join(DIST, f), 'utf8').trimEnd()]),
);

test('every KQL rule reads ClaudeAudit_CL, its columns, and Activity paths the sink writes for its firing cases', () => {
  assert.ok(kqlFiles.size >= 40, `only ${kqlFiles.size} KQL rules`);
  const found = [...kqlFiles].flatMap(([rule, query]) =>
    problems(query, firingRows(rule)).map((p) => `${rule}.kql ${p}`),
  );
  assert.deepEqual(found, []);
});

test('every analytics rule of the ARM template is one of those KQL rules, scheduled', () => {
  const template = JSON.parse(readFileSync(join(DIST, 'analytics_rules.json'), 'utf8')) as {
    resources: { properties: { displayName: string; query: string } }[];
  };
  const byQuery = new Map([...kqlFiles].map(([rule, query]) => [query, rule]));
  assert.equal(template.resources.length, kqlFiles.size);
  for (const { properties } of template.resources) {
    // The schedule's filter (the-sentinel-analytics-rules-take-the-rows-ingested-since-their-last-run).
    const rule = byQuery.get(
      properties.query.replace(/\n\| where ingestion_time\(\) > ago\(\w+\)/, '').trimEnd(),
    );
    assert.ok(rule !== undefined, `${properties.displayName}: its query is no dist/sentinel/*.kql`);
    assert.deepEqual(problems(properties.query, firingRows(rule)), [], properties.displayName);
  }
});

test('the check refuses a table, column, uncast or absent Activity path the sink does not write', () => {
  const rows = firingRows('claude_sso_disabled');
  const refused = (query: string) => problems(query, rows).join('; ');
  assert.deepEqual(problems('ClaudeAudit_CL\n| where tobool(Activity.enabled) == false', rows), []);
  assert.match(refused('ClaudeComplianceOCSF_CL\n| where ActivityType =~ "x"'), /reads table/);
  assert.match(refused('ClaudeAudit_CL\n| where metadata.event_code =~ "x"'), /metadata is not a column/);
  assert.match(refused('ClaudeAudit_CL\n| where Activity.enabled == false'), /without tostring/);
  assert.match(
    refused('ClaudeAudit_CL\n| where tobool(Activity.unmapped.enabled) == false'),
    /no firing case/,
  );
  assert.match(refused('ClaudeAudit_CL\n| where tostring(ActorType.x) =~ "y"'), /not dynamic/);
  assert.match(refused('ClaudeAudit_CL\n| join (Other_CL) on ActivityId'), /\| join/);
  assert.match(refused('ClaudeAudit_CL\n| where ActivityType =~ "a.b" and frob(ActorType)'), /calls frob/);
});
