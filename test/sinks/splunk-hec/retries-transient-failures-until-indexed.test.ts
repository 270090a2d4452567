import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_HEC_TOKEN, startHecReceiver, type HecReceiver } from '../../support/hec-receiver';
import { captureLogger, deliverAll, ids, makeRecords, makeSink } from './helpers';
import { AbortedError } from '../../../src/util/errors';

/**
 * 503 storms, 429, 500, connection resets, slow replies and a receiver that is down for a
 * while: every activity ends up indexed, and only failures that may have been indexed
 * (lost reply, timeout) ever produce a duplicate.
 */
describe('splunk_hec retries transient failures', () => {
  let receiver: HecReceiver;

  before(async () => {
    receiver = await startHecReceiver({ tokens: { [DEFAULT_HEC_TOKEN]: { acks: true } } });
  });
  after(() => receiver.stop());

  const reset = (): void =>
    void Object.assign(receiver.faults, {
      busy: 0,
      throttled: 0,
      internalErrors: 0,
      resetBeforeIndexing: 0,
      resetAfterIndexing: 0,
      slowMs: 0,
      retryAfterSeconds: undefined,
    });

  it('gets every event in exactly once through a storm of 503, 429, 500 and resets that index nothing', async () => {
    reset();
    Object.assign(receiver.faults, { busy: 25, throttled: 5, internalErrors: 5, resetBeforeIndexing: 5 });
    for (const acks of [true, false]) {
      const logger = captureLogger();
      const sink = makeSink(
        receiver,
        { indexer_acknowledgements: acks, batch: { max_events: 20, concurrency: 4 } },
        logger,
      );
      const records = makeRecords(400, acks ? 0 : 1000);
      const rejected = await deliverAll(sink, records);
      assert.deepEqual(rejected, []);
      const counts = receiver.countById();
      for (const id of ids(records)) assert.equal(counts.get(id), 1, id);
      if (acks) assert.ok(sink.stats.retries >= 40, `retried ${sink.stats.retries} times`);
      assert.equal(logger.count('error'), 0, 'transient failures are not errors');
      await sink.close();
      Object.assign(receiver.faults, { busy: 10, resetBeforeIndexing: 3 });
    }
  });

  it('waits at least as long as Retry-After says', async () => {
    reset();
    Object.assign(receiver.faults, { busy: 1, retryAfterSeconds: 1 });
    const sink = makeSink(receiver, { indexer_acknowledgements: true });
    const from = receiver.exchanges.length;
    const started = Date.now();
    await deliverAll(sink, makeRecords(3, 2000));
    const elapsed = Date.now() - started;
    const statuses = receiver.exchanges
      .slice(from)
      .filter((e) => e.path === '/services/collector/event')
      .map((e) => e.status);
    assert.deepEqual(statuses, [503, 200]);
    // Backoff is 10–100 ms in this test: only Retry-After explains a 1 s wait.
    assert.ok(elapsed >= 950, `resent after ${elapsed} ms`);
    await sink.close();
  });

  it('resends after a lost reply or a timeout: at least once, the duplicate being the documented price', async () => {
    reset();
    receiver.faults.resetAfterIndexing = 2;
    const sink = makeSink(receiver, {
      indexer_acknowledgements: true,
      request_timeout: '150ms',
      batch: { max_events: 10, concurrency: 1 },
    });
    const records = makeRecords(30, 3000);
    const lost = deliverAll(sink, records);
    assert.deepEqual(await lost, []);
    const counts = receiver.countById();
    for (const id of ids(records)) assert.ok((counts.get(id) ?? 0) >= 1, `${id} indexed`);
    const extra = ids(records).reduce((n, id) => n + (counts.get(id) ?? 0) - 1, 0);
    assert.equal(extra, 20, 'two lost replies of 10-event batches → 20 extra indexings, no more');

    receiver.faults.slowMs = 400;
    const slow = makeRecords(5, 3100);
    const slowDone = deliverAll(sink, slow);
    await receiver.waitFor(
      () => receiver.counts.event > 0 && receiver.eventIds().includes(slow[0].activity.id),
      5000,
      'the slow request to be indexed',
    );
    receiver.faults.slowMs = 0;
    assert.deepEqual(await slowDone, []);
    for (const id of ids(slow)) assert.ok((receiver.countById().get(id) ?? 0) >= 1);
    assert.ok(sink.stats.retries >= 3);
    await sink.close();
  });

  it('keeps trying while Splunk is down and delivers when it comes back', async () => {
    reset();
    const sink = makeSink(receiver, {
      indexer_acknowledgements: true,
      batch: { max_events: 5, concurrency: 2 },
    });
    await receiver.stop();
    const records = makeRecords(20, 4000);
    const done = deliverAll(sink, records);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(sink.stats.retries >= 2, 'connection refused is retried');
    await receiver.start();
    assert.deepEqual(await done, []);
    for (const id of ids(records)) assert.equal(receiver.countById().get(id), 1);
    await sink.close();
  });

  it('stops retrying with AbortedError on shutdown, without rejecting anything', async () => {
    reset();
    receiver.faults.busy = 1_000_000;
    const sink = makeSink(receiver);
    const abort = new AbortController();
    const [batch] = [makeRecords(2, 5000).map((r) => sink.encode(r))];
    const sending = sink.send(batch, abort.signal);
    await receiver.waitFor(() => sink.stats.retries >= 2, 5000, 'retries');
    abort.abort();
    await assert.rejects(sending, AbortedError);
    receiver.faults.busy = 0;
    await sink.close();
  });
});
