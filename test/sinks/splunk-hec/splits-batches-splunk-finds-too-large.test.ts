import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_HEC_TOKEN, startHecReceiver, type HecReceiver } from '../../support/hec-receiver';
import { captureLogger, ids, makeRecord, makeRecords, makeSink, toBatches } from './helpers';

/** 413 means "smaller, please": halves are sent until they fit; only an event too big alone is dead-lettered. */
describe('splunk_hec on 413 Request Entity Too Large', () => {
  let receiver: HecReceiver;

  before(async () => {
    receiver = await startHecReceiver({
      tokens: { [DEFAULT_HEC_TOKEN]: { acks: true } },
      maxBodyBytes: 4000,
    });
  });
  after(() => receiver.stop());

  it('splits the batch and sends the halves, every event once and in order', async () => {
    for (const acks of [false, true]) {
      const sink = makeSink(receiver, {
        compression: 'none',
        indexer_acknowledgements: acks,
        batch: { max_events: 40, max_bytes: '1MB' },
      });
      const records = makeRecords(40, acks ? 100 : 0);
      const [batch] = toBatches(sink, records);
      assert.ok(batch.reduce((n, e) => n + e.size, 0) > 4 * 4000, 'the batch is several times the limit');
      const from = receiver.eventIds().length;
      assert.deepEqual(await sink.send(batch, new AbortController().signal), { rejected: [] });
      assert.deepEqual(receiver.eventIds().slice(from), ids(records), 'all of them, once, in order');
      assert.ok(sink.details.splits >= 3);
      await sink.close();
    }
  });

  it('dead-letters an event too large on its own, with the reason, and delivers the rest', async () => {
    const logger = captureLogger();
    const sink = makeSink(receiver, { compression: 'none', indexer_acknowledgements: true }, logger);
    const huge = makeRecord(999, { id: 'activity_huge', padding: 'x'.repeat(6000) });
    const records = [...makeRecords(3, 200), huge, ...makeRecords(3, 210)];
    const batch = records.map((r) => sink.encode(r));
    const from = receiver.eventIds().length;
    const result = await sink.send(batch, new AbortController().signal);
    assert.equal(result.rejected.length, 1);
    assert.equal(result.rejected[0].item.record.activity.id, 'activity_huge');
    assert.match(result.rejected[0].reason, /larger than Splunk HEC accepts.*HTTP 413.*max_content_length/);
    assert.deepEqual(
      receiver.eventIds().slice(from),
      ids(records).filter((id) => id !== 'activity_huge'),
    );
    assert.equal(logger.count('warn', /dead-lettering/), 1);
    await sink.close();
  });

  it('splits gzip bodies too when they are too large once decompressed', async () => {
    const sink = makeSink(receiver, { compression: 'gzip', indexer_acknowledgements: true });
    const records = makeRecords(20, 300);
    const [batch] = toBatches(sink, records);
    assert.ok(batch.reduce((n, e) => n + e.size, 0) > 4000);
    const from = receiver.eventIds().length;
    assert.deepEqual(await sink.send(batch, new AbortController().signal), { rejected: [] });
    assert.deepEqual(receiver.eventIds().slice(from), ids(records));
    assert.ok(sink.details.splits > 0);
    await sink.close();
  });
});
