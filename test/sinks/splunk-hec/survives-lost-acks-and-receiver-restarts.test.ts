import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_HEC_TOKEN, startHecReceiver, type HecReceiver } from '../../support/hec-receiver';
import { captureLogger, deliverAll, ids, makeRecords, makeSink, settlesWithin, toBatches } from './helpers';

/**
 * The receiver's restart forgets every channel (ack ids start again from 0) and, as a real
 * indexer that crashed before replicating, drops the events whose ack had not become true.
 * A sink that ever counted a batch as delivered without its own `true` loses events here.
 */
describe('splunk_hec through lost acks and Splunk restarts', () => {
  let receiver: HecReceiver;

  before(async () => {
    receiver = await startHecReceiver({ tokens: { [DEFAULT_HEC_TOKEN]: { acks: true } } });
  });
  after(() => receiver.stop());

  const calm = (): void =>
    void Object.assign(receiver.faults, {
      busy: 0,
      loseAcks: 0,
      acksNeverTrue: false,
      ackDelayMs: 0,
      resetAfterIndexing: 0,
      resetBeforeIndexing: 0,
    });

  it('never releases a batch on an ack id Splunk re-issued to another batch after a restart', async () => {
    calm();
    const logger = captureLogger();
    const sink = makeSink(
      receiver,
      { indexer_acknowledgements: true, ack: { poll_interval: '20ms', timeout: '60s' } },
      logger,
    );
    receiver.faults.acksNeverTrue = true;
    const first = makeRecords(5, 0);
    const [batchA] = toBatches(sink, first);
    const sendingA = sink.send(batchA, new AbortController().signal);
    await receiver.waitFor(
      () => receiver.eventIds().includes(first[0].activity.id),
      5000,
      'batch A to be indexed',
    );
    await receiver.restart({ loseUnacknowledged: true });
    assert.ok(!receiver.eventIds().includes(first[0].activity.id), 'the restart lost batch A');
    receiver.faults.acksNeverTrue = false;

    // Batch B is given ack id 0 again, on the same channel, and acknowledged at once.
    const second = makeRecords(5, 100);
    const [batchB] = toBatches(sink, second);
    const sendingB = sink.send(batchB, new AbortController().signal);
    assert.deepEqual(await sendingB, { rejected: [] });
    assert.deepEqual(await sendingA, { rejected: [] });
    const counts = receiver.countById();
    for (const id of ids([...first, ...second]))
      assert.ok((counts.get(id) ?? 0) >= 1, `${id} indexed after the restart`);
    assert.equal(sink.ackStats!.channelResets, 1);
    assert.equal(receiver.channelIds().length, 2, 'continued on a new channel');
    assert.equal(logger.count('warn', /lost the indexer-ack state/), 1);
    await sink.close();
  });

  it('resends a batch whose ack died with Splunk once ack.timeout passes, when nothing else is sent', async () => {
    calm();
    const sink = makeSink(receiver, {
      indexer_acknowledgements: true,
      ack: { poll_interval: '20ms', timeout: '400ms' },
    });
    receiver.faults.acksNeverTrue = true;
    const records = makeRecords(5, 200);
    const done = deliverAll(sink, records);
    await receiver.waitFor(() => receiver.eventIds().includes(records[0].activity.id), 5000, 'indexing');
    await receiver.restart({ loseUnacknowledged: true });
    receiver.faults.acksNeverTrue = false;
    assert.equal(await settlesWithin(done, 200), false, 'still waiting for the (lost) ack');
    assert.deepEqual(await done, []);
    for (const id of ids(records)) assert.equal(receiver.countById().get(id), 1);
    assert.equal(sink.details.ackResends, 1);
    await sink.close();
  });

  it('indexes every activity at least once through 503 storms, lost acks, lost replies and restarts', async () => {
    calm();
    const logger = captureLogger();
    const sink = makeSink(
      receiver,
      {
        indexer_acknowledgements: true,
        ack: { poll_interval: '20ms', timeout: '600ms', max_pending: 3 },
        batch: { max_events: 25, concurrency: 4 },
      },
      logger,
    );
    const records = makeRecords(1500, 10_000);
    let restarts = 0;
    // A fixed schedule of faults (~2 s), then calm: a storm denser than the retry rate would
    // only prove that nothing gets through a permanent outage.
    const chaos = (async () => {
      for (let round = 0; round < 30; round++) {
        await new Promise((r) => setTimeout(r, 60));
        switch (round % 6) {
          case 0:
            receiver.faults.busy = 5;
            break;
          case 1:
            receiver.faults.loseAcks = 2;
            break;
          case 2:
            receiver.faults.ackDelayMs = 80;
            receiver.faults.resetAfterIndexing = 1;
            break;
          case 3:
            receiver.faults.resetBeforeIndexing = 2;
            break;
          case 4:
            if (restarts < 3) {
              restarts++;
              await receiver.restart({ loseUnacknowledged: true, downMs: 50 });
            }
            break;
          case 5:
            receiver.faults.ackDelayMs = 0;
            break;
        }
      }
    })();
    const delivering = deliverAll(sink, records);
    await chaos;
    calm();
    const rejected = await delivering;
    assert.deepEqual(rejected, []);
    assert.ok(restarts >= 1, 'at least one restart happened during delivery');

    // Everything still unreplicated vanishes now: a batch released on anything but its own
    // `true` would be missing below.
    await receiver.restart({ loseUnacknowledged: true });
    const counts = receiver.countById();
    const missing = ids(records).filter((id) => !counts.has(id));
    assert.deepEqual(missing, [], 'every activity indexed and replicated');
    const dupes = ids(records).filter((id) => (counts.get(id) ?? 0) > 1).length;
    logger.info('chaos summary', {
      restarts,
      duplicates: dupes,
      retries: sink.stats.retries,
      resends: sink.details.ackResends,
      resets: sink.ackStats!.channelResets,
    });
    assert.ok(sink.stats.retries > 0 && sink.details.ackResends > 0, 'the chaos did hit the sink');
    await sink.close();
  });
});
