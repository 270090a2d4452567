import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateGovernor } from '../../src/source/rate-limit';

/**
 * The forwarder's main thread is busy tens of milliseconds at a time (a page of 5000
 * activities is parsed and normalized in one go), so the timer that starts the next request
 * often fires late. Counting the spacing from each late start lost that lateness every
 * time; a request that waited now starts on its slot, and a late start does not move the
 * next one. The budget must still hold: no stretch of time may see more requests than its
 * share plus one, and time nobody waited for is not saved up.
 */
function busyWait(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // the event loop is blocked, as by a page being processed
  }
}

test('requests keep their pace through a busy event loop, and never exceed the budget', async () => {
  const spacing = 50;
  const governor = new RateGovernor(60_000 / spacing);
  // The loop is blocked for 35 ms out of every 45: most timers fire late, by up to 35 ms.
  const blocker = setInterval(() => busyWait(35), 45);
  const starts: number[] = [];
  try {
    await Promise.all(
      Array.from({ length: 41 }, () => governor.schedule(async () => void starts.push(Date.now()))),
    );
  } finally {
    clearInterval(blocker);
    await governor.stop();
  }
  starts.sort((a, b) => a - b);
  const span = starts.at(-1)! - starts[0];
  // 40 gaps of 50 ms are 2 000 ms; counting each gap from a late start took ~2 800 ms here.
  assert.ok(span < 40 * spacing + 250, `41 requests took ${span} ms at ${spacing} ms spacing`);
  // The budget: any j - i gaps span at least (j - i - 1) spacings.
  for (let i = 0; i < starts.length; i++) {
    for (let j = i + 1; j < starts.length; j++) {
      assert.ok(
        starts[j] - starts[i] >= (j - i - 1) * spacing,
        `requests ${i}..${j} came ${starts[j] - starts[i]} ms apart`,
      );
    }
  }
});

test('a request that comes after its slot has passed starts the spacing afresh', async () => {
  const spacing = 200;
  const governor = new RateGovernor(60_000 / spacing);
  const starts: number[] = [];
  const request = async () => void starts.push(Date.now());
  try {
    await governor.schedule(request);
    // Nothing waits for the next slot (a retry sleeping out a 429, a quiet poll): it passes.
    await new Promise((r) => setTimeout(r, spacing * 1.5));
    await Promise.all([governor.schedule(request), governor.schedule(request)]);
  } finally {
    await governor.stop();
  }
  assert.ok(starts[1] - starts[0] >= spacing * 1.5 - 5, 'the late request went when it came');
  // Counting from its missed slot would let the third go after half a spacing.
  assert.ok(
    starts[2] - starts[1] >= spacing - 5,
    `the next request came ${starts[2] - starts[1]} ms after it (spacing ${spacing} ms)`,
  );
});
