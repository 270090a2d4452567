import { after, before, test } from 'node:test';
import type { SimulatorHandle } from '../../src/simulator';
import { activity, assertQueryGives, emptyFeed, userActor } from './support/feed';

/**
 * `--org` goes to the API as organization_ids[] (an org_… id or the UUID): that
 * organization's activities, plus the ones with no organization (the API returns those
 * for any organization filter, as documented); never another organization's.
 */
let sim: SimulatorHandle;
let ours: ReturnType<typeof activity>;
let noOrg: ReturnType<typeof activity>;

before(async () => {
  sim = await emptyFeed();
  const user = userActor('user_01OrgTest00000000000001', 'o@example.com');
  ours = activity(sim, 80, 'claude_chat_created', user);
  noOrg = activity(sim, 60, 'magic_link_login_succeeded', user, {
    organization_id: null,
    organization_uuid: null,
  });
  sim.append([
    ours,
    activity(sim, 70, 'claude_chat_created', user, {
      organization_id: 'org_01SomeOtherOrganization1',
      organization_uuid: '11111111-2222-3333-4444-555555555555',
    }),
    noOrg,
  ]);
});
after(() => sim?.close());

test('by org_ id', async () => {
  await assertQueryGives(sim, ['--org', sim.tenant.organizationId], [ours, noOrg]);
});

test('by organization UUID', async () => {
  await assertQueryGives(sim, ['--org', sim.tenant.organizationUuid], [ours, noOrg], ['json', 'ocsf']);
});
