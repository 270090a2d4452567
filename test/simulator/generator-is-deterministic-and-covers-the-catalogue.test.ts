import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACTIVITY_TYPES, ACTOR_VARIANTS } from '../../src/catalogue';
import { SELF_EVENT_TYPE } from '../../src/source/activity';
import {
  allKinds,
  makeActivity,
  makeHostileActivity,
  makeRandomActivity,
  usualActors,
} from '../../src/simulator/generate';
import { hostileStrings } from '../../src/simulator/hostile';
import { DEFAULT_TENANT, makeTenant } from '../../src/simulator/tenant';
import { enumValues, parseTypeText } from '../../src/simulator/values';

const ACTIVITY_ID = /^activity_01[1-9A-HJ-NP-Za-km-z]{22,24}$/;
const MICROS_RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('generator', () => {
  it('returns the same activity for the same spec, and different ones for different seeds', () => {
    const spec = { type: 'platform_api_key_updated', actorType: 'user_actor', seed: 1234 };
    assert.deepEqual(makeActivity(spec), makeActivity(spec));
    assert.notDeepEqual(makeActivity(spec), makeActivity({ ...spec, seed: 1235 }));
    for (let seed = 0; seed < 200; seed++)
      assert.deepEqual(makeRandomActivity(seed), makeRandomActivity(seed));
  });

  it('keeps a given id and created_at exactly', () => {
    const a = makeActivity({
      type: 'claude_chat_created',
      actorType: 'user_actor',
      seed: 9,
      id: 'activity_01XyDMpzjS89pFZXqSFUBDr6',
      createdAt: '2026-05-22T15:25:13.701734Z',
    });
    assert.equal(a.id, 'activity_01XyDMpzjS89pFZXqSFUBDr6');
    assert.equal(a.created_at, '2026-05-22T15:25:13.701734Z');
    assert.throws(
      () =>
        makeActivity({
          type: 'claude_chat_created',
          actorType: 'user_actor',
          seed: 9,
          createdAt: 'yesterday',
        }),
      /RFC 3339/,
    );
  });

  it('generates every catalogue type with every actor variant it allows, shaped as the spec says', () => {
    const kinds = allKinds();
    assert.ok(kinds.length > ACTIVITY_TYPES.length, 'several actor variants per type');
    const typesSeen = new Set<string>();
    for (const [i, kind] of kinds.entries()) {
      for (const seed of [i, i + 100_000]) {
        const a = makeActivity({ ...kind, seed });
        const where = `${kind.type}/${kind.actorType}/seed ${seed}`;
        assert.match(a.id, ACTIVITY_ID, where);
        assert.match(a.created_at, MICROS_RFC3339, where);
        assert.equal(a.type, kind.type, where);
        assert.equal(a.actor.type, kind.actorType, where);
        if (a.organization_id !== undefined && a.organization_id !== null) {
          assert.equal(a.organization_id, DEFAULT_TENANT.organizationId, where);
          assert.match(String(a.organization_uuid), UUID, where);
        }
        // Every required (non-optional) field of the actor variant is present.
        for (const field of ACTOR_VARIANTS[kind.actorType] ?? []) {
          if (!parseTypeText(field.type).optional)
            assert.ok(field.name in a.actor, `${where}: actor.${field.name}`);
        }
        // Every required type-specific field is present, flat beside `type`, and fits its type text.
        const entry = ACTIVITY_TYPES.find((t) => t.type === kind.type);
        for (const field of entry?.fields ?? []) {
          const t = parseTypeText(field.type);
          if (!t.optional) assert.ok(field.name in a, `${where}: ${field.name}`);
          const v = a[field.name];
          if (v === undefined || v === null) {
            if (v === null) assert.ok(t.nullable, `${where}: ${field.name} is null but not nullable`);
            continue;
          }
          if (t.base === 'string') assert.equal(typeof v, 'string', `${where}: ${field.name}`);
          if (t.base === 'number') assert.equal(typeof v, 'number', `${where}: ${field.name}`);
          if (t.base === 'boolean') assert.equal(typeof v, 'boolean', `${where}: ${field.name}`);
          if (t.base.startsWith('array of')) assert.ok(Array.isArray(v), `${where}: ${field.name}`);
          if (t.base.startsWith('"'))
            assert.ok(enumValues(t.base).includes(String(v)), `${where}: ${field.name}=${String(v)}`);
        }
        typesSeen.add(a.type);
      }
    }
    assert.equal(typesSeen.size, ACTIVITY_TYPES.length);
  });

  it('shapes ids by field name and fills updates[] and compliance_api_accessed like the live feed', () => {
    for (let seed = 0; seed < 30; seed++) {
      const a = makeActivity({ type: 'platform_api_key_updated', actorType: 'admin_api_key_actor', seed });
      assert.match(String(a.api_key_id), /^apikey_01/);
      assert.match(String(a.actor.admin_api_key_id), /^admin_api_key_01/);
      const updates = a.updates as { type: string; previous_value: unknown; current_value: unknown }[];
      assert.ok(Array.isArray(updates) && updates.length > 0);
      for (const u of updates) {
        assert.ok(['name', 'status', 'workspace'].includes(u.type));
        assert.ok('previous_value' in u && 'current_value' in u);
      }
      const w = makeActivity({ type: 'platform_workspace_created', actorType: 'user_actor', seed });
      assert.match(String(w.workspace_id), /^wrkspc_01/);
    }
    const self = makeActivity({ type: SELF_EVENT_TYPE, actorType: 'api_actor', seed: 5 });
    assert.match(String(self.request_id), /^req_01/);
    assert.equal(self.request_method, 'GET');
    assert.equal(typeof self.status_code, 'number');
    assert.match(String(self.url), /\/v1\/compliance\/activities\?.+/);
    assert.equal(self.request_body, null);
    assert.deepEqual(usualActors(SELF_EVENT_TYPE), ['api_actor', 'admin_api_key_actor']);
  });

  it('produces every actor variant with realistic values, IPv6 included', () => {
    const seen = { ipv4: 0, ipv6: 0, optionalNull: 0, optionalAbsent: 0 };
    const providers = new Set<string>();
    for (let seed = 0; seed < 400; seed++) {
      const user = makeActivity({ type: 'claude_chat_created', actorType: 'user_actor', seed }).actor;
      assert.match(String(user.user_id), /^user_01/);
      assert.match(String(user.email_address), /^[^@\s]+@[^@\s]+\.[a-z]+$/);
      if (String(user.ip_address).includes(':')) seen.ipv6++;
      else seen.ipv4++;
      const fed = makeActivity({ type: 'claude_chat_created', actorType: 'federated_actor', seed }).actor;
      const provider = fed.provider as { type: string };
      providers.add(provider.type);
      if (!('ip_address' in fed)) seen.optionalAbsent++;
      if (fed.ip_address === null) seen.optionalNull++;
      const scim = makeActivity({
        type: 'claude_chat_created',
        actorType: 'scim_directory_sync_actor',
        seed,
      }).actor;
      assert.match(String(scim.directory_id), /^directory_01/);
      assert.match(String(scim.workos_event_id), /^event_01/);
      const fid = makeActivity({
        type: 'claude_chat_created',
        actorType: 'federated_identity_actor',
        seed,
      }).actor;
      assert.match(String(fid.issuer), /^https:\/\//);
      assert.equal(typeof fid.subject, 'string');
      const dev = makeActivity({
        type: 'claude_chat_created',
        actorType: 'attested_device_actor',
        seed,
      }).actor;
      assert.match(String(dev.external_client_id), /^clid_01/);
      assert.match(String(dev.kid_hash), /^[0-9a-f]+$/);
      assert.equal(
        makeActivity({ type: 'claude_chat_created', actorType: 'anthropic_actor', seed }).actor.email_address,
        null,
      );
    }
    assert.ok(seen.ipv4 > 0 && seen.ipv6 > 0, `both IP families: ${JSON.stringify(seen)}`);
    assert.ok(
      seen.optionalNull > 0 && seen.optionalAbsent > 0,
      'optional actor fields are sometimes null, sometimes absent',
    );
    assert.deepEqual([...providers].sort(), ['aws', 'azure', 'gcp', 'oidc']);
  });

  it('sometimes leaves optional fields out and sometimes sets them null', () => {
    let absent = 0;
    let nulls = 0;
    let values = 0;
    for (let seed = 0; seed < 300; seed++) {
      const a = makeActivity({ type: 'claude_chat_created', actorType: 'user_actor', seed });
      if (!('claude_project_id' in a)) absent++;
      else if (a.claude_project_id === null) nulls++;
      else values++;
    }
    assert.ok(absent > 0 && nulls > 0 && values > 0, JSON.stringify({ absent, nulls, values }));
  });

  it('gives some sign-in records no organization, as the live feed does', () => {
    let nullOrg = 0;
    let absentOrg = 0;
    for (let seed = 0; seed < 300; seed++) {
      const a = makeActivity({ type: 'sso_login_failed', actorType: 'unauthenticated_user_actor', seed });
      if (a.organization_id === null) {
        nullOrg++;
        assert.equal(a.organization_uuid, null);
      }
      if (!('organization_id' in a)) absentOrg++;
    }
    assert.ok(nullOrg > 0 && absentOrg > 0);
  });

  it('uses the tenant it is given, and unknown types or actor types still produce a record', () => {
    const tenant = makeTenant(77);
    const a = makeActivity({ type: 'claude_chat_created', actorType: 'user_actor', seed: 3, tenant });
    assert.equal(a.organization_id, tenant.organizationId);
    assert.ok(tenant.users.some((u) => u.id === a.actor.user_id));
    const unknown = makeActivity({ type: 'brand_new_type_2027', actorType: 'robot_actor', seed: 3 });
    assert.equal(unknown.type, 'brand_new_type_2027');
    assert.equal(unknown.actor.type, 'robot_actor');
    const staff = makeActivity({ type: 'anthropic_access', actorType: 'anthropic_actor', seed: 3 });
    assert.ok(
      Date.parse(String(staff.accessed_at)) <= Date.parse(staff.created_at),
      'accessed before it became visible',
    );
  });

  it('makes 100 000 distinct ids from 100 000 seeds', () => {
    const ids = new Set<string>();
    for (let seed = 0; seed < 100_000; seed++) ids.add(makeRandomActivity(seed).id);
    assert.equal(ids.size, 100_000);
  });
});

describe('hostile activities', () => {
  it('carry every hostile sample, stay valid activities, and survive a JSON round trip', () => {
    const samples = Object.values(hostileStrings());
    const kinds = [
      'crlf',
      'quotes',
      'bracket',
      'pipe',
      'equals',
      'backslash',
      'unicode',
      'emoji',
      'rtl',
      'nul',
      'syslog_header',
      'long',
    ];
    for (const k of kinds) assert.ok(k in hostileStrings(), k);
    assert.ok(hostileStrings().long.length >= 3000);
    assert.match(hostileStrings().syslog_header, /^<13>1 2026-/);
    for (let seed = 0; seed < 50; seed++) {
      const a = makeHostileActivity(seed);
      assert.match(a.id, ACTIVITY_ID);
      assert.match(a.created_at, MICROS_RFC3339);
      const values = JSON.stringify(a);
      for (const s of samples)
        assert.ok(
          values.includes(JSON.stringify(s).slice(1, -1)),
          `seed ${seed} lacks ${JSON.stringify(s).slice(0, 40)}`,
        );
      assert.deepEqual(JSON.parse(values), a);
      assert.deepEqual(makeHostileActivity(seed), a, 'deterministic');
    }
    const strings = JSON.stringify(
      makeHostileActivity(1, { type: 'claude_chat_created', actorType: 'user_actor' }).actor,
    );
    assert.ok(
      samples.some((s) => strings.includes(JSON.stringify(s).slice(1, -1))),
      'the actor carries hostile strings too',
    );
  });
});
