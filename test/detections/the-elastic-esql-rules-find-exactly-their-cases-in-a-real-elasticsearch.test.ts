import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSimulator } from '../../src/simulator';
import { elasticsearchSinkConfig } from '../../src/sinks/elasticsearch';
import { runCli, tempDir, writeConfig } from '../support/forwarder';
import { engineAccess } from '../sinks/elasticsearch/helpers';
import { buildCases, caseFiles, ruleFiles } from './support/sigma';
import {
  correlationRules,
  elasticsearchForFile,
  esqlQueries,
  fromPattern,
  matchesPattern,
  runEsql,
  withVars,
} from './support/engine';

/**
 * Issue #24, proven in a real engine: the cases of detections/tests/ go from the simulator
 * through the real forwarder (Elasticsearch sink, ECS, its default data stream) into a real
 * Elasticsearch 8.19 with ES|QL, and every converted query of detections/dist/elastic/ runs
 * there via POST /_query. Each query is limited to its own rule's case documents (a `filter`
 * beside the query, so the query text runs as shipped): a single rule must return exactly
 * its firing cases' _ids; a correlation must return a group for each firing case alone and
 * none for any near-miss alone.
 */

const node = elasticsearchForFile();

const DAY_MS = 86_400_000;

/**
 * Near-misses Elasticsearch 8.19 finds anyway, and why. A leading-wildcard query on a key of
 * a flattened field is not limited to that key (elastic/elasticsearch#138427): `contains` on
 * anthropic.audit.current_role also matches an event whose previous_role has the word. Listed
 * so the test stays exact: when a fixed Elasticsearch stops finding one, it fails here.
 */
const KNOWN_FALSE_HITS: Readonly<Record<string, { readonly quiet: number; readonly why: string }[]>> = {
  claude_owner_or_admin_role_granted: [
    {
      quiet: 0,
      why: 'previous_role: admin matches *admin* meant for current_role (elastic/elasticsearch#138427)',
    },
  ],
};

test(
  'each ES|QL rule returns exactly its firing cases and none of its near-misses in a real Elasticsearch',
  { timeout: 900_000 },
  async (t) => {
    const es = node.engine;
    if (!es) return t.skip('Elasticsearch unavailable (see the SKIPPING line above)');
    // ES|QL correlations count in fixed date_trunc buckets, not sliding windows: cases start
    // at a UTC midnight so none straddles a bucket edge by accident of the clock.
    const start = Math.floor((Date.now() - 2 * DAY_MS) / DAY_MS) * DAY_MS;
    const specs = caseFiles();
    const cases = buildCases(specs, start);
    const activities = cases.flatMap((c) => c.activities);
    const sinkIndex = elasticsearchSinkConfig.parse({ type: 'elasticsearch', endpoints: [es.url] }).index;

    const sim = await startSimulator({ seed: 24, selfEvents: false });
    const dir = tempDir();
    try {
      sim.append(activities);
      const config = writeConfig(dir, {
        source: { base_url: sim.url, api_key: sim.apiKey, page_size: 500, start_at: '4d' },
        checkpoint: { path: join(dir, 'checkpoint.json') },
        dead_letter: { path: join(dir, 'dead.jsonl') },
        sinks: {
          elastic: { type: 'elasticsearch', ...engineAccess(es), format: 'ecs' },
        },
        log: { level: 'warn' },
      });
      const run = await runCli(['run', '--once', '-c', config]);
      assert.equal(run.code, 0, run.stderr);
    } finally {
      await sim.close();
    }
    assert.equal((await es.ids(sinkIndex)).length, activities.length, 'every case activity stored');

    const queries = esqlQueries();
    assert.deepEqual([...queries.keys()], [...ruleFiles().keys()], 'one ES|QL query per rule file');
    const correlations = correlationRules();
    const problems: string[] = [];
    let fired = 0;
    let quiet = 0;
    for (const [rule, shipped] of queries) {
      const pattern = fromPattern(shipped);
      if (!matchesPattern(pattern, sinkIndex)) {
        problems.push(`${rule}: reads ${pattern}, the sink writes ${sinkIndex}`);
        continue;
      }
      const own = cases.filter((c) => c.rule === rule);
      const query = withVars(shipped, specs.get(rule)?.vars);
      if (correlations.has(rule)) {
        for (const c of own) {
          const reply = await runEsql(
            es,
            query,
            c.activities.map((a) => a.id),
          );
          if (reply.error) problems.push(`${rule} ${c.kind}[${c.index}]: ${reply.error}`);
          else if (reply.rows.length > 0 !== (c.kind === 'fire'))
            problems.push(`${rule} ${c.kind}[${c.index}]: ${reply.rows.length} groups`);
        }
      } else {
        const reply = await runEsql(
          es,
          query,
          own.flatMap((c) => c.activities.map((a) => a.id)),
        );
        if (reply.error) {
          problems.push(`${rule}: ${reply.error}`);
          continue;
        }
        const known = KNOWN_FALSE_HITS[rule] ?? [];
        const want = own
          .filter((c) => c.kind === 'fire' || (c.kind === 'quiet' && known.some((k) => k.quiet === c.index)))
          .flatMap((c) => c.activities.map((a) => a.id));
        const got = reply.ids();
        if (JSON.stringify(got.sort()) !== JSON.stringify(want.sort()))
          problems.push(
            `${rule}: found ${JSON.stringify(got)}, expected ${JSON.stringify(want)}${known.map((k) => `; known: quiet[${k.quiet}] ${k.why}`).join('')}`,
          );
      }
      fired += own.filter((c) => c.kind === 'fire').length;
      quiet += own.filter((c) => c.kind === 'quiet').length - (KNOWN_FALSE_HITS[rule]?.length ?? 0);
    }
    assert.deepEqual(problems, []);
    t.diagnostic(
      `${queries.size} ES|QL queries (${correlations.size} correlations) over ${activities.length} activities: ${fired} firing cases found, ${quiet} near-misses not, ${Object.values(KNOWN_FALSE_HITS).flat().length} known false hit(s)`,
    );
    assert.ok(fired >= 40 && quiet >= 40);
  },
);
