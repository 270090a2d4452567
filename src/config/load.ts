import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import YAML, { LineCounter, type YAMLError } from 'yaml';
import type { z } from 'zod';
import { configSchema, type ForwarderConfig } from './schema';
import { SECRET_FIELDS } from './fields';
import { proxySecrets } from '../http/proxy';
import { ConfigError, errorMessage } from '../util/errors';
import { registerSecret } from '../observability/redact';
import { SINK_FACTORIES } from '../sinks/registry';
import { checkConfigFiles } from './check';
import { editDistance } from '../util/edit-distance';

/**
 * Config loading, in the order a reader would expect: YAML → ${ENV} interpolation →
 * `*_file` secrets → schema validation. Every failure is a ConfigError naming the field and
 * the fix; the CLI turns it into one line and exit code 2.
 */

type Path = readonly (string | number)[];

export function formatPath(path: Path): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p),
    '',
  );
}

const ENV_REF = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces ${VAR} and ${VAR:-default} in one string; `$$` is a literal `$`. */
export function interpolate(text: string, env: NodeJS.ProcessEnv, path: Path): string {
  return text.replace(ENV_REF, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$$') return '$';
    const value = env[name as string];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    throw new ConfigError(
      `environment variable ${name} is not set; export it, or write \${${name}:-default} to give a default`,
      formatPath(path),
    );
  });
}

function walk(value: unknown, path: Path, visit: (v: unknown, path: Path) => unknown): unknown {
  const v = visit(value, path);
  if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, i], visit));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, child] of Object.entries(v)) out[k] = walk(child, [...path, k], visit);
    return out;
  }
  return v;
}

/**
 * Redaction masks a secret wherever its text occurs; a short one ("user", "test") occurs in
 * ordinary log text too, so masking would garble the logs and a leak could not be told apart.
 */
export const MIN_SECRET_LENGTH = 8;

function refuseShortSecret(secret: string, where: string): void {
  const length = secret.trim().length;
  if (length === 0 || length >= MIN_SECRET_LENGTH) return;
  throw new ConfigError(
    `shorter than ${MIN_SECRET_LENGTH} characters: too short to be a real credential or to be kept out of logs reliably; use the full secret the service issued`,
    where,
  );
}

/** Resolves `<secret>_file` keys into `<secret>` and registers every secret for redaction. */
function resolveSecrets(value: unknown, path: Path, baseDir: string): unknown {
  return walk(value, path, (v, p) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const obj = { ...(v as Record<string, unknown>) };
    for (const field of SECRET_FIELDS) {
      const fileKey = `${field}_file`;
      if (obj[fileKey] === undefined) continue;
      const where = formatPath([...p, fileKey]);
      if (obj[field] !== undefined) {
        throw new ConfigError(`give either ${field} or ${fileKey}, not both`, where);
      }
      if (typeof obj[fileKey] !== 'string') throw new ConfigError('expected a file path', where);
      const file = resolve(baseDir, obj[fileKey]);
      let secret: string;
      try {
        secret = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      } catch (err) {
        throw new ConfigError(
          `cannot read secret file ${file} (${errorMessage(err).replace(/^[A-Z]+: /, '')}); check the path and that this user may read it`,
          where,
        );
      }
      if (secret.trim() === '') throw new ConfigError(`secret file ${file} is empty`, where);
      obj[field] = secret;
      delete obj[fileKey];
    }
    for (const field of SECRET_FIELDS) {
      const secret = obj[field];
      if (typeof secret !== 'string') continue;
      refuseShortSecret(secret, formatPath([...p, field]));
      registerSecret(secret);
    }
    // A proxy URL may carry a password (http://user:password@proxy:3128).
    for (const secret of proxySecrets(obj.proxy)) {
      refuseShortSecret(secret, formatPath([...p, 'proxy']));
      registerSecret(secret);
    }
    return obj;
  });
}

