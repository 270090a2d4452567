import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { restoreFromEcs, restoreFromOcsf, toEcs, toOcsf } from '../../src/normalize';
import { makeActivity } from '../../src/simulator/generate';
import type { Activity } from '../../src/source/activity';
import { ecsProblems } from './support/ecs-fields';
import { compileOcsfValidators, ocsfErrors, type ClassValidators } from './support/ocsf-schemas';

/**
 * The feed adds types, actor variants and fields without notice, and a JSON value can be
 * anything. Whatever arrives must still give a valid OCSF event and ECS document, and lose
 * nothing.
 */

let validators: Map<number, ClassValidators>;
before(() => {
  validators = compileOcsfValidators();
});

const clock = { now: () => Date.UTC(2026, 6, 1) };

function assertValidAndLossless(activity: Activity, label: string): Record<string, unknown> {
  const event = toOcsf(activity, clock);
  assert.deepEqual(ocsfErrors(validators, event), [], `${label}: OCSF`);
  assert.deepEqual(restoreFromOcsf(event), activity, `${label}: rebuilt from OCSF`);
  const doc = toEcs(activity, clock);
  assert.deepEqual(ecsProblems(doc), [], `${label}: ECS`);
  assert.deepEqual(restoreFromEcs(doc), activity, `${label}: rebuilt from ECS`);
  return event;
}

/** Test activities are deliberately not what the type promises. */
const act = (value: Record<string, unknown>): Activity => value as unknown as Activity;

const base = (): Record<string, unknown> => ({
  ...makeActivity({ type: 'platform_workspace_created', actorType: 'user_actor', seed: 21 }),
});

