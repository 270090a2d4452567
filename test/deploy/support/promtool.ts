import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { REPO_ROOT } from './helm';
import { ServerUnavailable, isCI } from '../../support/servers';

/**
 * Prometheus's own rule evaluator (`promtool test rules`), so alert rules are proven on
 * synthetic series exactly as Prometheus would evaluate them. scripts/ci/promtool.sh puts
 * the binary in .cache/promtool/ (from Debian's prometheus package).
 */
const CACHED = join(REPO_ROOT, '.cache/promtool/promtool');
const SETUP_SCRIPT = join(REPO_ROOT, 'scripts/ci/promtool.sh');
const HOW_TO_INSTALL = 'run `sudo bash scripts/ci/promtool.sh` (extracts promtool from Debian\'s prometheus package)';

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly Record<string, unknown>[];
}

export interface AlertExpectation {
  readonly eval_time: string;
  readonly alertname: string;
  readonly exp_alerts: readonly { exp_labels: Record<string, string>; exp_annotations?: Record<string, string> }[];
}

export interface RuleTest {
  readonly interval: string;
  readonly input_series: readonly { series: string; values: string }[];
  readonly alert_rule_test: readonly AlertExpectation[];
}

/** The promtool binary, preparing it once if missing; undefined (skip) outside CI when it cannot be had. */
export function findPromtool(): string | undefined {
  if (existsSync(CACHED)) return CACHED;
  const r = spawnSync('bash', [SETUP_SCRIPT], { encoding: 'utf8', timeout: 300_000 });
  if (r.status === 0 && existsSync(CACHED)) return CACHED;
  const unavailable = new ServerUnavailable(
    'promtool',
    HOW_TO_INSTALL,
    `scripts/ci/promtool.sh failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().slice(-400)}`,
  );
  if (isCI()) throw unavailable;
  process.stderr.write(`\n*** SKIPPING: ${unavailable.message}\n\n`);
  return undefined;
}

/** Runs `promtool test rules` on `groups` with `tests`; returns its exit code and output. */
export function testRules(
  promtool: string,
  groups: readonly RuleGroup[],
  tests: readonly RuleTest[],
): { code: number; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'caf-promtool-'));
  writeFileSync(join(dir, 'rules.yaml'), YAML.stringify({ groups }));
  writeFileSync(
    join(dir, 'test.yaml'),
    YAML.stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }),
  );
  const r = spawnSync(promtool, ['test', 'rules', 'test.yaml'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}
