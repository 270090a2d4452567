import { resolve } from 'node:path';
import { readConf, stanzaOf, type ConfFile, type Stanza } from './conf';
import { evaluate, fieldsRead, parseEval, type Fields, type Value } from './eval';
import { SOURCETYPE } from './events';

export const TA_DIR = resolve(__dirname, '../../../../deploy/splunk/TA-claude-audit');

export function readTaConf(name: string): ConfFile {
  return readConf(resolve(TA_DIR, 'default', name));
}

type Produced = ReadonlyMap<string, Value>;

/** The search-time fields the add-on adds to an event: its FIELDALIAS- and EVAL- settings. */
export interface AddOn {
  readonly produce: (fields: Fields) => Produced;
  /** The fields it produces (alias and eval names). */
  readonly names: ReadonlySet<string>;
  /** Every event field an alias or eval reads. */
  readonly reads: ReadonlySet<string>;
  /** The event types (with their tags) an event falls in. */
  readonly eventTypes: (fields: Fields) => ReadonlyMap<string, readonly string[]>;
}

export function loadAddOn(): AddOn {
  const props = stanzaOf(readTaConf('props.conf'), SOURCETYPE);
  const evals = new Map<string, ReturnType<typeof parseEval>>();
  const aliases = new Map<string, string>();
  for (const [key, value] of props) {
    if (key.startsWith('EVAL-')) evals.set(key.slice('EVAL-'.length), parseEval(value));
    if (key.startsWith('FIELDALIAS-')) {
      for (const m of value.matchAll(/('[^']+'|\S+)\s+AS\s+('[^']+'|\S+)/g))
        aliases.set(m[2].replace(/'/g, ''), m[1].replace(/'/g, ''));
    }
  }
  const reads = new Set<string>([...aliases.values(), ...[...evals.values()].flatMap(fieldsRead)]);
  const produce = (fields: Fields): Produced => {
    // Splunk runs aliases before evals, and every eval sees the fields as they were before any eval.
    const aliased = new Map(fields);
    const out = new Map<string, Value>();
    for (const [to, from] of aliases) {
      const values = fields.get(from);
      if (values !== undefined) {
        aliased.set(to, values);
        out.set(to, { values, from: new Set([from]) });
      }
    }
    for (const [name, node] of evals) {
      const result = evaluate(node, aliased);
      if (typeof result === 'boolean') throw new Error(`EVAL-${name} is a condition`);
      if (result !== null) out.set(name, result);
    }
    return out;
  };
  const tags = readTaConf('tags.conf');
  const types = [...readTaConf('eventtypes.conf')].map(([name, stanza]) => ({
    name,
    matches: eventTypeMatcher(name, stanza),
    tags: [...(tags.get(`eventtype=${name}`) ?? new Map<string, string>())]
      .filter(([, state]) => state === 'enabled')
      .map(([tag]) => tag),
  }));
  const eventTypes = (fields: Fields): ReadonlyMap<string, readonly string[]> => {
    const withProduced = new Map(fields);
    for (const [name, value] of produce(fields)) withProduced.set(name, value.values);
    return new Map(types.filter((t) => t.matches(withProduced)).map((t) => [t.name, t.tags]));
  };
  const names = new Set([...aliases.keys(), ...evals.keys()]);
  return { produce, names, reads, eventTypes };
}

/** Event type searches stay within `sourcetype="…"` and `field IN ("…", …)`, which this reads. */
function eventTypeMatcher(name: string, stanza: Stanza): (fields: Fields) => boolean {
  const search = stanza.get('search');
  if (search === undefined) throw new Error(`eventtype ${name} has no search`);
  const m = /^sourcetype="([^"]+)"(?:\s+(\w+) IN \(([^)]*)\))?$/s.exec(search);
  if (!m) throw new Error(`eventtype ${name}: search outside what the test reads: ${search}`);
  const [, sourcetype, field, list] = m;
  const choices =
    list === undefined ? undefined : new Set(list.split(',').map((item) => JSON.parse(item.trim()) as string));
  return (fields) => {
    if (!(fields.get('sourcetype') ?? []).includes(sourcetype)) return false;
    if (field === undefined || choices === undefined) return true;
    return (fields.get(field) ?? []).some((value) => choices.has(value));
  };
}
