import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SimulatorHandle } from '../../src/simulator';
import { activity, assertQueryGives, emptyFeed, keyActor, userActor } from './support/feed';

/**
 * `--user` takes a user_… id (sent to the API as actor_ids[]) or an email (matched on the
 * actor, any case): both name the same person's activities, and no one else's.
 */
let sim: SimulatorHandle;
const ada = userActor('user_01UserTestAda000000000001', 'Ada@Example.com');
const bob = userActor('user_01UserTestBob000000000002', 'bob@example.com');
let adaChat: ReturnType<typeof activity>;
let adaLogin: ReturnType<typeof activity>;
let bobChat: ReturnType<typeof activity>;

before(async () => {
  sim = await emptyFeed();
  adaChat = activity(sim, 80, 'claude_chat_created', ada);
  bobChat = activity(sim, 70, 'claude_chat_created', bob);
  adaLogin = activity(sim, 50, 'magic_link_login_succeeded', ada);
  sim.append([
    adaChat,
    bobChat,
    adaLogin,
    activity(sim, 40, 'claude_chat_viewed', keyActor('api_key_id', 'apikey_01Other')),
  ]);
});
after(() => sim?.close());

test('a user by id: the API filters by actor_ids[]', async () => {
  await assertQueryGives(sim, ['--user', 'user_01UserTestAda000000000001'], [adaChat, adaLogin]);
  assert.match(sim.requests().at(-1)?.path ?? '', /actor_ids%5B%5D=user_01UserTestAda/);
});

test('the same user by email, in another case', async () => {
  await assertQueryGives(sim, ['--user', 'ada@example.COM'], [adaChat, adaLogin]);
});

test('an id and an email together give both people', async () => {
  await assertQueryGives(
    sim,
    ['--user', 'bob@example.com', '--user', 'user_01UserTestAda000000000001'],
    [adaChat, bobChat, adaLogin],
    ['json'],
  );
});
