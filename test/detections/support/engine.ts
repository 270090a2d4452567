import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import type { SearchEngine } from '../../support/search-engine';
import { DETECTIONS } from './sigma';

/** The shipped ES|QL queries of detections/dist/elastic/, by rule file stem. */
export function esqlQueries(): Map<string, string> {
  const dir = join(DETECTIONS, 'dist', 'elastic');
  const out = new Map<string, string>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.esql'))
    .sort())
    out.set(file.replace(/\.esql$/, ''), readFileSync(join(dir, file), 'utf8'));
  return out;
}

/** The index pattern of a query's FROM command. */
export function fromPattern(query: string): string {
  const m = /^\s*from\s+(\S+)/i.exec(query);
  if (!m) throw new Error(`no FROM in ${query.slice(0, 80)}`);
  return m[1];
}

/** Whether an index pattern (`*` wildcards, comma-separated) covers `index`. */
export function matchesPattern(pattern: string, index: string): boolean {
  return pattern.split(',').some((p) => {
    const re = new RegExp(`^${p.split('*').map(escapeRegExp).join('.*')}$`);
    return re.test(index);
  });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The query with a case's placeholder values (e.g. the forwarder's key ids) in place of the
 * defaults pipelines/claude_placeholders.yml gives, as `npm run detections` would after a
 * deployer sets them. Plain tokens only: they stand as they are in a string or a kql() query.
 */
export function withVars(query: string, vars: Record<string, unknown> | undefined): string {
  if (!vars) return query;
  const defaults = (
    YAML.parse(readFileSync(join(DETECTIONS, 'pipelines', 'claude_placeholders.yml'), 'utf8')) as {
      vars: Record<string, unknown>;
    }
  ).vars;
  let out = query;
  for (const [name, value] of Object.entries(vars)) {
    const from = [defaults[name]].flat().map(String);
    const to = [value].flat().map(String);
    if (from.length !== 1 || to.length !== 1 || ![...from, ...to].every((v) => /^[\w.-]+$/.test(v)))
      throw new Error(`placeholder ${name}: one plain token each supported here, got ${from} → ${to}`);
    if (!out.includes(from[0])) throw new Error(`placeholder ${name}: ${from[0]} not in the query`);
    out = out.split(from[0]).join(to[0]);
  }
  return out;
}

export interface EsqlReply {
  /** The engine's refusal (status and reason), if it refused the query. */
  readonly error?: string;
  readonly rows: readonly unknown[][];
  /** The `_id` column (queries keep `metadata _id`). */
  ids(): string[];
}

/** Runs `query` via POST /_query over the documents with these `_id`s only. */
export async function runEsql(
  engine: SearchEngine,
  query: string,
  ids: readonly string[],
): Promise<EsqlReply> {
  const reply = await engine.request('POST', '/_query', { query, filter: { ids: { values: ids } } });
  if (reply.status !== 200) {
    let reason = reply.body.slice(0, 400);
    try {
      reason = reply.json<{ error: { reason: string } }>().error.reason;
    } catch {
      // not JSON: keep the body
    }
    return { error: `${reply.status} ${reason}`, rows: [], ids: () => [] };
  }
  const body = reply.json<{ columns: { name: string }[]; values: unknown[][] }>();
  const idColumn = body.columns.findIndex((c) => c.name === '_id');
  return {
    rows: body.values,
    ids: () => {
      if (idColumn < 0) throw new Error(`no _id column in ${body.columns.map((c) => c.name).join(', ')}`);
      return body.values.map((row) => String(row[idColumn]));
    },
  };
}
