import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import type { Activity } from '../../../src/source/activity';
import { startSimulator } from '../../../src/simulator';
import { runCli, writeConfig } from '../../support/forwarder';
import { ServerUnavailable, isCI } from '../../support/servers';

/**
 * The pinned pySigma venv of scripts/ci/sigma.sh (prepared once if missing), the rules and
 * their test cases in detections/, and the evaluator that runs pySigma's parsed rules over
 * our normalizer's OCSF output.
 */
export const REPO_ROOT = resolve(__dirname, '../../..');
export const DETECTIONS = join(REPO_ROOT, 'detections');
export const RULES_DIR = join(DETECTIONS, 'rules');
export const CASES_DIR = join(DETECTIONS, 'tests');
const VENV_BIN = join(REPO_ROOT, '.cache/sigma-venv/bin');
const SETUP_SCRIPT = join(REPO_ROOT, 'scripts/ci/sigma.sh');

/** The venv's bin directory; undefined (skip) outside CI when it cannot be prepared. */
export function findSigmaVenv(): string | undefined {
  const r = spawnSync('bash', [SETUP_SCRIPT], { encoding: 'utf8', timeout: 600_000 });
  if (r.status === 0 && existsSync(join(VENV_BIN, 'sigma'))) return VENV_BIN;
  const unavailable = new ServerUnavailable(
    'pySigma venv',
    'run `bash scripts/ci/sigma.sh` (needs python3 >= 3.10 and PyPI)',
    `scripts/ci/sigma.sh failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().slice(-400)}`,
  );
  if (isCI()) throw unavailable;
  process.stderr.write(`\n*** SKIPPING: ${unavailable.message}\n\n`);
  return undefined;
}

export type RuleDocument = Record<string, unknown> & { name?: string; detection?: Record<string, unknown> };

/** Every YAML document of every rule file, by file stem. */
export function ruleFiles(): Map<string, RuleDocument[]> {
  const out = new Map<string, RuleDocument[]>();
  for (const file of readdirSync(RULES_DIR)
    .filter((f) => f.endsWith('.yml'))
    .sort()) {
    const docs = YAML.parseAllDocuments(readFileSync(join(RULES_DIR, file), 'utf8')).map(
      (d) => d.toJSON() as RuleDocument,
    );
    out.set(file.replace(/\.yml$/, ''), docs);
  }
  return out;
}

/** A test-case activity: an API activity's own fields, plus `at` (seconds after the case start). */
type CaseActivity = Record<string, unknown> & { type: string; at?: number };

export interface RuleCases {
  readonly rule: string;
  readonly vars?: Record<string, unknown>;
  /** Single rules: each activity is one case. Correlations: each list is one sequence. */
  readonly fire: readonly (CaseActivity | CaseActivity[])[];
  readonly quiet: readonly (CaseActivity | CaseActivity[])[];
}

export function caseFiles(): Map<string, RuleCases> {
  const out = new Map<string, RuleCases>();
  for (const file of readdirSync(CASES_DIR)
    .filter((f) => f.endsWith('.yml'))
    .sort()) {
    out.set(file.replace(/\.yml$/, ''), YAML.parse(readFileSync(join(CASES_DIR, file), 'utf8')) as RuleCases);
  }
  return out;
}

const DEFAULT_ACTOR = {
  type: 'user_actor',
  user_id: 'user_01Admin',
  email_address: 'admin@example.com',
  ip_address: '192.0.2.10',
  user_agent: 'Mozilla/5.0',
};

/** The API activity a case describes: ids, time (`at` seconds after startMs), organization and a user actor unless given. */
export function toActivity(item: CaseActivity, serial: number, startMs: number): Activity {
  const { at, ...fields } = item;
  return {
    id: `activity_01Detection${String(serial).padStart(5, '0')}`,
    created_at: new Date(startMs + (at ?? 0) * 1000).toISOString().replace('Z', '123Z'),
    organization_id: 'org_01Detections',
    organization_uuid: '5f0c2a8e-4b6e-4c1d-9a53-2f7c1e9b8d10',
    actor: DEFAULT_ACTOR,
    ...fields,
  };
}

export interface Case {
  readonly rule: string;
  readonly kind: 'fire' | 'quiet';
  readonly index: number;
  readonly vars?: Record<string, unknown>;
  readonly activities: readonly Activity[];
}

