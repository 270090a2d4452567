import { after, before, test } from 'node:test';
import type { SimulatorHandle } from '../../src/simulator';
import { activity, assertQueryGives, emptyFeed, keyActor, userActor } from './support/feed';

/**
 * The same key is `apikey_01X…` on an api_actor and `admin_api_key_01X…` on an
 * admin_api_key_actor: `--api-key` with either prefix finds both, and no other key.
 */
let sim: SimulatorHandle;
let asApiKey: ReturnType<typeof activity>;
let asAdminKey: ReturnType<typeof activity>;

before(async () => {
  sim = await emptyFeed();
  asApiKey = activity(sim, 80, 'claude_chat_created', keyActor('api_key_id', 'apikey_01LeakedKeySuffix'));
  asAdminKey = activity(
    sim,
    60,
    'org_user_deleted',
    keyActor('admin_api_key_id', 'admin_api_key_01LeakedKeySuffix'),
  );
  sim.append([
    asApiKey,
    activity(sim, 70, 'claude_chat_created', keyActor('api_key_id', 'apikey_01AnotherKey')),
    asAdminKey,
    // A user acting on the key is not the key acting.
    activity(
      sim,
      50,
      'platform_api_key_updated',
      userActor('user_01KeyTest0000000000000001', 'c@example.com'),
      {
        api_key_id: 'apikey_01LeakedKeySuffix',
      },
    ),
  ]);
});
after(() => sim?.close());

test('by its apikey_ id', async () => {
  await assertQueryGives(sim, ['--api-key', 'apikey_01LeakedKeySuffix'], [asApiKey, asAdminKey]);
});

test('by its admin_api_key_ id', async () => {
  await assertQueryGives(
    sim,
    ['--api-key', 'admin_api_key_01LeakedKeySuffix'],
    [asApiKey, asAdminKey],
    ['json', 'csv'],
  );
});
