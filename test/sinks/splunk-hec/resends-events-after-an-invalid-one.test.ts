import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_HEC_TOKEN, startHecReceiver, type HecReceiver } from '../../support/hec-receiver';
import { captureLogger, deliverAll, ids, makeRecords, makeSink, settlesWithin, toBatches } from './helpers';

/**
 * HEC indexes the events before a bad one and stops there: the sink must dead-letter
 * exactly the bad event, resend exactly the events after it, and never resend those before.
 */
describe('splunk_hec on a refused event (invalid-event-number)', () => {
  let receiver: HecReceiver;
  const bad = new Map<string, number>();

  before(async () => {
    receiver = await startHecReceiver({
      tokens: { [DEFAULT_HEC_TOKEN]: { acks: true, indexes: ['claude_audit'] } },
    });
    receiver.faults.rejectEvent = (envelope) =>
      bad.get(String((envelope.fields as Record<string, unknown>).event_id));
  });
  after(() => receiver.stop());

  it('dead-letters each bad event with HEC’s reason and indexes every other event exactly once', async () => {
    for (const acks of [true, false]) {
      bad.clear();
      const records = makeRecords(100, acks ? 0 : 1000);
      // Several bad events per batch, at the start, the middle, the end, and back to back.
      for (const [k, code] of [
        [0, 6],
        [7, 12],
        [8, 13],
        [19, 15],
        [20, 6],
        [55, 6],
        [99, 6],
      ] as const)
        bad.set(records[k].activity.id, code);
      const logger = captureLogger();
      const sink = makeSink(
        receiver,
        { indexer_acknowledgements: acks, batch: { max_events: 20, concurrency: 2 } },
        logger,
      );
      const rejected = await deliverAll(sink, records);
      assert.deepEqual(rejected.map((r) => r.item.record.activity.id).sort(), [...bad.keys()].sort());
      for (const r of rejected) {
        const code = bad.get(r.item.record.activity.id);
        assert.match(
          r.reason,
          new RegExp(`^Splunk HEC refused the event: HTTP 400, code ${code} \\(`),
          r.reason,
        );
      }
      const counts = receiver.countById();
      for (const id of ids(records)) assert.equal(counts.get(id), bad.has(id) ? undefined : 1, id);
      assert.equal(logger.count('error'), 0, 'a bad event is the data’s problem, not an outage');
      assert.equal(sink.health().healthy, true);
      await sink.close();
    }
  });

  it('bisects a data error that does not say which event, to dead-letter only the culprit', async () => {
    bad.clear();
    const records = makeRecords(16, 2000);
    bad.set(records[11].activity.id, 6);
    const sink = makeSink(receiver, { indexer_acknowledgements: true });
    // An HEC-compatible receiver that refuses the request whole without the event number.
    receiver.faults.wholeBatchRefusal = true;
    const [batch] = toBatches(sink, records);
    const result = await sink.send(batch, new AbortController().signal);
    receiver.faults.wholeBatchRefusal = false;
    assert.deepEqual(
      result.rejected.map((r) => r.item.record.activity.id),
      [records[11].activity.id],
    );
    for (const id of ids(records))
      assert.equal(receiver.countById().get(id), id === records[11].activity.id ? undefined : 1);
    assert.ok(sink.details.splits >= 4, 'log2(16) halvings to isolate one event');
    await sink.close();
  });

  it('holds (never dead-letters) events for an index the token may not use, until Splunk allows it', async () => {
    bad.clear();
    const logger = captureLogger();
    const sink = makeSink(receiver, { indexer_acknowledgements: true, index: 'forbidden' }, logger);
    const records = makeRecords(10, 3000);
    const done = deliverAll(sink, records);
    assert.equal(await settlesWithin(done, 400), false, 'no dead-letter, no drop: the batch waits');
    assert.equal(sink.health().healthy, false);
    assert.match(sink.health().detail ?? '', /index "forbidden".*sinks\.splunk\.index/);
    assert.equal(logger.count('error'), 1, 'said once, not once per retry');
    assert.ok(sink.stats.retries >= 3);
    receiver.setToken(DEFAULT_HEC_TOKEN, { acks: true, indexes: ['claude_audit', 'forbidden'] });
    assert.deepEqual(await done, []);
    for (const id of ids(records)) assert.equal(receiver.countById().get(id), 1);
    assert.equal(sink.health().healthy, true);
    assert.equal(logger.count('info', /accepts delivery again/), 1);
    receiver.setToken(DEFAULT_HEC_TOKEN, { acks: true, indexes: ['claude_audit'] });
    await sink.close();
  });
});
