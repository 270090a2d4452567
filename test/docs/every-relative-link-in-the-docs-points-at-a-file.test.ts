import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { REPO_ROOT } from '../support/forwarder';
import { repoFiles } from '../support/repo-files';

/** Markdown files a user reads: the top level, docs/, deploy/ and the chart. */
function markdownFiles(): string[] {
  return repoFiles(['docs', 'deploy', 'helm', 'bench', 'chaos', 'detections'], /\.md$/);
}

// A runbook pointing at a file that does not exist is a dead end during an incident.
test('every relative link in the Markdown docs points at a file that exists', () => {
  const broken: string[] = [];
  for (const file of markdownFiles()) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1].split('#')[0];
      if (!target || /^[a-z]+:/i.test(target)) continue;
      if (!existsSync(resolve(dirname(file), target))) broken.push(`${relative(REPO_ROOT, file)} → ${m[1]}`);
    }
  }
  assert.deepEqual(broken, []);
});
