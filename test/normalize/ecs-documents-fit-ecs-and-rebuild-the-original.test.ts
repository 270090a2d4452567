import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { knownMappings, restoreFromEcs, toEcs } from '../../src/normalize';
import { ACTOR_TYPES, makeActivity, makeHostileActivity } from '../../src/simulator/generate';
import { ecsProblems } from './support/ecs-fields';

const NOW = Date.UTC(2026, 6, 1, 12, 0, 0, 0);
const clock = { now: () => NOW };

describe('ECS output', () => {
  it('the ECS checks reject documents Elasticsearch would refuse, so a pass means something', () => {
    const doc = toEcs(
      makeActivity({ type: 'platform_api_key_created', actorType: 'user_actor', seed: 1 }),
      clock,
    );
    assert.deepEqual(ecsProblems(doc), []);
    const broken: Record<string, (d: Record<string, unknown>) => void> = {
      'object where a keyword is mapped': (d) => (d.user = { id: { nested: true } }),
      'malformed source.ip': (d) => (d.source = { ip: '10.0.0.999' }),
      'date without zone': (d) => (d['@timestamp'] = '2026-06-01 00:00:00'),
      'unknown category': (d) => ((d.event as Record<string, unknown>).category = ['identity']),
      'field outside anthropic.audit': (d) => (d.workspace_id = 'wrkspc_1'),
      'no event.kind': (d) => delete (d.event as Record<string, unknown>).kind,
    };
    for (const [name, mutate] of Object.entries(broken)) {
      const copy = structuredClone(doc);
      mutate(copy);
      assert.notDeepEqual(ecsProblems(copy), [], `${name} should be caught`);
    }
  });

  it('every type × every actor variant (plain and hostile) fits ECS and rebuilds the original', () => {
    const problems: string[] = [];
    let docs = 0;
    for (const mapping of knownMappings()) {
      for (const [i, actorType] of ACTOR_TYPES.entries()) {
        const activities = [makeActivity({ type: mapping.type, actorType, seed: i + 1 })];
        if (i % 4 === 0) activities.push(makeHostileActivity(i + 100, { type: mapping.type, actorType }));
        for (const activity of activities) {
          docs++;
          const doc = toEcs(activity, clock);
          const label = `${mapping.type} / ${actorType}`;
          for (const p of ecsProblems(doc)) problems.push(`${label}: ${p}`);
          const event = doc.event as Record<string, unknown>;
          if (event.action !== activity.type || event.id !== activity.id)
            problems.push(`${label}: event.action / event.id`);
          if (JSON.stringify(event.category) !== JSON.stringify(mapping.ecsCategory))
            problems.push(`${label}: category`);
          try {
            assert.deepEqual(restoreFromEcs(doc), activity);
          } catch (err) {
            problems.push(`${label}: not rebuilt: ${String(err).slice(0, 600)}`);
          }
        }
      }
    }
    assert.equal(problems.length, 0, `${problems.length} problem(s):\n${problems.slice(0, 20).join('\n')}`);
    assert.ok(docs > 5000);
  });

  it('keeps created_at (microseconds) under anthropic.audit beside @timestamp, and stamps event.created from the clock', () => {
    const activity = makeActivity({
      type: 'claude_chat_created',
      actorType: 'user_actor',
      seed: 2,
      createdAt: '2026-05-22T15:25:13.701734Z',
    });
    const doc = toEcs(activity, clock);
    assert.equal(doc['@timestamp'], '2026-05-22T15:25:13.701734Z');
    assert.equal(
      (doc.anthropic as { audit: Record<string, unknown> }).audit.created_at,
      '2026-05-22T15:25:13.701734Z',
    );
    assert.equal((doc.event as Record<string, unknown>).created, '2026-07-01T12:00:00.000Z');

    const noZone = toEcs({ ...activity, created_at: '2026-05-22 15:25:13.5' }, clock);
    assert.equal(
      noZone['@timestamp'],
      '2026-05-22T15:25:13.500Z',
      'a time without zone is read as UTC, written strictly',
    );
    assert.deepEqual(ecsProblems(noZone), []);
  });

  it('looks like Elastic’s anthropic integration: ECS where ECS has a field, everything else under anthropic.audit', () => {
    const byKey = toEcs(
      makeActivity({
        type: 'compliance_api_accessed',
        actorType: 'api_actor',
        seed: 4,
        fields: { status_code: 401 },
      }),
      clock,
    );
    const audit = (byKey.anthropic as { audit: Record<string, unknown> }).audit;
    assert.equal((audit.actor as Record<string, unknown>).type, 'api_actor');
    assert.match(String((audit.actor as Record<string, unknown>).api_key_id), /^apikey_/);
    assert.equal((byKey.event as Record<string, unknown>).outcome, 'failure', 'a 401 is a failed access');
    assert.deepEqual((byKey.http as Record<string, unknown>).response, { status_code: 401 });
    assert.match(
      String((byKey.url as Record<string, unknown>).original),
      /^https:\/\/api\.anthropic\.com\/v1\/compliance\/activities/,
    );

    const deleted = toEcs(
      makeActivity({
        type: 'org_user_deleted',
        actorType: 'user_actor',
        seed: 5,
        fields: { deleted_user_id: 'user_01Gone', deleted_user_email: 'gone@example.com' },
      }),
      clock,
    );
    assert.deepEqual((deleted.user as Record<string, unknown>).target, {
      id: 'user_01Gone',
      email: 'gone@example.com',
    });
    assert.deepEqual((deleted.event as Record<string, unknown>).category, ['iam']);
    assert.deepEqual((deleted.event as Record<string, unknown>).type, ['user', 'deletion']);
    assert.ok(((deleted.related as Record<string, unknown>).user as string[]).includes('gone@example.com'));

    const login = toEcs(
      makeActivity({ type: 'sso_login_failed', actorType: 'unauthenticated_user_actor', seed: 6 }),
      clock,
    );
    assert.deepEqual((login.event as Record<string, unknown>).category, ['authentication']);
    assert.equal((login.event as Record<string, unknown>).outcome, 'failure');
  });

  it('event.original carries the raw activity only when asked', () => {
    const activity = makeActivity({ type: 'group_created', actorType: 'user_actor', seed: 8 });
    assert.equal((toEcs(activity, clock).event as Record<string, unknown>).original, undefined);
    const withRaw = toEcs(activity, { ...clock, includeRawData: true, raw: '{"as":"received"}' });
    assert.equal((withRaw.event as Record<string, unknown>).original, '{"as":"received"}');
    assert.deepEqual(ecsProblems(withRaw), []);
  });
});
