import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DETECTIONS, RULES_DIR, findSigmaVenv, ruleFiles } from './support/sigma';

/**
 * Issue #24: detections/dist/ is what `npm run detections` makes from the rules with the
 * pinned pySigma backends; a rule or pipeline change without a rebuild fails here (the
 * committed queries are the golden files). `sigma check` passes on every rule, and the SPL
 * and KQL, which have no engine here, pass a structural check.
 */
const DIST = join(DETECTIONS, 'dist');

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? listFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
    )
    .sort();
}

test('detections/dist is exactly what npm run detections makes from the rules', { timeout: 600_000 }, (t) => {
  const venv = findSigmaVenv();
  if (venv === undefined) return t.skip('pySigma venv unavailable');
  const out = mkdtempSync(join(tmpdir(), 'caf-detections-'));
  try {
    const r = spawnSync(join(venv, 'python'), [join(DETECTIONS, 'tools/build.py'), out], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(listFiles(out), listFiles(DIST), 'run `npm run detections` and commit detections/dist');
    const stale = listFiles(DIST).filter(
      (f) => readFileSync(join(out, f), 'utf8') !== readFileSync(join(DIST, f), 'utf8'),
    );
    assert.deepEqual(stale, [], 'run `npm run detections` and commit detections/dist');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('sigma check passes on every rule with no issue', { timeout: 300_000 }, (t) => {
  const venv = findSigmaVenv();
  if (venv === undefined) return t.skip('pySigma venv unavailable');
  // The ATT&CK and D3FEND validators download MITRE data at run time, which CI cannot reach;
  // the tag format is checked by rules-name-only-documented-types-and-their-fields.
  const r = spawnSync(
    join(venv, 'sigma'),
    [
      'check',
      '--fail-on-error',
      '--fail-on-issues',
      '--exclude',
      'attacktag',
      '--exclude',
      'd3_fendtag',
      RULES_DIR,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /Found 0 errors, 0 condition errors and 0 issues/);
});

/** Quotes closed, brackets balanced (outside quoted strings). */
function structureErrors(query: string): string[] {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[' };
  let quote: string | undefined;
  for (let i = 0; i < query.length; i++) {
    const c = query[i];
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"') quote = c;
    else if (c === '(' || c === '[') stack.push(c);
    else if (c === ')' || c === ']') {
      if (stack.pop() !== pairs[c]) return [`unbalanced ${c} at ${i}`];
    }
  }
  if (quote !== undefined) return ['unclosed string'];
  return stack.length > 0 ? [`unclosed ${stack.join('')}`] : [];
}

function support(): Record<string, Record<string, string>> {
  return JSON.parse(readFileSync(join(DIST, 'support.json'), 'utf8')) as Record<
    string,
    Record<string, string>
  >;
}

test('every rule converts for Splunk and Elastic, and each SPL query is well formed and reads our sourcetype', () => {
  const table = support();
  for (const name of ruleFiles().keys()) {
    assert.equal(table[name]?.splunk, 'converted', `${name}: splunk`);
    // Lucene query rules for single rules, ES|QL for correlations (Lucene has none).
    const elastic = name.startsWith('mr_') ? table[name]?.elastic_esql : table[name]?.elastic;
    assert.equal(elastic, 'converted', `${name}: elastic`);
    const spl = readFileSync(join(DIST, 'splunk', `${name}.spl`), 'utf8');
    assert.deepEqual(structureErrors(spl), [], `${name}.spl`);
    assert.match(
      spl,
      /^(\| multisearch\n)?(\[ search )?sourcetype="anthropic:claude:compliance" /,
      `${name}.spl`,
    );
    assert.doesNotMatch(
      spl,
      /\bunmapped\.scopes(?!\{\})/,
      `${name}.spl: array fields are extracted as field{}`,
    );
  }
  const saved = readFileSync(join(DIST, 'splunk/savedsearches.conf'), 'utf8');
  const stanzas = saved.match(/^\[Claude .+\]$/gm) ?? [];
  assert.equal(stanzas.length, ruleFiles().size, 'one saved search per rule file');
});

test('every rule converts for Sentinel or is listed as not expressible there; each KQL query is well formed', () => {
  const table = support();
  const arm = JSON.parse(readFileSync(join(DIST, 'sentinel/analytics_rules.json'), 'utf8')) as {
    resources: { kind: string; properties: { query: string; displayName: string } }[];
  };
  let converted = 0;
  for (const [name, docs] of ruleFiles()) {
    const isCorrelation = docs.some((d) => d.correlation !== undefined);
    const status = table[name]?.sentinel ?? 'missing';
    if (isCorrelation) {
      assert.match(status, /^unsupported: .*correlation/, `${name}: sentinel`);
      continue;
    }
    assert.equal(status, 'converted', `${name}: sentinel`);
    converted++;
    const kql = readFileSync(join(DIST, 'sentinel', `${name}.kql`), 'utf8');
    assert.deepEqual(structureErrors(kql), [], `${name}.kql`);
    assert.match(kql, /^ClaudeAudit_CL\n\| where /, `${name}.kql`);
    // A quoted name is a string literal in KQL; booleans need ==, not the string operator =~.
    assert.doesNotMatch(
      kql,
      /'[\w.]+'\s*(=~|in~|contains|startswith|endswith)/,
      `${name}.kql: quoted field name`,
    );
    assert.doesNotMatch(kql, /=~ (true|false)\b/, `${name}.kql: boolean compared as a string`);
  }
  assert.equal(arm.resources.length, converted);
  assert.ok(
    arm.resources.every((r) => r.kind === 'Scheduled' && r.properties.query.startsWith('ClaudeAudit_CL')),
  );
});
