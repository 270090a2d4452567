import { after, before, test } from 'node:test';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { activity, assertQueryGives, emptyFeed, userActor } from './support/feed';

/**
 * `--type` takes exact types (sent to the API as activity_types[]) and globs (matched here,
 * the API knowing none): either way exactly the activities of those types, in every format.
 */
let sim: SimulatorHandle;
const user = userActor('user_01TypeTest00000000000001', 'ada@example.com');
let created: ReturnType<typeof activity>;
let updated: ReturnType<typeof activity>;
let chat: ReturnType<typeof activity>;

before(async () => {
  sim = await emptyFeed();
  created = activity(sim, 90, 'platform_api_key_created', user, { api_key_id: 'apikey_01Made' });
  updated = activity(sim, 60, 'platform_api_key_updated', user, { api_key_id: 'apikey_01Made' });
  chat = activity(sim, 30, 'claude_chat_created', user);
  sim.append([created, updated, chat]);
});
after(() => sim?.close());

test('an exact type goes to the API and gives only that type', async () => {
  await assertQueryGives(sim, ['--type', 'platform_api_key_created'], [created]);
  const asked = sim.requests().at(-1)?.path ?? '';
  if (!asked.includes('activity_types%5B%5D=platform_api_key_created'))
    throw new Error(`the type was not sent to the API: ${asked}`);
});

test('a glob matches every type it covers, and an exact type beside it still counts', async () => {
  await assertQueryGives(sim, ['--type', 'platform_api_key_*'], [created, updated]);
  await assertQueryGives(
    sim,
    ['--type', '*_updated', '--type', 'claude_chat_created'],
    [updated, chat],
    ['json'],
  );
});

test('a type nothing has gives nothing', async () => {
  await assertQueryGives(sim, ['--type', 'org_*'], [], ['json', 'table']);
});

test('a staff-access type is matched here, never sent to an API whose type enum lacks it', async () => {
  const refusing = await startSimulator({
    seed: 19,
    backlog: 0,
    selfEvents: false,
    acceptUnlistedTypes: false,
  });
  try {
    const staff = activity(refusing, 20, 'anthropic_access', {
      type: 'anthropic_actor',
      email_address: null,
    });
    refusing.append([staff, activity(refusing, 10, 'claude_chat_created', user)]);
    await assertQueryGives(refusing, ['--type', 'anthropic_access'], [staff], ['json']);
  } finally {
    await refusing.close();
  }
});
