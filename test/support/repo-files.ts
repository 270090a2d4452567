import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './forwarder';

/**
 * The repository's top-level Markdown pages, then every file named like `name` under `dirs`
 * (repository-relative), without node_modules, generated dist/ folders or dot-entries: the
 * pages a user reads, for the docs tests.
 */
export function repoFiles(dirs: readonly string[], name: RegExp): string[] {
  const skipped = (entry: string): boolean =>
    entry === 'node_modules' || entry === 'dist' || entry.startsWith('.');
  const out = readdirSync(REPO_ROOT)
    .filter((entry) => entry.endsWith('.md') && statSync(join(REPO_ROOT, entry)).isFile())
    .map((entry) => join(REPO_ROOT, entry));
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      if (skipped(entry)) continue;
      const p = join(dir, entry);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.test(entry)) out.push(p);
    }
  };
  for (const dir of dirs) walk(join(REPO_ROOT, dir));
  return out;
}
