import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from '../support/forwarder';

/** Markdown files a user reads: the top level, docs/, deploy/ and the chart. */
function markdownFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name.startsWith('.') || name === 'dist') continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (
          ['docs', 'deploy', 'helm', 'bench', 'chaos', 'detections'].some((d) =>
            relative(REPO_ROOT, p).startsWith(d),
          )
        )
          walk(p);
      } else if (name.endsWith('.md')) out.push(p);
    }
  };
  walk(REPO_ROOT);
  return out;
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
