import assert from 'node:assert/strict';
import { after, before, type TestContext } from 'node:test';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { readJsonl, tempDir } from '../../support/forwarder';
import { startOrSkip } from '../../support/servers';
import {
  SEARCH_ENGINE_INSTALL_HINT,
  startSearchEngine,
  type Product,
  type SearchEngine,
} from '../../support/search-engine';
import { engineAccess } from '../../sinks/elasticsearch/helpers';
import {
  DETECTIONS,
  buildCases,
  caseFiles,
  deliverCases,
  referenceMatches,
  ruleFiles,
  type Case,
} from './sigma';

/**
 * The proof the issue asks for: the rules' test cases, among a day of simulated background
 * activity, go through the real forwarder and its Elasticsearch sink (ECS, the default data
 * stream and templates, as shipped) into a real engine, where each converted query is run.
 */

/** The sink's default data stream: where the shipped queries must look. */
export const INDEX = 'logs-claude.audit-default';
const DAY_MS = 86_400_000;

export interface Corpus {
  readonly cases: readonly Case[];
  /** Every document as the engine stores it, by `_id` (the activity id). */
  readonly documents: ReadonlyMap<string, Record<string, unknown>>;
  /** Ids of the simulator's background activities (not part of any case). */
  readonly background: ReadonlySet<string>;
}

export async function deliverCasesWithBackground(engine: SearchEngine, background: number): Promise<Corpus> {
  // Two days back (the longest case, the 24 h correlation's near-miss, spans 26 h), at a UTC
  // midnight: ES|QL correlations count in fixed date_trunc buckets, and no case should
  // straddle a bucket edge by accident of the clock.
  const cases = buildCases(caseFiles(), Math.floor((Date.now() - 2 * DAY_MS) / DAY_MS) * DAY_MS);
  const caseIds = new Set(cases.flatMap((c) => c.activities.map((a) => a.id)));
  const dir = tempDir();
  await deliverCases(
    cases,
    { search: { type: 'elasticsearch', ...engineAccess(engine), format: 'ecs' } },
    dir,
    background,
  );
  const dead = existsSync(join(dir, 'dead.jsonl'))
    ? readJsonl(join(dir, 'dead.jsonl'), { finished: true })
    : [];
  assert.deepEqual(dead, [], 'the engine stored every activity');
  const documents = new Map(
    (await engine.hits(INDEX, { match_all: {} }, true)).map((h) => [h._id, h._source ?? {}]),
  );
  for (const id of caseIds) assert.ok(documents.has(id), `case activity ${id} stored`);
  const backgroundIds = new Set([...documents.keys()].filter((id) => !caseIds.has(id)));
  assert.ok(backgroundIds.size >= background * 0.9, `${backgroundIds.size} background activities stored`);
  return { cases, documents, background: backgroundIds };
}

/** The committed queries of one dist/ target, by rule (file stem). */
export function distQueries(target: string, extension: string): Map<string, string> {
  const dir = join(DETECTIONS, 'dist', target);
  return new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith(`.${extension}`))
      .sort()
      .map((f) => [f.slice(0, -extension.length - 1), readFileSync(join(dir, f), 'utf8').trim()]),
  );
}

/**
 * The query as a deployer who set the rule's placeholders (claude_placeholders.yml) to the
 * case's values gets it: each default value replaced by the case's, in place.
 */
export function withCaseVars(query: string, vars: Record<string, unknown> | undefined): string {
  if (!vars) return query;
  const placeholders = YAML.parse(
    readFileSync(join(DETECTIONS, 'pipelines/claude_placeholders.yml'), 'utf8'),
  ) as {
    vars: Record<string, string[]>;
  };
  let out = query;
  for (const [name, value] of Object.entries(vars)) {
    const defaults = placeholders.vars[name];
    const wanted = Array.isArray(value) ? value.map(String) : [String(value)];
    assert.ok(
      defaults && defaults.length === wanted.length,
      `placeholder ${name}: as many values as its default`,
    );
    defaults.forEach((d, i) => {
      assert.ok(out.includes(d), `the query carries the placeholder ${d}`);
      out = out.split(d).join(wanted[i]);
    });
  }
  return out;
}

export interface RuleVerdict {
  readonly rule: string;
  /** What the engine found that the reference did not, and the reverse. */
  readonly extra: readonly string[];
  readonly missing: readonly string[];
  readonly firingMissed: readonly string[];
  readonly nearMissHit: readonly string[];
  readonly backgroundHits: number;
}

/**
 * Runs each query in the engine and holds its hits to the reference (pySigma's rule through
 * claude_ecs over the stored documents): exactly those, every firing case, no near-miss.
 */
