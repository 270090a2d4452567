import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import YAML from 'yaml';
import {
  SEARCH_ENGINE_INSTALL_HINT,
  startSearchEngine,
  type SearchEngine,
} from '../../support/search-engine';
import { startOrSkip } from '../../support/servers';
import { DETECTIONS, ruleFiles } from './sigma';

/** One Elasticsearch for the test file (JVM start-up is the expensive part); unset when skipped. */
export function elasticsearchForFile(): { readonly engine: SearchEngine | undefined } {
  const holder: { engine: SearchEngine | undefined } = { engine: undefined };
  before(async () => {
    holder.engine = await startOrSkip('Elasticsearch', SEARCH_ENGINE_INSTALL_HINT, () =>
      startSearchEngine({ product: 'elasticsearch' }),
    );
  });
  after(async () => {
    await holder.engine?.destroy();
  });
  return holder;
}

/** Rule files whose main rule is a correlation. */
export function correlationRules(): Set<string> {
  return new Set(
    [...ruleFiles()].filter(([, docs]) => docs.some((d) => 'correlation' in d)).map(([name]) => name),
  );
}

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
  return pattern.split(',').some((p) => globRegExp(p).test(index));
}

/** `*` matches anything (newlines too); everything else is literal. */
function globRegExp(glob: string): RegExp {
  const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${glob.split('*').map(literal).join('.*')}$`, 's');
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

/**
 * Whether Elasticsearch's leading-wildcard bug on flattened keys (elastic/elasticsearch#138427)
 * explains a hit of `query` on `doc`: one of the query's `kql("anthropic.audit.<key>:*…")`
 * patterns fails on the key it names but matches another key's `key\0value` term, which the
 * bug compares it with.
 */
export function flattenedWildcardFalseHit(query: string, doc: Record<string, unknown>): boolean {
  const audit = (doc.anthropic as { audit?: unknown } | undefined)?.audit;
  const terms = flattenedTerms(audit, '');
  for (const m of query.matchAll(/kql\("anthropic\.audit\.([\w.]+):(\*[^"\s()]*)"\)/g)) {
    const [, key, glob] = m;
    const re = globRegExp(glob);
    const own = terms.filter((t) => t.key === key).some((t) => re.test(t.value));
    if (!own && terms.some((t) => re.test(`${t.key}\0${t.value}`))) return true;
  }
  return false;
}

function flattenedTerms(value: unknown, path: string): { key: string; value: string }[] {
  if (Array.isArray(value)) return value.flatMap((v) => flattenedTerms(v, path));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => flattenedTerms(v, path ? `${path}.${k}` : k));
  return value === null || value === undefined ? [] : [{ key: path, value: String(value) }];
}
