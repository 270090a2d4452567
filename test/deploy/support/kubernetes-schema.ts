import { join } from 'node:path';
import ts from 'typescript';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { REPO_ROOT, type Manifest } from './helm';

/**
 * Offline validation of rendered manifests against the Kubernetes API schemas, in two
 * passes: kubernetes-models' JSON Schema validators (types, required fields, enums), and
 * the TypeScript compiler over the same models' interfaces, whose excess-property check
 * catches the misspelt field (`readOnlyRootFileSystem`) the JSON Schemas let through and
 * the API server would silently drop.
 */

interface Model {
  validate(): void;
}

interface KindInfo {
  readonly model: (doc: Manifest) => Model;
  /** Module and interface of the same kind, for the field-name check. */
  readonly module: string;
  readonly iface: string;
}

const KINDS: Readonly<Record<string, KindInfo>> = {
  'v1/ConfigMap': { model: (d) => new ConfigMap(d), module: 'kubernetes-models/v1/ConfigMap', iface: 'IConfigMap' },
  'v1/PersistentVolumeClaim': {
    model: (d) => new PersistentVolumeClaim(d),
    module: 'kubernetes-models/v1/PersistentVolumeClaim',
    iface: 'IPersistentVolumeClaim',
  },
  'v1/Service': { model: (d) => new Service(d), module: 'kubernetes-models/v1/Service', iface: 'IService' },
  'v1/ServiceAccount': { model: (d) => new ServiceAccount(d), module: 'kubernetes-models/v1/ServiceAccount', iface: 'IServiceAccount' },
  'apps/v1/StatefulSet': { model: (d) => new StatefulSet(d), module: 'kubernetes-models/apps/v1/StatefulSet', iface: 'IStatefulSet' },
  'batch/v1/CronJob': { model: (d) => new CronJob(d), module: 'kubernetes-models/batch/v1/CronJob', iface: 'ICronJob' },
  'policy/v1/PodDisruptionBudget': {
    model: (d) => new PodDisruptionBudget(d),
    module: 'kubernetes-models/policy/v1/PodDisruptionBudget',
    iface: 'IPodDisruptionBudget',
  },
  'networking.k8s.io/v1/NetworkPolicy': {
    model: (d) => new NetworkPolicy(d),
    module: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
    iface: 'INetworkPolicy',
  },
};

/** Kinds from CRDs (Prometheus Operator): no models; checked by hand in crdErrors. */
export const CRD_KINDS = new Set(['monitoring.coreos.com/v1/ServiceMonitor', 'monitoring.coreos.com/v1/PrometheusRule']);

export function kindKey(m: Manifest): string {
  return `${m.apiVersion}/${m.kind}`;
}

/** Errors of one manifest under kubernetes-models' validator (empty: valid). */
export function schemaErrors(m: Manifest): string[] {
  const info = KINDS[kindKey(m)];
  if (!info) return CRD_KINDS.has(kindKey(m)) ? crdErrors(m) : [`${kindKey(m)} is not a kind this chart is expected to render`];
  try {
    info.model(m).validate();
    return [];
  } catch (err) {
    return [`${m.kind}/${m.metadata.name}: ${err instanceof Error ? err.message : String(err)}`];
  }
}

/**
 * Type-checks every manifest against its kind's TypeScript interface in one program.
 * Returns one message per problem, naming the manifest (label) and the field.
 */
export function fieldErrors(docs: ReadonlyArray<{ label: string; manifest: Manifest }>): string[] {
  const typed = docs.filter((d) => KINDS[kindKey(d.manifest)]);
  const imports = new Map<string, string>();
  const lines: string[] = [];
  const owners: { start: number; label: string }[] = [];
  typed.forEach(({ label, manifest }, i) => {
    const info = KINDS[kindKey(manifest)];
    const alias = `T${imports.size}`;
    if (!imports.has(info.module)) imports.set(info.module, alias);
    lines.push(`// ${label}: ${manifest.kind}/${manifest.metadata.name}`);
    owners.push({ start: lines.length, label: `${label}: ${manifest.kind}/${manifest.metadata.name}` });
    lines.push(`export const doc${i}: ${imports.get(info.module)}.${info.iface} = ${JSON.stringify(manifest, null, 2)};`);
    // Line numbers below count the JSON's own lines.
    const last = lines.pop() as string;
    lines.push(...last.split('\n'));
  });
  const header = [...imports].map(([mod, alias]) => `import type * as ${alias} from '${mod}';`);
  const source = [...header, ...lines].join('\n');
  const offset = header.length;

  // A file that is never written: the compiler reads it from memory, the rest from disk.
  const fileName = join(REPO_ROOT, 'test/deploy/__rendered_manifests__.ts');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => (f === fileName ? source : readFile(f));
  host.fileExists = ((exists) => (f: string) => f === fileName || exists(f))(host.fileExists.bind(host));
  host.getSourceFile = (f, lang, onError, create) =>
    f === fileName ? ts.createSourceFile(f, source, lang) : getSourceFile(f, lang, onError, create);
  const program = ts.createProgram([fileName], options, host);
  const diagnostics = [...program.getSyntacticDiagnostics(), ...program.getSemanticDiagnostics()].filter(
    (d) => d.file?.fileName === fileName || d.file === undefined,
  );
  return diagnostics.map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return text;
    const line = d.file.getLineAndCharacterOfPosition(d.start).line - offset;
    const owner = [...owners].reverse().find((o) => o.start <= line);
    return `${owner?.label ?? 'imports'} (line ${line - (owner?.start ?? 0) + 1}): ${text}`;
  });
}

