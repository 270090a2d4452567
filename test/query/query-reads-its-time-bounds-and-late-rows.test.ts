import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SimulatorHandle } from '../../src/simulator';
import { activity, assertQueryGives, cli, emptyFeed, userActor } from './support/feed';

/**
 * `--since`/`--until` bound created_at as [since, until). Without --until the window ends
 * a minute ago, where the forwarder also stops: rows younger than the indexing lag are not
 * read, and a window reaching closer to the present says on stderr that it may be
 * incomplete. A row indexed late is read by the next query of the same window.
 */
let sim: SimulatorHandle;
const user = userActor('user_01TimeTest0000000000001', 't@example.com');
let old: ReturnType<typeof activity>;
let middle: ReturnType<typeof activity>;
let recent: ReturnType<typeof activity>;
let young: ReturnType<typeof activity>;

before(async () => {
  sim = await emptyFeed();
  old = activity(sim, 300, 'claude_chat_created', user);
  middle = activity(sim, 120, 'claude_chat_viewed', user);
  recent = activity(sim, 10, 'claude_file_viewed', user);
  young = activity(sim, 0.2, 'claude_chat_created', user);
  sim.append([old, middle, recent, young]);
});
after(() => sim?.close());

test('--since and --until as durations and as RFC 3339 times', async () => {
  await assertQueryGives(sim, ['--since', '4h', '--until', '1h'], [middle]);
  const since = new Date(Date.parse(middle.created_at) - 1).toISOString();
  await assertQueryGives(sim, ['--since', since, '--until', recent.created_at], [middle], ['json']);
});

test('the default --until leaves out rows younger than the indexing lag, silently', async () => {
  const r = await cli(sim, ['query', '--since', '6h', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const ids = r.stdout
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { id: string }).id);
  assert.deepEqual(ids, [old.id, middle.id, recent.id]);
  assert.doesNotMatch(r.stderr, /not indexed yet/);
});

test('a window reaching into the last minute reads what is there and warns it may be incomplete', async () => {
  const r = await cli(sim, ['query', '--since', '15m', '--until', '0s', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 2);
  assert.match(r.stderr, /rows the API has not indexed yet are missing/);
});

test('a row indexed late inside the window is read by the next query', async () => {
  const late = activity(sim, 90, 'claude_project_created', user);
  sim.append([late], { visibleAfterMs: 8000 });
  await assertQueryGives(sim, ['--since', '4h', '--until', '1h'], [middle], ['json']);
  while (!sim.allIds().includes(late.id)) await new Promise((r) => setTimeout(r, 200));
  await assertQueryGives(sim, ['--since', '4h', '--until', '1h'], [middle, late]);
});

test('a query for staff-access rows over recent days warns they can appear two business days late', async () => {
  const recentDays = await cli(sim, ['query', '--type', 'anthropic_*', '--since', '2h']);
  assert.equal(recentDays.code, 0, recentDays.stderr);
  assert.match(recentDays.stderr, /anthropic_access rows can appear up to two business days after/);
  const longAgo = await cli(sim, ['query', '--type', 'anthropic_access', '--since', '10d', '--until', '5d']);
  assert.doesNotMatch(longAgo.stderr, /business days/);
});

test('an inverted window is a usage error naming --since', async () => {
  const r = await cli(sim, ['query', '--since', '1h', '--until', '2h']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--since: the window is empty or inverted/);
});
