import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

/**
 * The forwarder as it ships (plain CommonJS under `node`), built from the working tree. The
 * chaos suite measures memory and kills processes hundreds of times: running it through tsx
 * would add the loader's own heap (~30 MB RSS) to every number and a second of start-up to
 * every restart. Transpiling (no type check: `npm run typecheck` does that) takes ~2 s; the
 * output is keyed by a hash of the sources, so concurrent test files share one build.
 */
export const REPO_ROOT = join(__dirname, '..', '..');
const SRC = join(REPO_ROOT, 'src');
const CACHE = join(REPO_ROOT, '.cache', 'chaos-build');
/** The shipped command (bin/claude-audit-forwarder): it starts node with the bounded heap. */
const LAUNCHER = join(REPO_ROOT, 'bin', 'claude-audit-forwarder');

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.ts') || name.endsWith('.json')) out.push(p);
  }
  return out;
}

const COMPILER_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  resolveJsonModule: true,
  sourceMap: false,
};

/** The build's `claude-audit-forwarder` command (the launcher script), given its entry point. */
export function commandOf(entry: string): string {
  return join(dirname(dirname(dirname(entry))), 'bin', 'claude-audit-forwarder');
}

/** Builds (or reuses) the forwarder and returns the path of its CLI entry point. */
export function buildForwarder(): string {
  const files = walk(SRC);
  const hash = createHash('sha256');
  for (const f of files)
    hash.update(relative(REPO_ROOT, f)).update('\0').update(readFileSync(f)).update('\0');
  hash.update(readFileSync(join(REPO_ROOT, 'package.json'))).update(readFileSync(LAUNCHER));
  const key = hash.digest('hex').slice(0, 16);
  const out = join(CACHE, key);
  const entry = join(out, 'src', 'cli', 'entry.js');
  if (existsSync(join(out, '.complete'))) return entry;

  const tmp = `${out}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  for (const file of files) {
    const target = join(tmp, relative(REPO_ROOT, file));
    mkdirSync(dirname(target), { recursive: true });
    if (file.endsWith('.json')) {
      cpSync(file, target);
      continue;
    }
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: COMPILER_OPTIONS,
      fileName: file,
    });
    writeFileSync(target.replace(/\.ts$/, '.js'), outputText);
  }
  // src/version.ts reads ../package.json.
  cpSync(join(REPO_ROOT, 'package.json'), join(tmp, 'package.json'));
  // The command, next to a bin/claude-audit-forwarder.js that loads this build.
  mkdirSync(join(tmp, 'bin'));
  cpSync(LAUNCHER, join(tmp, 'bin', 'claude-audit-forwarder'));
  chmodSync(join(tmp, 'bin', 'claude-audit-forwarder'), 0o755);
  writeFileSync(join(tmp, 'bin', 'claude-audit-forwarder.js'), "require('../src/cli/entry.js');\n");
  writeFileSync(join(tmp, '.complete'), new Date().toISOString());
  try {
    renameSync(tmp, out);
  } catch {
    // Another process finished the same build first: use theirs.
    rmSync(tmp, { recursive: true, force: true });
  }
  pruneOldBuilds(key);
  return entry;
}

/** Keeps the cache small: builds of other source trees older than a day go. */
function pruneOldBuilds(keep: string): void {
  const dayAgo = Date.now() - 86_400_000;
  for (const name of readdirSync(CACHE)) {
    if (name === keep) continue;
    const p = join(CACHE, name);
    try {
      if (statSync(p).mtimeMs < dayAgo) rmSync(p, { recursive: true, force: true });
    } catch {
      /* raced with another pruner */
    }
  }
}
