import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  INDEX,
  assertExact,
  correlationRules,
  deliverCasesWithBackground,
  distQueries,
  engineForFile,
  esqlFinder,
  judge,
  luceneFinder,
  runEsql,
  withCaseVars,
  type Corpus,
} from './support/engine-cases';
import { caseFiles, findSigmaVenv, ruleFiles } from './support/sigma';
import type { SearchEngine } from '../support/search-engine';

/**
 * Issue #24, proven in a real engine: the rules' cases, among a day of simulated background
 * activity (1 % hostile strings, 1 % unknown types), go through the real forwarder's
 * Elasticsearch sink as shipped (ECS, default data stream and templates) into a real
 * Elasticsearch 8.19 with ES|QL (modules from Maven Central, scripts/ci/elasticsearch.sh).
 * There every query of dist/elastic runs as shipped: each single rule's Lucene query (the
 * Kibana rules) and ES|QL query finds exactly what the rule means on the stored documents
 * (pySigma's rule through claude_ecs), every firing case and no near-miss; each correlation
 * returns a group for each firing case alone and none for a near-miss alone.
 */
const node = engineForFile('elasticsearch');
const venv = findSigmaVenv();
let delivered: Promise<Corpus> | undefined;

/** The corpus, delivered once for the file's tests (the engine is up once their hooks ran). */
async function ready(): Promise<{ engine: SearchEngine; corpus: Corpus; venv: string } | undefined> {
  const engine = node.engine;
  if (!engine || !venv) return undefined;
  delivered ??= deliverCasesWithBackground(engine, 3000);
  return { engine, corpus: await delivered, venv };
}

const SKIP = 'Elasticsearch or the pySigma venv unavailable (see the SKIPPING line above)';

test('each Lucene query of the Kibana rules finds exactly the events its rule matches', async (t) => {
  const r = await ready();
  if (!r) return t.skip(SKIP);
  const queries = distQueries('elastic', 'lucene');
  assert.ok(queries.size >= 40, `${queries.size} Lucene queries`);
  assertExact(t, await judge(r.corpus, queries, r.venv, luceneFinder(r.engine)), r.corpus, 'Lucene');
});

test('each single rule ES|QL query finds exactly the events its rule matches', async (t) => {
  const r = await ready();
  if (!r) return t.skip(SKIP);
  const correlations = correlationRules();
  const all = distQueries('elastic', 'esql');
  assert.deepEqual([...all.keys()], [...ruleFiles().keys()], 'one ES|QL query per rule file');
  const singles = new Map([...all].filter(([rule]) => !correlations.has(rule)));
  assertExact(t, await judge(r.corpus, singles, r.venv, esqlFinder(r.engine)), r.corpus, 'ES|QL');
});

test('each ES|QL correlation returns a group for each firing case alone and none for a near-miss', async (t) => {
  const r = await ready();
  if (!r) return t.skip(SKIP);
  const specs = caseFiles();
  const correlations = [...distQueries('elastic', 'esql')].filter(([rule]) => correlationRules().has(rule));
  assert.equal(correlations.length, 6);
  const problems: string[] = [];
  let fired = 0;
  for (const [rule, shipped] of correlations) {
    assert.match(
      shipped,
      /^from logs-claude\.audit-\* /,
      `${rule} reads the data stream the sink writes (${INDEX})`,
    );
    for (const c of r.corpus.cases.filter((x) => x.rule === rule)) {
      const reply = await runEsql(
        r.engine,
        withCaseVars(shipped, specs.get(rule)?.vars),
        c.activities.map((a) => a.id),
      );
      if (reply.error) problems.push(`${rule} ${c.kind}[${c.index}]: ${reply.error}`);
      else if (reply.rows.length > 0 !== (c.kind === 'fire'))
        problems.push(`${rule} ${c.kind}[${c.index}]: ${reply.rows.length} groups`);
      else if (c.kind === 'fire') fired++;
    }
  }
  assert.deepEqual(problems, []);
  t.diagnostic(`${correlations.length} correlations: ${fired} firing cases grouped, every near-miss quiet`);
});
