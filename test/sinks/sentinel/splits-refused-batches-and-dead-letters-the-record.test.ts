import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  shippedStreamColumns,
  startSentinelReceiver,
  type SentinelReceiver,
} from '../../support/sentinel-receiver';
import { deliverAll, ids, makeRecord, makeRecords, makeSink, startAzure, type Azure } from './helpers';

/**
 * 413 and a 400 about the data halve the batch until the refused record stands alone: it
 * goes to the dead-letter file with Azure's reason, and every other record is delivered.
 */
describe('sentinel when Azure refuses a batch for its size or content', () => {
  let azure: Azure;
  let strictTypes: SentinelReceiver;

  before(async () => {
    azure = await startAzure();
    // A DCR whose ActorIpAddress column is an int: a row carrying an address is refused.
    strictTypes = await startSentinelReceiver({
      certs: azure.certs,
      maxCallBytes: 32 * 1024,
      columns: shippedStreamColumns().map((c) => (c.name === 'ActorIpAddress' ? { ...c, type: 'int' } : c)),
    });
  });
  after(async () => {
    await azure.receiver.stop();
    await strictTypes.stop();
  });

  const at = (receiver: SentinelReceiver): Azure => ({ ...azure, receiver });

  it('dead-letters the one record Azure refuses for its content and delivers the other 39', async () => {
    const sink = makeSink(at(strictTypes), { batch: { max_events: 40 } });
    const records = makeRecords(40);
    records[17] = makeRecord(17, {
      actor: { type: 'user_actor', user_id: 'u', email_address: 'a@example.com', ip_address: '192.0.2.1' },
    });
    const rejected = await deliverAll(sink, records);
    assert.deepEqual(
      rejected.map((r) => r.item.record.activity.id),
      [records[17].activity.id],
    );
    assert.match(rejected[0].reason, /InvalidContent.*ActorIpAddress/);
    const expected = ids(records).filter((_, i) => i !== 17);
    assert.deepEqual([...strictTypes.activityIds()].sort(), expected.sort());
    assert.equal(sink.stats.requests.rejected > 0, true);
    await sink.close();
  });

  it('splits a batch Azure finds too large (413) and dead-letters a row larger than a call', async () => {
    const sink = makeSink(at(strictTypes), { batch: { max_events: 50 } });
    const records = makeRecords(50, 100).map((r, i) =>
      i === 30
        ? makeRecord(130, { padding: 'x'.repeat(64 * 1024) })
        : makeRecord(100 + i, { note: `${i}`.repeat(900) }),
    );
    const rejected = await deliverAll(sink, records);
    assert.deepEqual(
      rejected.map((r) => r.item.record.activity.id),
      [records[30].activity.id],
    );
    assert.match(rejected[0].reason, /larger than Azure Logs Ingestion accepts/);
    const got = new Set(strictTypes.activityIds());
    assert.ok(
      ids(records).every((id, i) => i === 30 || got.has(id)),
      'every other record delivered',
    );
    await sink.close();
  });
});
