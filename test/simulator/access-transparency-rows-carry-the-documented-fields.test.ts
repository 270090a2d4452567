import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSimulator } from '../../src/simulator';
import { isAccessTransparencyType } from '../../src/simulator/access-transparency';
import { makeActivity } from '../../src/simulator/generate';
import { parseMicros } from '../../src/simulator/time';
import { walkAfter } from './helpers';

/** spec/access-transparency.md §2.2–2.4: the fields of `anthropic_access` and `cmek_preserve`. */
const REASON_CODES = ['safety_review', 'incident_response', 'policy_violation_investigation', 'csae_report'];
const FRACTIONS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}|\.\d{6}|\.\d{9})?Z$/;

describe('Access Transparency fields', () => {
  it('carry accessed_at ≤ created_at, a closed reason code, a department, an anthropic_actor and optional workspace and resource', () => {
    const digits = new Set<number>();
    const seen = { workspace: 0, nullWorkspace: 0, noWorkspace: 0, resource: 0, noResource: 0 };
    for (let seed = 0; seed < 400; seed++) {
      for (const type of ['anthropic_access', 'cmek_preserve']) {
        const a = makeActivity({ type, actorType: 'anthropic_actor', seed });
        const where = `${type} seed ${seed}`;
        assert.deepEqual(a.actor, { type: 'anthropic_actor', email_address: null }, where);
        assert.match(String(a.accessed_at), FRACTIONS, where);
        digits.add((/\.(\d+)Z$/.exec(String(a.accessed_at))?.[1] ?? '').length);
        assert.ok(
          (parseMicros(String(a.accessed_at)) ?? Infinity) <= (parseMicros(a.created_at) ?? 0),
          `${where}: accessed_at after created_at`,
        );
        assert.ok(REASON_CODES.includes(String(a.reason_code)), where);
        assert.ok(['Safeguards', 'Trust & Safety'].includes(String(a.accessor_department)), where);
        assert.equal(typeof a.organization_id, 'string', where);
        assert.equal(typeof a.organization_uuid, 'string', where);
        if (typeof a.workspace_id === 'string') {
          seen.workspace++;
          assert.match(a.workspace_id, /^wrkspc_01/);
          assert.match(
            String(a.workspace_uuid),
            /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
            where,
          );
        } else {
          assert.ok(!('workspace_uuid' in a), `${where}: workspace_uuid only with a workspace_id`);
          if (a.workspace_id === null) seen.nullWorkspace++;
          else seen.noWorkspace++;
        }
        if (a.resource_details === undefined || a.resource_details === null) seen.noResource++;
        else {
          seen.resource++;
          const r = a.resource_details as Record<string, unknown>;
          assert.equal(r.type, 'message', where);
          assert.match(String(r.id), /^msg_01/, where);
          assert.ok(r.parent === undefined || r.parent === null, where);
        }
        assert.ok(!('transparency_log_leaf_index' in a), 'the generator alone stamps no leaf');
        for (const gone of ['reason', 'ticket_id']) assert.ok(!(gone in a), `${where}: no ${gone}`);
      }
    }
    assert.deepEqual([...digits].sort(), [0, 3, 6, 9]);
    assert.ok(
      Object.values(seen).every((n) => n > 0),
      JSON.stringify(seen),
    );
  });

  it('keeps the same workspace_uuid for the same workspace_id', () => {
    const uuids = new Map<string, string>();
    for (let seed = 0; seed < 300; seed++) {
      const a = makeActivity({ type: 'anthropic_access', actorType: 'anthropic_actor', seed });
      if (typeof a.workspace_id !== 'string') continue;
      const known = uuids.get(a.workspace_id);
      if (known) assert.equal(a.workspace_uuid, known);
      uuids.set(a.workspace_id, String(a.workspace_uuid));
    }
    assert.ok(uuids.size > 1);
  });

  it('are served by the simulator with the tenant organization', async () => {
    const sim = await startSimulator({
      seed: 33,
      backlog: 2000,
      staffAccessRate: 0.05,
      accessTransparency: { visibilityDelay: { lateRate: 0 } },
      rateLimit: false,
      selfEvents: false,
    });
    try {
      const served = (await walkAfter(sim, { limit: 1000 })).pages
        .flatMap((p) => p.data)
        .filter((a) => isAccessTransparencyType(a.type));
      assert.ok(served.length > 50);
      for (const a of served) {
        assert.equal(a.organization_id, sim.tenant.organizationId);
        assert.equal(a.organization_uuid, sim.tenant.organizationUuid);
        assert.equal(a.actor.type, 'anthropic_actor');
      }
    } finally {
      await sim.close();
    }
  });
});