/** Every case of every rule as API activities with unique ids, starting at startMs. */
export function buildCases(all: Map<string, RuleCases>, startMs: number): Case[] {
  let serial = 0;
  const cases: Case[] = [];
  for (const spec of all.values()) {
    for (const kind of ['fire', 'quiet'] as const) {
      spec[kind].forEach((entry, index) => {
        const items = Array.isArray(entry) ? entry : [entry];
        const activities = items.map((item) => toActivity(item, serial++, startMs));
        cases.push({ rule: spec.rule, kind, index, vars: spec.vars, activities });
      });
    }
  }
  return cases;
}

/**
 * The simulator serves the cases' activities (append), among `background` activities of its
 * own mix spread over the last day (1 % hostile strings, 1 % unknown types), and the real
 * forwarder delivers them once to `sinks` (the config's sinks block; it reads 3 days back, so
 * cases start within 2). Its state files go to `dir`.
 */
export async function deliverCases(
  cases: readonly Case[],
  sinks: Record<string, unknown>,
  dir: string,
  background = 0,
): Promise<void> {
  const mix = { backlog: background, backlogWindowMs: 86_400_000, hostileRate: 0.01, futureTypeRate: 0.01 };
  const sim = await startSimulator({ seed: 24, selfEvents: false, ...(background > 0 ? mix : {}) });
  try {
    sim.append(cases.flatMap((c) => c.activities));
    const config = writeConfig(dir, {
      source: { base_url: sim.url, api_key: sim.apiKey, page_size: 1000, start_at: '3d' },
      checkpoint: { path: join(dir, 'checkpoint.json') },
      dead_letter: { path: join(dir, 'dead.jsonl') },
      sinks,
      log: { level: 'warn' },
    });
    const run = await runCli(['run', '--once', '-c', config]);
    if (run.code !== 0) throw new Error(`the forwarder exited ${run.code}: ${run.stderr.slice(-2000)}`);
  } finally {
    await sim.close();
  }
}

export interface CaseResult {
  readonly rule: string;
  readonly kind: 'fire' | 'quiet';
  readonly index: number;
  readonly fired: boolean;
}

/** The cases whose rule fired where it must not, or stayed quiet where it must fire. */
export function failures(results: readonly CaseResult[]): string[] {
  return results
    .filter((r) => r.fired !== (r.kind === 'fire'))
    .map((r) => `${r.rule} ${r.kind}[${r.index}] ${r.fired ? 'fired' : 'stayed quiet'}`);
}

/**
 * Asks the evaluator whether each case's rule fired on the events `eventOf` gives for its
 * activities: our OCSF output, or with `pipelines` (e.g. claude_ecs) the output they map to.
 */
export function evaluateCases(
  venv: string,
  cases: readonly Case[],
  eventOf: (activity: Activity) => Record<string, unknown>,
  pipelines: readonly string[] = [],
): CaseResult[] {
  const input = cases.map(({ activities, ...rest }) => ({
    ...rest,
    pipelines,
    events: activities.map(eventOf),
  }));
  const r = spawnSync(join(venv, 'python'), [join(DETECTIONS, 'tools/evaluate.py')], {
    input: JSON.stringify({ cases: input }),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`evaluate.py failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  return (JSON.parse(r.stdout) as { results: CaseResult[] }).results;
}

/**
 * The ids (at `idField`) of the events each single rule matches through `pipelines`: pySigma's
 * parsed rule walked over the events, the reference a real engine's hits are held to.
 */
export function referenceMatches(
  venv: string,
  request: {
    readonly rules: readonly string[];
    readonly events: readonly Record<string, unknown>[];
    readonly idField: string;
    readonly pipelines?: readonly string[];
    readonly vars?: Readonly<Record<string, Record<string, unknown>>>;
  },
): Map<string, Set<string>> {
  const { idField, ...rest } = request;
  const r = spawnSync(join(venv, 'python'), [join(DETECTIONS, 'tools/evaluate.py')], {
    input: JSON.stringify({ match: { ...rest, id_field: idField } }),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`evaluate.py failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  const { matches } = JSON.parse(r.stdout) as { matches: Record<string, string[]> };
  return new Map(Object.entries(matches).map(([rule, ids]) => [rule, new Set(ids)]));
}
