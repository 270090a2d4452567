import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OutputFormat } from '../../../src/config/fields';
import { resolveMapping } from '../../../src/normalize';
import { allowedActors, makeActivity } from '../../../src/simulator/generate';
import { addOnTypes } from '../../../scripts/gen-splunk-ta';
import { loadAddOn } from './support/add-on';
import { hecEventFields } from './support/events';
import type { Fields, Value } from './support/eval';

const FORMATS: readonly OutputFormat[] = ['ocsf', 'ecs', 'raw'];
const CHANGE_ACTIONS = new Set(['created', 'deleted', 'modified']);
const STATUSES = new Set(['success', 'failure']);
/** Values the add-on states itself rather than reads. */
const CONSTANTS = new Set(['vendor', 'product', 'vendor_product']);
const DERIVED = new Set(['action', 'object_category']);
/** Fields of the CIM Authentication and Change models (and Web's http_user_agent), as the CIM reference spells them. */
const CIM_FIELDS = new Set([
  'action',
  'app',
  'change_type',
  'dest',
  'http_user_agent',
  'object',
  'object_category',
  'object_id',
  'reason',
  'signature',
  'src',
  'src_user',
  'status',
  'user',
  'vendor_product',
]);
/** Ours, not the CIM's: the HEC indexed id for file-monitored events too, and vendor_product's parts. */
const OWN_FIELDS = new Set(['event_id', 'vendor', 'product']);

const addOn = loadAddOn();

interface Case {
  readonly type: string;
  readonly actorType: string;
  readonly format: OutputFormat;
  readonly fields: Fields;
  readonly produced: ReadonlyMap<string, Value>;
  readonly tags: ReadonlySet<string>;
}

function* cases(): Generator<Case> {
  let seed = 1;
  for (const type of addOnTypes()) {
    for (const actorType of allowedActors(type)) {
      const activity = makeActivity({ type, actorType, seed: seed++ });
      for (const format of FORMATS) {
        const fields = hecEventFields(activity, format);
        const tags = new Set([...addOn.eventTypes(fields).values()].flat());
        yield { type, actorType, format, fields, produced: addOn.produce(fields), tags };
      }
    }
  }
}

const ALL = [...cases()];
const one = (c: Case, field: string): string | undefined => c.produced.get(field)?.values[0];
const label = (c: Case): string => `${c.type} / ${c.actorType} / ${c.format}`;

describe('the Splunk add-on on every activity type, actor variant and format the HEC sink sends', () => {
  it('covers the 519 catalogue types and the two Access Transparency types', () => {
    assert.equal(addOnTypes().length, 521);
    assert.ok(ALL.some((c) => c.type === 'anthropic_access') && ALL.some((c) => c.type === 'cmek_preserve'));
  });

  it('produces every CIM field from fields the event carries, one value each', () => {
    for (const c of ALL) {
      for (const [name, value] of c.produced) {
        assert.equal(value.values.length, 1, `${label(c)}: ${name} has several values`);
        assert.notEqual(value.values[0], 'null', `${label(c)}: ${name} took a JSON null`);
        if (CONSTANTS.has(name)) continue;
        if (name === 'app' && value.from.size === 0) continue;
        assert.ok(value.from.size > 0, `${label(c)}: ${name} = "${value.values[0]}" read no event field`);
        for (const from of value.from) assert.ok(c.fields.has(from), `${label(c)}: ${name} read ${from}`);
        // Copies (lower-cased at most) of a value the event carries; action and object_category are chosen by a test on them.
        if (DERIVED.has(name)) continue;
        const carried = [...value.from].flatMap((f) => c.fields.get(f) ?? []);
        assert.ok(
          carried.some((v) => v === value.values[0] || v.toLowerCase() === value.values[0]),
          `${label(c)}: ${name} = "${value.values[0]}" is not the value of ${[...value.from].join(', ')}`,
        );
      }
    }
  });

  it('produces only fields the CIM names (a misspelt CIM field fails here)', () => {
    const unknown = [...addOn.names].filter((name) => !CIM_FIELDS.has(name) && !OWN_FIELDS.has(name));
    assert.deepEqual(unknown, []);
  });

  it('reads no field that no event carries (a typo in props.conf fails here)', () => {
    const seen = new Set<string>();
    for (const c of ALL) for (const name of c.fields.keys()) seen.add(name);
    const never = [...addOn.reads].filter((name) => !seen.has(name));
    assert.deepEqual(never, []);
  });

  it('names the activity, its id, the actor and the user in every format', () => {
    for (const c of ALL) {
      assert.equal(one(c, 'signature'), c.type, label(c));
      assert.equal(one(c, 'event_id'), c.fields.get('event_id')?.[0], label(c));
      assert.equal(one(c, 'vendor_product'), 'Anthropic Claude', label(c));
      for (const field of ['user', 'src_user', 'app'])
        assert.ok(one(c, field) !== undefined, `${label(c)}: no ${field}`);
    }
  });

  it('tags each type for the CIM data model of its OCSF class', () => {
    for (const c of ALL) {
      const cls = resolveMapping(c.type).cls.key;
      if (cls === 'authentication') assert.deepEqual([...c.tags], ['authentication'], label(c));
      if (c.tags.has('account')) assert.ok(c.tags.has('change'), label(c));
      assert.ok(!(c.tags.has('authentication') && c.tags.has('change')), label(c));
    }
  });

  it('gives authentication events a success/failure action and changes a CIM change action and status (ocsf, ecs)', () => {
    for (const c of ALL) {
      if (c.format === 'raw') continue;
      if (c.tags.has('authentication')) {
        // An activity that reports no outcome stays `unknown`, as the normalizers say.
        const reported = one(c, 'status') === 'unknown' ? 'unknown' : undefined;
        assert.ok(
          STATUSES.has(one(c, 'action') ?? '') || one(c, 'action') === reported,
          `${label(c)}: action ${one(c, 'action')}`,
        );
        assert.ok(one(c, 'dest') !== undefined || !c.fields.has('organization.id'), label(c));
      }
      if (c.tags.has('change')) {
        assert.ok(CHANGE_ACTIONS.has(one(c, 'action') ?? ''), `${label(c)}: action ${one(c, 'action')}`);
        assert.ok(STATUSES.has(one(c, 'status') ?? '') || one(c, 'status') === 'unknown', `${label(c)}: status ${one(c, 'status')}`);
        assert.ok(one(c, 'change_type') !== undefined, `${label(c)}: no change_type`);
        if (c.format === 'ocsf') assert.ok(one(c, 'object_category') !== undefined, `${label(c)}: no object_category`);
      }
    }
  });

  it('says the same in ocsf and ecs for the same activity', () => {
    const byKind = new Map<string, Case>();
    for (const c of ALL) if (c.format === 'ocsf') byKind.set(`${c.type}/${c.actorType}`, c);
    for (const c of ALL) {
      if (c.format !== 'ecs') continue;
      const ocsf = byKind.get(`${c.type}/${c.actorType}`);
      assert.ok(ocsf);
      for (const field of ['signature', 'event_id', 'action', 'status', 'src', 'dest'])
        assert.equal(one(c, field), one(ocsf, field), `${label(c)}: ${field} differs from ocsf`);
    }
  });
});