const DURATION = /^([0-9]+(ms|s|m|h|d|w|y))+$/;

/** Hand-written structural checks of the Prometheus Operator resources. */
export function crdErrors(m: Manifest): string[] {
  const errors: string[] = [];
  const where = `${m.kind}/${m.metadata.name}`;
  const spec = m.spec as Record<string, unknown> | undefined;
  if (!spec || typeof spec !== 'object') return [`${where}: spec is missing`];
  if (m.kind === 'ServiceMonitor') {
    const labels = (spec.selector as { matchLabels?: unknown } | undefined)?.matchLabels;
    if (!labels || typeof labels !== 'object' || Object.keys(labels).length === 0) errors.push(`${where}: spec.selector.matchLabels is empty`);
    const endpoints = spec.endpoints;
    if (!Array.isArray(endpoints) || endpoints.length === 0) errors.push(`${where}: spec.endpoints is empty`);
    for (const [i, e] of (Array.isArray(endpoints) ? endpoints : []).entries()) {
      const ep = e as Record<string, unknown>;
      if (typeof ep.port !== 'string' || ep.port === '') errors.push(`${where}: endpoints[${i}].port must name a Service port`);
      if (typeof ep.path !== 'string' || !ep.path.startsWith('/')) errors.push(`${where}: endpoints[${i}].path must start with /`);
      for (const k of ['interval', 'scrapeTimeout']) {
        if (ep[k] !== undefined && !DURATION.test(String(ep[k]))) errors.push(`${where}: endpoints[${i}].${k} "${String(ep[k])}" is not a duration`);
      }
      const allowed = new Set(['port', 'path', 'interval', 'scrapeTimeout', 'relabelings', 'metricRelabelings', 'scheme', 'tlsConfig', 'honorLabels']);
      for (const k of Object.keys(ep)) if (!allowed.has(k)) errors.push(`${where}: endpoints[${i}].${k} is not a ServiceMonitor endpoint field`);
    }
  } else if (m.kind === 'PrometheusRule') {
    const groups = spec.groups;
    if (!Array.isArray(groups) || groups.length === 0) return [`${where}: spec.groups is empty`];
    for (const g of groups as Record<string, unknown>[]) {
      if (typeof g.name !== 'string' || g.name === '') errors.push(`${where}: a group has no name`);
      const rules = g.rules;
      if (!Array.isArray(rules) || rules.length === 0) errors.push(`${where}: group ${String(g.name)} has no rules`);
      for (const r of (Array.isArray(rules) ? rules : []) as Record<string, unknown>[]) {
        const name = String(r.alert);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) errors.push(`${where}: alert name "${name}" is not a valid metric-style name`);
        for (const k of Object.keys(r)) {
          if (!['alert', 'expr', 'for', 'labels', 'annotations', 'keep_firing_for'].includes(k)) errors.push(`${where}: ${name}.${k} is not a rule field`);
        }
        errors.push(...promqlErrors(`${where}: ${name}.expr`, r.expr));
        if (r.for !== undefined && !DURATION.test(String(r.for))) errors.push(`${where}: ${name}.for "${String(r.for)}" is not a duration`);
        const labels = r.labels as Record<string, unknown> | undefined;
        if (!labels || !['critical', 'warning', 'info'].includes(String(labels.severity))) errors.push(`${where}: ${name} needs labels.severity`);
        const ann = r.annotations as Record<string, unknown> | undefined;
        for (const k of ['summary', 'description', 'runbook_url']) {
          if (!ann || typeof ann[k] !== 'string' || ann[k] === '') errors.push(`${where}: ${name} needs annotations.${k}`);
        }
      }
    }
  }
  return errors;
}

/** What can be checked of PromQL without Prometheus: balanced brackets and quotes, no leftover Helm template. */
function promqlErrors(where: string, expr: unknown): string[] {
  if (typeof expr !== 'string' || expr.trim() === '') return [`${where} is empty`];
  if (expr.includes('{{') || expr.includes('}}')) return [`${where} contains an unrendered template: ${expr}`];
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  let quote: string | undefined;
  for (const ch of expr) {
    if (quote) {
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if ('([{'.includes(ch)) stack.push(ch);
    else if (ch in pairs && stack.pop() !== pairs[ch]) return [`${where} has unbalanced "${ch}": ${expr}`];
  }
  if (quote || stack.length > 0) return [`${where} has an unclosed ${quote ?? stack.at(-1)}: ${expr}`];
  return [];
}
