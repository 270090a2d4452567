import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { REPO_ROOT } from '../support/forwarder';
import { repoFiles } from '../support/repo-files';

/**
 * Docs, chart values and example configs name files in plain text too ("field reference:
 * config/full.yaml"), where the Markdown link test cannot see them. The chart's values once
 * pointed at a DESIGN.md that the repository does not ship.
 */
const SCANNED_DIRS = ['docs', 'helm', 'deploy', 'config'];
const CHART_DIR = join(REPO_ROOT, 'helm/claude-audit-forwarder');

function scannedFiles(): string[] {
  return repoFiles(SCANNED_DIRS, /\.(md|ya?ml|txt)$/);
}

/** A path under one of the repository's top folders, or a bare upper-case Markdown name (README.md). */
const NAMED_PATH =
  /(?<![\w./-])((?:docs|config|schema|deploy|helm|scripts|src|test|bench|chaos|detections)\/[\w./-]*\w\.(?:md|ya?ml|json|ts|tpl|kql|conf|mjs|py|sh)|[A-Z][A-Z_]+\.md)\b/g;

test('every repository path named in the docs, the chart and the example configs exists', () => {
  const missing: string[] = [];
  for (const file of scannedFiles()) {
    for (const m of readFileSync(file, 'utf8').matchAll(NAMED_PATH)) {
      const candidates = [REPO_ROOT, dirname(file), CHART_DIR].map((base) => join(base, m[1]));
      if (!candidates.some((p) => existsSync(p))) missing.push(`${relative(REPO_ROOT, file)} → ${m[1]}`);
    }
  }
  assert.deepEqual(missing, []);
});
