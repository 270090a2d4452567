import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OneAtATime } from '../../src/util/one-at-a-time';

/**
 * File appends, checkpoint saves, the rate budget and an idempotent Kafka producer all take
 * turns through OneAtATime. Two appends running at once wrote over each other (the file
 * sink lost lines that way), and one failed turn must not stop the rest.
 */
test('work handed in runs one piece at a time, in order, and a failure fails only its caller', async () => {
  const turns = new OneAtATime();
  const log: string[] = [];
  let running = 0;
  const piece =
    (name: string, ms: number, fail = false) =>
    async () => {
      assert.equal(++running, 1, `${name} started while another piece ran`);
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`end ${name}`);
      running--;
      if (fail) throw new Error(`${name} failed`);
      return name;
    };
  const results = await Promise.allSettled([
    turns.run(piece('a', 30)),
    turns.run(piece('b', 5, true)),
    turns.run(piece('c', 1)),
  ]);
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  assert.deepEqual(
    results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
    ['a', 'b failed', 'c'],
  );
  let lastDone = false;
  void turns.run(piece('d', 20)).then(() => (lastDone = true));
  await turns.settled();
  assert.equal(lastDone, true, 'settled() waits for what was handed in before it');
});