export async function judge(
  corpus: Corpus,
  queries: ReadonlyMap<string, string>,
  venv: string,
  find: (query: string) => Promise<ReadonlySet<string>>,
): Promise<RuleVerdict[]> {
  const varsOf = new Map(corpus.cases.map((c) => [c.rule, c.vars]));
  const reference = referenceMatches(venv, {
    rules: [...queries.keys()],
    events: [...corpus.documents.values()],
    idField: 'event.id',
    pipelines: ['claude_ecs'],
    vars: Object.fromEntries([...varsOf].filter(([, v]) => v !== undefined)) as Record<
      string,
      Record<string, unknown>
    >,
  });
  const verdicts: RuleVerdict[] = [];
  for (const [rule, query] of queries) {
    const found = await find(withCaseVars(query, varsOf.get(rule)));
    const expected = reference.get(rule) ?? new Set<string>();
    const own = corpus.cases.filter((c) => c.rule === rule);
    const idsOf = (kind: 'fire' | 'quiet'): string[] =>
      own.filter((c) => c.kind === kind).flatMap((c) => c.activities.map((a) => a.id));
    verdicts.push({
      rule,
      extra: [...found].filter((id) => !expected.has(id)),
      missing: [...expected].filter((id) => !found.has(id)),
      firingMissed: idsOf('fire').filter((id) => !found.has(id)),
      nearMissHit: idsOf('quiet').filter((id) => found.has(id)),
      backgroundHits: [...found].filter((id) => corpus.background.has(id)).length,
    });
  }
  return verdicts;
}

/** One line per rule that went wrong; empty when every rule found exactly its events. */
export function wrongs(verdicts: readonly RuleVerdict[]): string[] {
  return verdicts
    .filter((v) => v.extra.length + v.missing.length + v.firingMissed.length + v.nearMissHit.length > 0)
    .map(
      (v) =>
        `${v.rule}: extra ${v.extra.slice(0, 3).join(',')} (${v.extra.length}), missing ${v.missing.slice(0, 3).join(',')} (${v.missing.length}), firing case missed ${v.firingMissed.length}, near-miss hit ${v.nearMissHit.length}`,
    );
}

/** One engine for the test file (JVM start-up is the expensive part); unset when skipped. */
export function engineForFile(product: Product): {
  readonly engine: SearchEngine | undefined;
  readonly name: string;
} {
  const name = product === 'elasticsearch' ? 'Elasticsearch' : 'OpenSearch';
  const holder: { engine: SearchEngine | undefined; name: string } = { engine: undefined, name };
  before(async () => {
    holder.engine = await startOrSkip(name, SEARCH_ENGINE_INSTALL_HINT, () => startSearchEngine({ product }));
  });
  after(async () => {
    await holder.engine?.destroy();
  });
  return holder;
}

/** Every document a Lucene query string finds in the sink's data stream. */
export function luceneFinder(engine: SearchEngine): (query: string) => Promise<ReadonlySet<string>> {
  return async (query) => new Set((await engine.hits(INDEX, { query_string: { query } })).map((h) => h._id));
}

/** Holds every rule's verdict to exactness, and says how much background the rules hit. */
export function assertExact(
  t: TestContext,
  verdicts: readonly RuleVerdict[],
  corpus: Corpus,
  what: string,
): void {
  assert.deepEqual(wrongs(verdicts), [], what);
  const onBackground = verdicts.filter((v) => v.backgroundHits > 0);
  t.diagnostic(
    `${what}: ${verdicts.length} rules, ${corpus.documents.size} documents (${corpus.background.size} background); ${onBackground.length} rules also hit background activity, each exactly as its rule means (${onBackground.reduce((n, v) => n + v.backgroundHits, 0)} hits)`,
  );
}

/** Rule files whose main rule is a correlation. */
export function correlationRules(): Set<string> {
  return new Set(
    [...ruleFiles()].filter(([, docs]) => docs.some((d) => 'correlation' in d)).map(([name]) => name),
  );
}

export interface EsqlReply {
  /** The engine's refusal (status and reason), if it refused the query. */
  readonly error?: string;
  readonly rows: readonly unknown[][];
  /** The `_id` column (queries keep `metadata _id`). */
  ids(): string[];
}

/** ES|QL's default row limit: a reply this long may be cut short. */
const ESQL_ROW_LIMIT = 1000;

/** Runs `query` via POST /_query, over the documents with these `_id`s only when given. */
export async function runEsql(
  engine: SearchEngine,
  query: string,
  ids?: readonly string[],
): Promise<EsqlReply> {
  const body = ids === undefined ? { query } : { query, filter: { ids: { values: ids } } };
  const reply = await engine.request('POST', '/_query', body);
  if (reply.status !== 200) {
    let reason = reply.body.slice(0, 400);
    try {
      reason = reply.json<{ error: { reason: string } }>().error.reason;
    } catch {
      // not JSON: keep the body
    }
    return { error: `${reply.status} ${reason}`, rows: [], ids: () => [] };
  }
  const result = reply.json<{ columns: { name: string }[]; values: unknown[][] }>();
  if (result.values.length >= ESQL_ROW_LIMIT)
    throw new Error(`ES|QL reply of ${result.values.length} rows may be cut short`);
  const idColumn = result.columns.findIndex((c) => c.name === '_id');
  return {
    rows: result.values,
    ids: () => {
      if (idColumn < 0) throw new Error(`no _id column in ${result.columns.map((c) => c.name).join(', ')}`);
      return result.values.map((row) => String(row[idColumn]));
    },
  };
}

/** Every document an ES|QL query finds (its `_id` column); a refusal fails the test. */
export function esqlFinder(engine: SearchEngine): (query: string) => Promise<ReadonlySet<string>> {
  return async (query) => {
    const reply = await runEsql(engine, query);
    if (reply.error !== undefined) throw new Error(`ES|QL refused: ${reply.error}\n${query}`);
    return new Set(reply.ids());
  };
}
