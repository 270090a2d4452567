import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_HEC_TOKEN, startHecReceiver, type HecReceiver } from '../../support/hec-receiver';
import { captureLogger, deliverAll, ids, makeRecords, makeSink, settlesWithin, toBatches } from './helpers';

/**
 * With indexer acknowledgements a batch is delivered only when /services/collector/ack says
 * true: the pipeline may checkpoint past it then, and not one moment earlier.
 */
describe('splunk_hec with indexer acknowledgements', () => {
  let receiver: HecReceiver;

  before(async () => {
    receiver = await startHecReceiver({ tokens: { [DEFAULT_HEC_TOKEN]: { acks: true } } });
  });
  after(() => receiver.stop());

  const fresh = (): void => {
    Object.assign(receiver.faults, { ackDelayMs: 0, acksNeverTrue: false, loseAcks: 0 });
  };

  it('does not resolve send until the batch’s ack is true, although Splunk has indexed it', async () => {
    fresh();
    const sink = makeSink(receiver, { indexer_acknowledgements: true });
    await sink.start(new AbortController().signal);
    receiver.faults.acksNeverTrue = true;
    const records = makeRecords(5, 1000);
    const [batch] = toBatches(sink, records);
    const sent = sink.send(batch, new AbortController().signal);
    await receiver.waitFor(
      () => ids(records).every((id) => receiver.eventIds().includes(id)),
      5000,
      'the batch to be indexed',
    );
    const pollsBefore = sink.ackStats!.polls;
    assert.equal(await settlesWithin(sent, 300), false, 'indexed but not acknowledged: not delivered');
    assert.ok(sink.ackStats!.polls > pollsBefore + 3, 'the ack was polled meanwhile');
    receiver.releaseAcks();
    assert.deepEqual(await sent, { rejected: [] });
    assert.equal(sink.ackStats!.acked, 1);
    await sink.close();
  });

  it('delivers every event exactly once in normal operation, gzip on and off, with delayed acks', async () => {
    for (const compression of ['gzip', 'none']) {
      fresh();
      receiver.faults.ackDelayMs = 30;
      const sink = makeSink(receiver, {
        indexer_acknowledgements: true,
        compression,
        batch: { max_events: 50, concurrency: 4 },
      });
      await sink.start(new AbortController().signal);
      const records = makeRecords(1000, compression === 'gzip' ? 10_000 : 20_000);
      const connectionsBefore = receiver.counts.connections;
      const rejected = await deliverAll(sink, records);
      assert.deepEqual(rejected, []);
      const counts = receiver.countById();
      for (const id of ids(records))
        assert.equal(counts.get(id), 1, `${id} indexed exactly once (${compression})`);
      assert.equal(sink.details.ackResends, 0);
      assert.equal(sink.stats.retries, 0);
      const encodings = new Set(
        receiver.exchanges
          .filter((e) => e.path === '/services/collector/event' && e.wireBytes > 0)
          .slice(-20)
          .map((e) => e.encoding),
      );
      assert.deepEqual([...encodings], [compression === 'gzip' ? 'gzip' : undefined]);
      // Keep-alive: 20 batches + ~dozens of ack polls over a handful of connections.
      assert.ok(
        receiver.counts.connections - connectionsBefore <= 6,
        `connections opened: ${receiver.counts.connections - connectionsBefore}`,
      );
      await sink.close();
    }
  });

  it('uses one channel per sink instance for events and ack queries', async () => {
    fresh();
    const sinkA = makeSink(receiver, { indexer_acknowledgements: true });
    const sinkB = makeSink(receiver, { indexer_acknowledgements: true });
    const from = receiver.exchanges.length;
    await deliverAll(sinkA, makeRecords(3, 30_000));
    await deliverAll(sinkB, makeRecords(3, 30_100));
    await deliverAll(sinkA, makeRecords(3, 30_200));
    const channels = receiver.exchanges.slice(from).map((e) => e.channel);
    const distinct = [...new Set(channels)];
    assert.equal(distinct.length, 2);
    assert.ok(channels.every((c) => /^[0-9a-f-]{36}$/.test(c ?? '')));
    assert.equal(
      receiver.channelState(distinct[0]!)!.issued,
      2,
      'sink A’s two batches got ids 0 and 1 on its channel',
    );
    await sinkA.close();
    await sinkB.close();
  });

  it('resends a batch whose ack never comes within ack.timeout, warning about the possible duplicate', async () => {
    fresh();
    const logger = captureLogger();
    const sink = makeSink(
      receiver,
      { indexer_acknowledgements: true, ack: { poll_interval: '20ms', timeout: '200ms' } },
      logger,
    );
    receiver.faults.loseAcks = 1;
    const records = makeRecords(4, 40_000);
    const rejected = await deliverAll(sink, records);
    assert.deepEqual(rejected, []);
    for (const id of ids(records))
      assert.equal(receiver.countById().get(id), 2, 'lost ack → resent → indexed twice, never zero times');
    assert.equal(sink.details.ackResends, 1);
    assert.equal(sink.ackStats!.expired, 1);
    assert.equal(logger.count('warn', /did not acknowledge a batch within ack\.timeout/), 1);
    await sink.close();
  });

  it('holds further sends once max_pending batches await their ack (backpressure)', async () => {
    fresh();
    receiver.faults.acksNeverTrue = true;
    const sink = makeSink(receiver, {
      indexer_acknowledgements: true,
      ack: { max_pending: 2, poll_interval: '20ms', timeout: '30s' },
      batch: { max_events: 1, concurrency: 6 },
    });
    const records = makeRecords(6, 50_000);
    const before = receiver.counts.event;
    const all = deliverAll(sink, records);
    await receiver.waitFor(() => receiver.counts.event - before >= 2, 5000, 'two batches to be posted');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(
      receiver.counts.event - before,
      2,
      'only max_pending batches reach Splunk while their acks are pending',
    );
    receiver.faults.acksNeverTrue = false;
    receiver.releaseAcks();
    assert.deepEqual(await all, []);
    assert.equal(receiver.counts.event - before, 6);
    for (const id of ids(records)) assert.equal(receiver.countById().get(id), 1);
    await sink.close();
  });

  it('without acknowledgements, a 200 is delivery and no ack is ever polled', async () => {
    const plain = await startHecReceiver();
    try {
      const sink = makeSink(plain);
      await sink.start(new AbortController().signal);
      const records = makeRecords(120, 60_000);
      assert.deepEqual(await deliverAll(sink, records), []);
      assert.equal(plain.counts.ack, 0);
      assert.deepEqual(plain.eventIds(), ids(records));
      assert.equal(sink.ackStats, undefined);
      await sink.close();
    } finally {
      await plain.stop();
    }
  });

  it('counts a 200 without ackId as delivered when the token has acks off, saying so once', async () => {
    const plain = await startHecReceiver();
    try {
      const logger = captureLogger();
      const sink = makeSink(plain, { indexer_acknowledgements: true }, logger);
      const records = makeRecords(30, 70_000);
      assert.deepEqual(await deliverAll(sink, records), []);
      assert.deepEqual(plain.eventIds(), ids(records));
      assert.equal(logger.count('warn', /without an ackId/), 1);
      await sink.close();
    } finally {
      await plain.stop();
    }
  });
});
