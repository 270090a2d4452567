/**
 * The HEC comparison's receiver, in a process of its own so that its CPU is measured apart
 * from the sender's: test/support/hec-receiver.ts (the strict receiver the sink's tests
 * use: auth, channels, code table, every envelope parsed and validated). Talks to the
 * parent over IPC: announces its URL, then answers `{ want: n }` with a report once n events
 * are indexed.
 */
import { DEFAULT_HEC_TOKEN, startHecReceiver } from '../../test/support/hec-receiver';

export interface HecReceiverReport {
  readonly events: number;
  readonly distinctIds: number;
  readonly requests: number;
  /** performance.timeOrigin-based epoch ms of the first and the n-th indexed event. */
  readonly firstAt: number;
  readonly lastAt: number;
}

async function main(): Promise<void> {
  const receiver = await startHecReceiver({ tokens: { [DEFAULT_HEC_TOKEN]: { acks: false } } });
  const send = (m: unknown): void => void process.send?.(m);
  send({ url: receiver.url });
  process.on('message', (m: { want?: number }) => {
    const want = m.want;
    if (want === undefined) return;
    let firstAt: number | undefined;
    const poll = setInterval(() => {
      const events = receiver.events();
      if (events.length > 0) firstAt ??= events[0].at;
      if (events.length < want) return;
      clearInterval(poll);
      const ids = receiver.eventIds();
      const report: HecReceiverReport = {
        events: events.length,
        distinctIds: new Set(ids).size,
        requests: receiver.counts.event,
        firstAt: firstAt ?? events[0].at,
        lastAt: events[want - 1].at,
      };
      send(report);
    }, 10);
  });
  process.on('disconnect', () => void receiver.stop().then(() => process.exit(0)));
}

void main();
