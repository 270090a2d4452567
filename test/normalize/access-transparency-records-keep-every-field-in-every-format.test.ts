import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { restoreFromEcs, restoreFromOcsf, toCef, toEcs, toLeef, toOcsf } from '../../src/normalize';
import type { Activity } from '../../src/source/activity';
import { ecsProblems } from './support/ecs-fields';
import { compileOcsfValidators, ocsfErrors, type ClassValidators } from './support/ocsf-schemas';

/**
 * Access Transparency records (a person at Anthropic viewed or preserved the customer's
 * content) are the most sensitive rows of the feed. Every field they carry stays verbatim in
 * OCSF `unmapped` / ECS `anthropic.audit`, and what OCSF and ECS model gets a copy: when the
 * access happened, which content, why.
 */

let validators: Map<number, ClassValidators>;
before(() => {
  validators = compileOcsfValidators([6003]);
});

type Json = Record<string, unknown>;

/** The docs' examples (access-transparency.md §2.4), verbatim. */
const DOCUMENTED: readonly Json[] = [
  {
    id: 'activity_013b013744txqZtFHLUaRqLr',
    type: 'anthropic_access',
    created_at: '2026-06-08T17:12:09.812446Z',
    accessed_at: '2026-06-08T17:12:06.478035Z',
    organization_id: 'org_0910d9133038914eta7i3vt',
    actor: { type: 'anthropic_actor', email_address: null },
    resource_details: { type: 'message', id: 'msg_1234ABCD' },
    accessor_department: 'Safeguards',
    reason_code: 'safety_review',
    organization_uuid: '5b236db4-3fb4-4bf3-a560-b5e266038a15',
    transparency_log_leaf_index: 41,
  },
  {
    id: 'activity_01AbCdEfGhJkMnPqRsTuVwXy',
    type: 'cmek_preserve',
    created_at: '2026-07-02T09:41:53.204118Z',
    accessed_at: '2026-07-02T09:41:50.118764Z',
    organization_id: 'org_0123456789abcdefghijklmn',
    actor: { type: 'anthropic_actor', email_address: null },
    resource_details: { type: 'message', id: 'msg_0ExampleExampleExample' },
    accessor_department: 'Safeguards',
    reason_code: 'policy_violation_investigation',
    organization_uuid: '00000000-1111-2222-3333-444444444444',
    transparency_log_leaf_index: 57,
  },
  {
    id: 'activity_01GPXmAhizavrUuoXNn3tzeA',
    type: 'anthropic_access',
    created_at: '2025-07-08T18:40:00Z',
    accessed_at: '2025-07-08T18:39:58Z',
    organization_id: 'org_015gtSHLz269eTwgrH8NX5yk',
    organization_uuid: '25f6429a-3293-49bf-afed-cb312911554b',
    workspace_id: 'wrkspc_01PaGUP2rbg1XDh7Z9W1CEpd',
    workspace_uuid: 'b6ce2143-1083-d4a7-247c-17530f55a076',
    accessor_department: 'Trust & Safety',
    reason_code: 'safety_review',
    actor: { type: 'anthropic_actor', email_address: null },
    resource_details: { type: 'message', id: 'msg_01HXAMPLE12345678' },
    transparency_log_leaf_index: 17,
  },
];

/** Shapes the leaf rules allow (§8 vectors, §9.12/17): fields absent or null, nanoseconds, unknown codes, fields to come. */
const VARIANTS: readonly Json[] = [
  {
    ...DOCUMENTED[0],
    id: 'activity_01NoResource',
    resource_details: undefined,
    workspace_id: null,
    transparency_log_leaf_index: undefined,
  },
  {
    ...DOCUMENTED[1],
    id: 'activity_01NullResource',
    resource_details: null,
    accessed_at: '2026-07-01T16:20:00.123456789Z',
    reason_code: 'unspecified',
  },
  {
    ...DOCUMENTED[2],
    id: 'activity_01Future',
    resource_details: { type: 'file', id: 'file_01X', parent: 'claude_chat_01Y' },
    accessor_department: 'Sûreté "T&S"',
    review_ticket: { system: 'internal', opened: true },
  },
].map((value) => JSON.parse(JSON.stringify(value)) as Json);

const TYPE_SPECIFIC = (src: Json): string[] =>
  Object.keys(src).filter(
    (key) => !['id', 'created_at', 'type', 'organization_id', 'organization_uuid', 'actor'].includes(key),
  );

describe('Access Transparency records', () => {
  it('keep every field verbatim in OCSF unmapped and ECS anthropic.audit, valid and rebuilt exactly', () => {
    for (const src of [...DOCUMENTED, ...VARIANTS]) {
      const activity = src as unknown as Activity;
      const ocsf = toOcsf(activity);
      const ecs = toEcs(activity);
      assert.deepEqual(ocsfErrors(validators, ocsf), [], `${String(src.id)}: OCSF`);
      assert.deepEqual(ecsProblems(ecs), [], `${String(src.id)}: ECS`);
      const unmapped = ocsf.unmapped as Json;
      const audit = (ecs.anthropic as Record<string, Json>).audit;
      for (const field of TYPE_SPECIFIC(src)) {
        assert.deepEqual(unmapped[field], src[field], `${String(src.id)}: unmapped.${field}`);
        assert.deepEqual(audit[field], src[field], `${String(src.id)}: anthropic.audit.${field}`);
      }
      assert.deepEqual(restoreFromOcsf(ocsf), activity);
      assert.deepEqual(restoreFromEcs(ecs), activity);
    }
  });

  it('are API Activity reads of Medium severity, dated when recorded, starting when the access happened', () => {
    for (const src of DOCUMENTED) {
      const ocsf = toOcsf(src as unknown as Activity);
      assert.equal(ocsf.class_uid, 6003);
      assert.equal(ocsf.activity_id, 2);
      assert.equal(ocsf.severity_id, 3);
      assert.equal(ocsf.time, Date.parse(String(src.created_at)));
      assert.equal(ocsf.start_time, Date.parse(String(src.accessed_at)));
      const event = toEcs(src as unknown as Activity).event as Json;
      assert.equal(event.start, src.accessed_at);
      assert.equal(event.reason, src.reason_code);
      assert.equal(event.severity, 3);
    }
    const nanos = toEcs(VARIANTS[1] as unknown as Activity).event as Json;
    assert.equal(nanos.start, '2026-07-01T16:20:00.123456789Z');
    assert.equal(nanos.reason, 'unspecified');
  });

  it('name the content accessed as the OCSF resource, and so in CEF and LEEF', () => {
    const ocsf = toOcsf(DOCUMENTED[0] as unknown as Activity);
    assert.deepEqual(ocsf.resources, [{ uid: 'msg_1234ABCD', type: 'message' }]);
    assert.deepEqual(toOcsf(VARIANTS[2] as unknown as Activity).resources, [
      { uid: 'file_01X', type: 'file' },
    ]);
    for (const missing of VARIANTS.slice(0, 2))
      assert.equal(toOcsf(missing as unknown as Activity).resources, undefined, String(missing.id));
    assert.match(toCef(DOCUMENTED[0] as unknown as Activity), / cs4=msg_1234ABCD /);
    assert.match(toLeef(DOCUMENTED[0] as unknown as Activity), /\tentityUid=msg_1234ABCD\t/);
  });
});