function knownKeys(schema: z.ZodType, path: Path, root: unknown): string[] {
  // Walks the schema along `path` to list the keys that object accepts (for "did you mean").
  let node: unknown = schema;
  let data: unknown = root;
  for (const p of path) {
    data =
      data !== null && typeof data === 'object' ? (data as Record<string | number, unknown>)[p] : undefined;
    node = unwrap(node, data);
    const def = (node as { def?: { type?: string; shape?: Record<string, unknown>; valueType?: unknown } })
      .def;
    if (def?.type === 'object' && def.shape) node = def.shape[String(p)];
    else if (def?.type === 'record') node = def.valueType;
    else return [];
  }
  node = unwrap(node, data);
  const def = (node as { def?: { type?: string; shape?: Record<string, unknown> } }).def;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function unwrap(node: unknown, data: unknown): unknown {
  for (let i = 0; i < 10; i++) {
    const def = (
      node as {
        def?: {
          type?: string;
          innerType?: unknown;
          in?: unknown;
          options?: unknown[];
          discriminator?: string;
        };
      }
    ).def;
    if (!def) return node;
    if (
      def.type === 'default' ||
      def.type === 'prefault' ||
      def.type === 'optional' ||
      def.type === 'nullable'
    )
      node = def.innerType;
    else if (def.type === 'pipe') node = def.in;
    else if (def.type === 'union' && def.options && data && typeof data === 'object') {
      const t = (data as Record<string, unknown>).type;
      const match = def.options.find((o) => {
        const shape = (o as { def?: { shape?: Record<string, { def?: { values?: unknown[] } }> } }).def
          ?.shape;
        return shape?.type?.def?.values?.includes(t);
      });
      if (!match) return node;
      node = match;
    } else return node;
  }
  return node;
}

/**
 * Keys that were renamed. Refused, not aliased: the config fails at once and says the fix,
 * instead of a deprecation warning that a daemon's log may bury.
 */
const RENAMED_KEYS: Readonly<Record<string, string>> = {
  // syslog's backoff block became the `retry:` block every sink and the source share.
  reconnect: 'retry',
};

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): ConfigError {
  const where = formatPath(issue.path as Path);
  const renamed =
    issue.code === 'unrecognized_keys' ? issue.keys.find((k) => RENAMED_KEYS[k] !== undefined) : undefined;
  if (renamed !== undefined) {
    const to = RENAMED_KEYS[renamed];
    return new ConfigError(
      `"${renamed}" was renamed "${to}" (same fields); rename ${renamed}: to ${to}:`,
      where ? `${where}.${renamed}` : renamed,
    );
  }
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(configSchema, issue.path as Path, raw);
    const parts = issue.keys.map((k) => {
      const best = known.map((c) => ({ c, d: editDistance(k, c) })).sort((a, b) => a.d - b.d)[0];
      return best && best.d <= 3 ? `"${k}" (did you mean "${best.c}"?)` : `"${k}"`;
    });
    const list = known.length ? `; allowed here: ${known.join(', ')}` : '';
    return new ConfigError(`unknown key ${parts.join(', ')}${list}`, where || undefined);
  }
  if (issue.code === 'invalid_union' && issue.path[0] === 'sinks' && issue.path.length <= 3) {
    const types = SINK_FACTORIES.map((f) => f.type).join(', ');
    const field = issue.path.length === 3 ? where : `${where}.type`;
    return new ConfigError(`unknown or missing sink type; set type to one of: ${types}`, field);
  }
  if (issue.path.length === 1 && issue.path[0] === 'sinks' && issue.code === 'invalid_type') {
    return new ConfigError(
      'required: configure at least one sink, e.g. `sinks: { archive: { type: file, path: ./data/events.jsonl } }`',
      'sinks',
    );
  }
  if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) {
    return new ConfigError(`required field is missing (expected ${issue.expected})`, where);
  }
  return new ConfigError(issue.message, where || undefined);
}

/**
 * What each YAML error means, in words that never quote the document: the parser's own
 * messages can carry the value they tripped on, and that value is often a secret (`*` starts
 * an alias, `!` a tag, `&` an anchor).
 */
