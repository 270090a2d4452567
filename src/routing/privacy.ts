import { createHash, createHmac } from 'node:crypto';
import type { Activity } from '../source/activity';
import type { PipelineRecord } from '../pipeline/record';
import type { SinkPrivacyConfig } from '../config/fields';

type Change = (value: unknown) => { readonly keep: false } | { readonly keep: true; readonly value: unknown };

const DROP: Change = () => ({ keep: false });

/**
 * A sink's `privacy:` block: dotted paths dropped, or replaced by the lowercase hex
 * HMAC-SHA256 of their UTF-8 text (non-strings JSON-serialized first) under the key. Applied
 * to the activity before any formatting, so every format and every part of it (raw text,
 * OCSF unmapped/raw_data, ECS anthropic.audit.*, HEC fields, Kafka headers) sees the result.
 * Pure: the same activity and key give the same output in any run and any sink.
 */
export class Privacy {
  private readonly rules: readonly { readonly path: readonly string[]; readonly change: Change }[];
  /** Leaf names whose presence in the source text calls for serializing it again (see view). */
  private readonly names: readonly string[];

  constructor(config: NonNullable<SinkPrivacyConfig>) {
    const key = config.pseudonymize_key;
    const pseudonymize: Change = (value) => ({
      keep: true,
      value: createHmac('sha256', key ?? '')
        .update(typeof value === 'string' ? value : JSON.stringify(value), 'utf8')
        .digest('hex'),
    });
    this.rules = [
      ...config.drop_fields.map((p) => ({ path: p.split('.'), change: DROP })),
      ...config.pseudonymize_fields.map((p) => ({ path: p.split('.'), change: pseudonymize })),
    ];
    // A value to hide sits under its leaf name in the text, however its parents are spelled.
    this.names = [...new Set(this.rules.map((r) => r.path[r.path.length - 1]))].map((n) => JSON.stringify(n));
  }

  /** Whether the block changes anything at all. */
  get active(): boolean {
    return this.rules.length > 0;
  }

  /** The activity with the block applied; the same object when no path is present. */
  apply(activity: Activity): Activity {
    let out: unknown = activity;
    for (const rule of this.rules) out = rewrite(out, rule.path, 0, rule.change);
    return out as Activity;
  }

  /**
   * The record as this sink sees it. Its own `raw` text, serialized from the result: the
   * source text may spell a field in ways parsing merges (a repeated key, `\u` escapes),
   * so it is kept only when no configured field name can be in it.
   */
  view(record: PipelineRecord): PipelineRecord {
    const activity = this.apply(record.activity);
    if (activity === record.activity && !this.mayHideAField(record.raw)) return record;
    return { ...record, activity, raw: JSON.stringify(activity), serialized: undefined };
  }

  private mayHideAField(raw: string): boolean {
    return raw.includes('\\u') || this.names.some((n) => raw.includes(n));
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `value` with `change` applied at `path[at..]`: copies only what changes. Arrays apply it to each item. */
function rewrite(value: unknown, path: readonly string[], at: number, change: Change): unknown {
  if (Array.isArray(value)) {
    let changed = false;
    const items = value.map((item) => {
      const next = rewrite(item, path, at, change);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? items : value;
  }
  if (!isPlainObject(value) || !Object.hasOwn(value, path[at])) return value;
  const name = path[at];
  const current = value[name];
  if (at === path.length - 1) {
    const result = change(current);
    const copy = { ...value };
    // defineProperty: an own "__proto__" field stays a field, never a prototype.
    if (result.keep)
      Object.defineProperty(copy, name, {
        value: result.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else delete copy[name];
    return copy;
  }
  const next = rewrite(current, path, at + 1, change);
  return next === current ? value : { ...value, [name]: next };
}

/** Identifies a privacy block without holding its key: equal blocks share one Privacy (and its cache). */
export function privacyProfile(config: NonNullable<SinkPrivacyConfig>): string {
  const key = config.pseudonymize_key;
  return JSON.stringify([
    config.drop_fields,
    config.pseudonymize_fields,
    key === undefined ? null : createHash('sha256').update(key).digest('hex'),
  ]);
}
