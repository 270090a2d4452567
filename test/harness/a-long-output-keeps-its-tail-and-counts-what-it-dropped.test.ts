import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli, startCli } from '../support/forwarder';

/**
 * The harness bounds what it keeps of a forwarder's output (a long chaos run must not grow
 * without end), and says how much it dropped: the security scenario fails on any drop, since a
 * secret in the dropped part would go unseen.
 */
test('a bounded capture keeps the last characters of stdout and counts the rest', async () => {
  const whole = await runCli(['validate', '--print-schema']);
  assert.equal(whole.code, 0, whole.stderr);
  assert.ok(whole.stdout.length > 4000, `the schema is long enough to cut (${whole.stdout.length})`);

  const max = 1000;
  const p = startCli(['validate', '--print-schema'], {
    maxOutputChars: max,
  });
  const cut = await p.exited;
  assert.equal(cut.code, 0, cut.stderr);
  assert.ok(cut.stdout.length <= max, `kept ${cut.stdout.length} characters, bound ${max}`);
  assert.ok(cut.stdout.length > 0);
  assert.ok(whole.stdout.endsWith(cut.stdout), 'what is kept is the end of the output');
  assert.equal(p.droppedOutputChars(), whole.stdout.length - cut.stdout.length);
});