const YAML_PROBLEMS: Partial<Record<YAMLError['code'], string>> = {
  BAD_ALIAS: 'a value starting with * is read as a YAML alias; put the value in quotes',
  ALIAS_PROPS: 'a value starting with * is read as a YAML alias; put the value in quotes',
  BAD_PROP_ORDER: 'a value starting with & or ! is read as a YAML anchor or tag; put the value in quotes',
  MULTIPLE_ANCHORS: 'a value starting with & is read as a YAML anchor; put the value in quotes',
  MULTIPLE_TAGS: 'a value starting with ! is read as a YAML tag; put the value in quotes',
  TAG_RESOLVE_FAILED: 'a value starting with ! is read as a YAML tag; put the value in quotes',
  BAD_SCALAR_START:
    'a value cannot start with @, ` or another reserved character unquoted; put the value in quotes',
  BAD_DQ_ESCAPE:
    'a double-quoted value has an invalid \\ escape; use single quotes, or write \\\\ for a backslash',
  TAB_AS_INDENT: 'tabs cannot indent YAML; indent with spaces',
  BAD_INDENT: 'the indentation is wrong, or a [ or { is not closed',
  MISSING_CHAR: 'a quote, bracket, comma or colon is missing',
  BLOCK_AS_IMPLICIT_KEY: 'a value contains ": " (read as a nested mapping); put the value in quotes',
  MULTILINE_IMPLICIT_KEY: 'a key spans lines, or a value contains ": " or " #"; put the value in quotes',
  DUPLICATE_KEY: 'a key appears twice in the same mapping; keep one',
  MULTIPLE_DOCS: 'the file holds more than one YAML document (---); keep one',
  KEY_OVER_1024_CHARS: 'a key is longer than 1024 characters',
  UNEXPECTED_TOKEN: 'unexpected character; put values with special characters in quotes',
  RESOURCE_EXHAUSTION: 'too many alias expansions; remove the aliases',
};

function yamlProblem(code: YAMLError['code'] | undefined): string {
  return (
    (code && YAML_PROBLEMS[code]) ??
    `the document does not parse${code ? ` (${code})` : ''}; put values with special characters in quotes`
  );
}

/** The YAML document as plain data; a ConfigError that names the place, never a value. */
function parseYaml(text: string, file: string): unknown {
  const lines = new LineCounter();
  const doc = YAML.parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  const where = (offset: number | undefined): string => {
    if (offset === undefined) return '';
    const pos = lines.linePos(offset);
    return `:${pos.line}:${pos.col}`;
  };
  // Warnings too: an unknown tag (a value starting with !) would silently become another value.
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    const e = problems[0];
    throw new ConfigError(`${file}${where(e.pos[0])}: invalid YAML: ${yamlProblem(e.code)}`);
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch {
    // An alias that names no anchor (an unquoted value starting with *), or an alias bomb.
    let offset: number | undefined;
    YAML.visit(doc, {
      Alias(_key, node) {
        offset = node.range?.[0];
        return YAML.visit.BREAK;
      },
    });
    throw new ConfigError(`${file}${where(offset)}: invalid YAML: ${yamlProblem('BAD_ALIAS')}`);
  }
}

export interface LoadedConfig {
  readonly config: ForwarderConfig;
  readonly path: string;
}

/** Parses and validates a config document (already read). */
export function parseConfig(
  text: string,
  options: { env?: NodeJS.ProcessEnv; baseDir?: string; file?: string } = {},
): ForwarderConfig {
  const env = options.env ?? process.env;
  const baseDir = options.baseDir ?? process.cwd();
  const raw = parseYaml(text, options.file ?? 'config');
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError('the config file must be a YAML mapping with at least `source` and `sinks`');
  }
  const interpolated = walk(raw, [], (v, p) => (typeof v === 'string' ? interpolate(v, env, p) : v));
  const withSecrets = resolveSecrets(interpolated, [], baseDir);
  const result = configSchema.safeParse(withSecrets);
  if (!result.success) throw describeIssue(result.error.issues[0], withSecrets);
  return result.data;
}

export function loadConfig(file: string, options: { env?: NodeJS.ProcessEnv } = {}): LoadedConfig {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `cannot read config file ${path} (${errorMessage(err)}); pass the right path with -c`,
    );
  }
  const config = parseConfig(text, { env: options.env, file: path });
  checkConfigFiles(config, process.cwd());
  return { config, path };
}
