import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHecReceiver, type HecReceiver } from '../../support/hec-receiver';
import { captureLogger, deliverAll, ids, makeRecords, makeSink, settlesWithin } from './helpers';

/**
 * 401/403 is an operator's problem, not the data's: delivery stops, readiness goes red with
 * a reason, one error line per change of state, and not one event is dropped or
 * dead-lettered. When the token works again, everything held goes through, once.
 */
const TOKEN = '7d3f9c1e-5a4b-4e2d-9f80-abcdef012345';

describe('splunk_hec when Splunk refuses the token', () => {
  let receiver: HecReceiver;

  before(async () => {
    receiver = await startHecReceiver({ tokens: { [TOKEN]: { acks: true } } });
  });
  after(() => receiver.stop());

  for (const [name, spec] of [
    ['an unknown token (403, code 4)', undefined],
    ['a disabled token (403, code 1)', { acks: true, disabled: true }],
  ] as const) {
    it(`holds every event for ${name} and delivers them once the token works`, async () => {
      const logger = captureLogger();
      const sink = makeSink(
        receiver,
        { token: TOKEN, indexer_acknowledgements: true, batch: { max_events: 10, concurrency: 3 } },
        logger,
      );
      await sink.start(new AbortController().signal);
      receiver.setToken(TOKEN, spec);
      const records = makeRecords(60, spec ? 1000 : 0);
      const done = deliverAll(sink, records);
      assert.equal(await settlesWithin(done, 500), false, 'nothing resolves: not delivered, not rejected');
      assert.ok(sink.stats.retries >= 6, `still trying (${sink.stats.retries} retries)`);
      const health = sink.health();
      assert.equal(health.healthy, false);
      assert.match(
        health.detail ?? '',
        spec ? /disabled/ : /does not know this HEC token; check sinks\.splunk\.token/,
      );
      assert.equal(logger.count('error'), 1, 'one error line for the change of state, not one per retry');
      const indexed = new Set(receiver.eventIds());
      assert.equal(ids(records).filter((id) => indexed.has(id)).length, 0, 'nothing got in while refused');

      receiver.setToken(TOKEN, { acks: true });
      const rejected = await done;
      assert.deepEqual(rejected, [], 'nothing dead-lettered for an auth problem');
      const counts = receiver.countById();
      for (const id of ids(records)) assert.equal(counts.get(id), 1, id);
      assert.deepEqual(sink.health(), { healthy: true });
      assert.equal(logger.count('info', /accepts delivery again/), 1);
      assert.ok(!logger.text().includes(TOKEN), 'the token never reaches a log line');
      assert.ok(!(health.detail ?? '').includes(TOKEN));
      await sink.close();
    });
  }

  it('keeps a batch pending (not lost, not acked) when the ack query is refused', async () => {
    const logger = captureLogger();
    const sink = makeSink(receiver, { token: TOKEN, indexer_acknowledgements: true }, logger);
    receiver.faults.acksNeverTrue = true;
    const records = makeRecords(5, 2000);
    const done = deliverAll(sink, records);
    await receiver.waitFor(
      () => records.every((r) => receiver.eventIds().includes(r.activity.id)),
      5000,
      'indexing',
    );
    receiver.setToken(TOKEN, undefined);
    receiver.faults.acksNeverTrue = false;
    receiver.releaseAcks();
    await receiver.waitFor(() => !sink.health().healthy, 5000, 'the sink to notice the refused ack query');
    assert.equal(await settlesWithin(done, 100), false);
    receiver.setToken(TOKEN, { acks: true });
    assert.deepEqual(await done, []);
    assert.equal(sink.ackStats!.acked, 1);
    assert.equal(sink.details.ackResends, 0);
    assert.deepEqual(sink.health(), { healthy: true });
    await sink.close();
  });
});
