import { sleep } from '../util/retry';

/** After the poll cycles, the least urgent request there is (0-9, see sliced-pages.ts). */
export const PROBE_URGENCY = 9;

/**
 * Awaits `held`, the poller's wait for its sinks (room in a full buffer, a cycle committed),
 * and meanwhile asks the API once every `everyMs`. A poller held back by its sinks makes no
 * requests, so without this an API outage that starts while a sink is down (or slow) stays
 * invisible to readiness until the sink frees it. The probe costs at most what polling at the
 * poll interval would.
 */
export async function probeWhileHeld<T>(
  held: Promise<T>,
  probe: (signal: AbortSignal) => Promise<void>,
  everyMs: number,
  signal: AbortSignal,
): Promise<T> {
  const done = new AbortController();
  const stop = AbortSignal.any([signal, done.signal]);
  const probing = (async () => {
    for (;;) {
      await sleep(everyMs, stop).catch(() => undefined);
      if (stop.aborted) return;
      await probe(stop);
    }
  })();
  try {
    return await held;
  } finally {
    done.abort();
    await probing;
  }
}
