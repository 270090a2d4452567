import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveMapping, toEcs, toOcsf } from '../../src/normalize';
import { makeActivity } from '../../src/simulator/generate';

/**
 * A type marked `fields_unknown` carries fields its catalogue entry does not name. The
 * mapping must not trust that partial list to decide which fields can exist: a subject id or
 * a user acted upon that arrives in such a field is used like a documented one.
 */

type Json = Record<string, unknown>;

function event(type: string, fields: Json): { ocsf: Json; ecs: Json } {
  const activity = makeActivity({ type, actorType: 'user_actor', seed: 11, fields });
  return { ocsf: toOcsf(activity), ecs: toEcs(activity) };
}

describe('types with an incomplete field list', () => {
  it('name their subject from an id field the list lacks', () => {
    const { ocsf } = event('claude_plugin_downloaded', {
      plugin_id: 'plugin_01Undocumented',
      plugin_name: 'Release notes',
    });
    assert.deepEqual((ocsf.web_resources as Json[])[0], {
      uid: 'plugin_01Undocumented',
      name: 'Release notes',
      type: 'plugin',
    });
  });

  it('name the user acted upon from a field the list lacks, in OCSF and ECS', () => {
    const { ocsf, ecs } = event('claude_code_security_scan_project_member_updated', {
      user_id: 'user_01Target',
      role: 'viewer',
    });
    assert.equal((ocsf.user as Json).uid, 'user_01Target');
    assert.deepEqual(ocsf.privileges, ['viewer']);
    assert.deepEqual((ecs.user as Json).target, { id: 'user_01Target' });

    const left = event('org_user_shares_retained', { user_id: 'user_01Departed', resource_count: 3 });
    assert.equal((left.ocsf.user as Json).uid, 'user_01Departed');
  });

  it('keep the subject their listed fields already name, without looking per event', () => {
    const m = resolveMapping('claude_skill_created');
    assert.equal(m.subjectId, 'skill_id');
    assert.equal(m.detectSubject, false);
  });

  it('stay without a subject id when the event carries none', () => {
    const { ocsf } = event('claude_plugin_downloaded', {});
    assert.deepEqual((ocsf.web_resources as Json[])[0], { name: 'plugin', type: 'plugin' });
  });
});
