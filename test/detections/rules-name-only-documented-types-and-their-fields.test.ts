import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, ruleFiles, type RuleDocument } from './support/sigma';

/**
 * Issue #24: every activity type a rule names exists in the documented catalogue (the two
 * Access Transparency types are documented apart, see spec access-transparency.md), every
 * type-specific field (`unmapped.<field>` in our OCSF output) is one the named types carry,
 * and every other field is a home our OCSF normalizer really fills.
 */
interface CatalogueType {
  readonly type: string;
  readonly fields: readonly { readonly name: string }[];
}
const catalogue = JSON.parse(readFileSync(join(REPO_ROOT, 'src/catalogue/activity-types.json'), 'utf8')) as {
  activity_types: CatalogueType[];
};
const ACCESS_TRANSPARENCY_FIELDS = [
  'accessed_at',
  'workspace_id',
  'workspace_uuid',
  'accessor_department',
  'reason_code',
  'resource_details',
];
const FIELDS = new Map<string, Set<string>>(
  catalogue.activity_types.map((t) => [t.type, new Set(t.fields.map((f) => f.name))]),
);
FIELDS.set('anthropic_access', new Set(ACCESS_TRANSPARENCY_FIELDS));
FIELDS.set('cmek_preserve', new Set(ACCESS_TRANSPARENCY_FIELDS));

/** OCSF paths the normalizer fills for the common and actor fields (src/normalize/actor.ts, ocsf/build.ts). */
const COMMON_HOMES = new Set([
  'metadata.event_code',
  'metadata.uid',
  'metadata.tenant_uid',
  'actor.user.uid',
  'actor.user.email_addr',
  'src_endpoint.ip',
  'http_request.user_agent',
  'unmapped.actor.type',
]);

type Selection = Record<string, unknown>;

function selections(doc: RuleDocument): Selection[] {
  const out: Selection[] = [];
  for (const [key, value] of Object.entries(doc.detection ?? {})) {
    if (key === 'condition') continue;
    for (const item of Array.isArray(value) ? value : [value]) out.push(item as Selection);
  }
  return out;
}

const field = (key: string) => key.split('|')[0] ?? key;
const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : [String(v)]);

test('every activity type a rule names is documented', () => {
  const unknown: string[] = [];
  for (const [file, docs] of ruleFiles())
    for (const doc of docs)
      for (const sel of selections(doc))
        for (const [key, value] of Object.entries(sel))
          if (field(key) === 'metadata.event_code')
            for (const type of asList(value)) if (!FIELDS.has(type)) unknown.push(`${file}: ${type}`);
  assert.deepEqual(unknown, []);
});

test('every field a rule reads is one the named types carry or a common OCSF home', () => {
  const wrong: string[] = [];
  for (const [file, docs] of ruleFiles()) {
    for (const doc of docs) {
      const ruleTypes = selections(doc).flatMap((sel) =>
        Object.entries(sel).flatMap(([k, v]) => (field(k) === 'metadata.event_code' ? asList(v) : [])),
      );
      for (const sel of selections(doc)) {
        const selTypes = Object.entries(sel).flatMap(([k, v]) =>
          field(k) === 'metadata.event_code' ? asList(v) : [],
        );
        for (const key of Object.keys(sel).map(field)) {
          if (COMMON_HOMES.has(key)) continue;
          const name = key.startsWith('unmapped.') ? key.slice('unmapped.'.length) : undefined;
          if (name === undefined) {
            wrong.push(`${file}: ${key} is not a field of our OCSF output`);
            continue;
          }
          // A field beside the types must belong to each of them; a separate filter to one of the rule's types.
          const owners = selTypes.length > 0 ? selTypes : ruleTypes;
          const carriers = owners.filter((t) => FIELDS.get(t)?.has(name));
          if (selTypes.length > 0 ? carriers.length !== owners.length : carriers.length === 0)
            wrong.push(
              `${file}: ${name} is not a field of ${owners.filter((t) => !carriers.includes(t)).join(', ')}`,
            );
        }
      }
      const correlation = doc.correlation as
        { 'group-by'?: string[]; condition?: { field?: string } } | undefined;
      for (const key of [...(correlation?.['group-by'] ?? []), correlation?.condition?.field ?? []].flat())
        if (!COMMON_HOMES.has(key)) wrong.push(`${file}: correlation field ${key} is not a common OCSF home`);
    }
  }
  assert.deepEqual(wrong, []);
});

const ATTACK_TAG =
  /^attack\.(initial-access|execution|persistence|privilege-escalation|defense-evasion|credential-access|discovery|lateral-movement|collection|exfiltration|command-and-control|impact|t\d{4}(\.\d{3})?)$/;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('at least 40 alerting rules, each with the metadata the issue asks for', () => {
  const ids = new Set<string>();
  let alerting = 0;
  for (const [file, docs] of ruleFiles()) {
    assert.match(file, /^[a-z0-9_]{10,70}$/, `${file}: file name`);
    const main = docs[docs.length - 1];
    for (const doc of docs) {
      const id = String(doc.id);
      assert.match(id, UUID_V4, `${file}: id`);
      assert.ok(!ids.has(id), `${file}: duplicate id ${id}`);
      ids.add(id);
      assert.ok(
        typeof doc.title === 'string' && typeof doc.description === 'string',
        `${file}: title/description`,
      );
      assert.ok(
        Array.isArray(doc.falsepositives) && doc.falsepositives.length > 0,
        `${file}: falsepositives`,
      );
      for (const tag of (doc.tags as string[] | undefined) ?? [])
        assert.match(tag, ATTACK_TAG, `${file}: tag`);
      if (doc.correlation === undefined)
        assert.deepEqual(
          doc.logsource,
          { product: 'claude', service: 'compliance_api' },
          `${file}: logsource`,
        );
    }
    assert.ok(typeof main.triage === 'string' && main.triage.length > 0, `${file}: triage notes`);
    assert.ok(
      ['informational', 'low', 'medium', 'high', 'critical'].includes(String(main.level)),
      `${file}: level`,
    );
    alerting += 1;
  }
  assert.ok(alerting >= 40, `${alerting} alerting rules`);
});

test('detections/README.md has a row for every rule file', () => {
  const readme = readFileSync(join(REPO_ROOT, 'detections/README.md'), 'utf8');
  const missing = [...ruleFiles().keys()].filter((name) => !readme.includes(`| \`${name}\` | Claude `));
  assert.deepEqual(missing, []);
});

// Elasticsearch's flattened and OpenSearch's flat_object (where the ECS pipeline puts every
// unmapped.* field) run substring wildcards wrongly: Elasticsearch matches other keys' values,
// OpenSearch nothing. The real-engine tests caught both; this names the rule at once.
test('no rule matches a type-specific field by substring, prefix, suffix, regex or wildcard', () => {
  const wrong: string[] = [];
  for (const [name, docs] of ruleFiles())
    for (const doc of docs)
      for (const selection of selections(doc))
        for (const [key, value] of Object.entries(selection)) {
          if (!field(key).startsWith('unmapped.')) continue;
          const modifiers = key.split('|').slice(1);
          if (modifiers.some((m) => ['contains', 'startswith', 'endswith', 're', 'cidr'].includes(m)))
            wrong.push(`${name}: ${key}`);
          else if (asList(value).some((v) => /[*?]/.test(v)))
            wrong.push(`${name}: ${key} has a wildcard value`);
        }
  assert.deepEqual(wrong, []);
});