describe('unknown types, unknown actors, malformed values', () => {
  it('an unknown type is API Activity (6003) with api.operation = the type, its fields kept in unmapped', () => {
    for (const type of ['quantum_teleporter_engaged', 'x', 'weird|type=with\\chars', 'ümlaut_typé', '']) {
      const activity = act({ ...base(), type, warp_factor: 9, nested: { deep: [1, { deeper: null }] } });
      const event = assertValidAndLossless(activity, `type ${JSON.stringify(type)}`);
      assert.equal(event.class_uid, 6003);
      assert.equal((event.api as Record<string, unknown>).operation, type === '' ? 'unknown' : type);
      assert.equal((event.unmapped as Record<string, unknown>).warp_factor, 9);
    }
  });

  it('a new type of a known family takes the family’s class and stays valid without the fields it would use', () => {
    const cases: [string, number][] = [
      ['group_owner_promoted', 3006],
      ['sso_login_expired', 3002],
      ['claude_file_quarantined', 6001],
      ['mcp_server_rebooted', 3004],
      ['scim_user_suspended', 3001],
    ];
    for (const [type, classUid] of cases) {
      const activity = act({ ...base(), type });
      delete (activity as Record<string, unknown>).workspace_id;
      const event = assertValidAndLossless(activity, type);
      assert.equal(event.class_uid, classUid, type);
    }
  });

  it('an unknown actor type keeps IP and user agent mapping and names the actor after its type', () => {
    const activity = act({
      ...base(),
      actor: { type: 'robot_actor', robot_id: 'rbt_1', ip_address: '198.51.100.7', user_agent: 'robot/1.0' },
    });
    const event = assertValidAndLossless(activity, 'robot_actor');
    assert.deepEqual(event.actor, { app_name: 'robot_actor' });
    assert.deepEqual(event.src_endpoint, { ip: '198.51.100.7' });
    assert.deepEqual((event.unmapped as Record<string, unknown>).actor, {
      type: 'robot_actor',
      robot_id: 'rbt_1',
    });
    const doc = toEcs(activity, clock);
    assert.deepEqual(doc.source, { ip: '198.51.100.7' });
    assert.deepEqual(doc.user_agent, { original: 'robot/1.0' });
  });

  it('an unknown actor on an unknown type still has the actor and source endpoint API Activity requires', () => {
    const activity = act({ ...base(), type: 'brand_new_thing', actor: { type: 'drone_actor' } });
    const event = assertValidAndLossless(activity, 'drone on unknown type');
    assert.deepEqual(event.src_endpoint, { name: 'drone_actor' });
  });

  it('structurally broken activities stay valid and are rebuilt exactly', () => {
    const cases: Record<string, Record<string, unknown>> = {
      'no actor': (({ actor: _a, ...rest }) => rest)(base()),
      'actor null': { ...base(), actor: null },
      'actor a string': { ...base(), actor: 'user_01X' },
      'actor an array': { ...base(), actor: [{ type: 'user_actor' }] },
      'actor without type': { ...base(), actor: { user_id: 'user_01X', ip_address: '192.0.2.1' } },
      'actor type not a string': { ...base(), actor: { type: 42, ip_address: '192.0.2.1' } },
      'no id, no created_at, no type': (({ id: _i, created_at: _c, type: _t, ...rest }) => rest)(base()),
      'numeric type and id': { ...base(), type: 7, id: 12345 },
      'empty id': { ...base(), id: '' },
      'organization null': { ...base(), organization_id: null, organization_uuid: null },
      'organization absent': (({ organization_id: _o, organization_uuid: _u, ...rest }) => rest)(base()),
      'created_at garbage': { ...base(), created_at: 'yesterday' },
      'created_at with offset': { ...base(), created_at: '2026-05-22T17:25:13.701734+02:00' },
      'created_at lowercase, no zone': { ...base(), created_at: '2026-05-22t15:25:13' },
      'created_at not a string': { ...base(), created_at: 1779463513701 },
      'IP not an IP': {
        ...base(),
        actor: { type: 'user_actor', user_id: 'user_01X', ip_address: '999.1.1.1' },
      },
      'IP too long for OCSF (zone id)': {
        ...base(),
        actor: {
          type: 'user_actor',
          user_id: 'user_01X',
          ip_address: 'fe80::1%an-interface-name-much-too-long-for-ocsf',
        },
      },
      IPv6: { ...base(), actor: { type: 'user_actor', user_id: 'user_01X', ip_address: '2001:db8::1' } },
      'email OCSF rejects': {
        ...base(),
        actor: { type: 'user_actor', user_id: 'user_01X', email_address: 'not an email' },
      },
      'no user_id, valid email': {
        ...base(),
        actor: { type: 'user_actor', email_address: 'alice@example.com' },
      },
      'everything null': {
        ...base(),
        actor: { type: 'user_actor', user_id: null, email_address: null, ip_address: null, user_agent: null },
      },
      'a __proto__ key': JSON.parse(
        '{"id":"activity_1","created_at":"2026-06-01T00:00:00Z","type":"group_created","__proto__":{"polluted":true},"actor":{"type":"user_actor","__proto__":{"x":1},"user_id":"user_1"}}',
      ) as Record<string, unknown>,
      'fields named like OCSF attributes': {
        ...base(),
        metadata: { uid: 'spoof' },
        unmapped: 'spoof',
        class_uid: 1,
        actor: { type: 'user_actor', user_id: 'u', user: { uid: 'spoof' } },
      },
      'federated actor with every provider shape': {
        ...base(),
        actor: { type: 'federated_actor', provider: { type: 'gcp', project_number: '123456789012' } },
      },
      'federated actor with a provider that is not an object': {
        ...base(),
        actor: { type: 'federated_actor', provider: 'aws', subject: null },
      },
      'scim actor without ids': {
        ...base(),
        actor: { type: 'scim_directory_sync_actor', idp_connection_type: null },
      },
      'system actor without service': { ...base(), actor: { type: 'system_actor' } },
    };
    for (const [label, activity] of Object.entries(cases))
      assertValidAndLossless(activity as unknown as Activity, label);
    // Hostile keys never reach the prototype of what we build.
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('the documented but unlisted staff-access types are API Activity reads of Medium severity', () => {
    for (const type of ['anthropic_access', 'cmek_preserve']) {
      const event = assertValidAndLossless(
        makeActivity({ type, actorType: 'anthropic_actor', seed: 3 }),
        type,
      );
      assert.equal(event.class_uid, 6003);
      assert.equal(event.activity_id, 2);
      assert.equal(event.severity_id, 3);
    }
  });
});
