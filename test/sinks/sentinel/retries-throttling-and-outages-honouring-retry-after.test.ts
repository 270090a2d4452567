import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { captureLogger, deliverAll, ids, makeRecords, makeSink, startAzure, type Azure } from './helpers';

/**
 * 429 (with Retry-After) and 5xx are transient: the same batch is sent again, no sooner
 * than Azure asked, and every record lands once. An expiring token is replaced before it
 * expires, so a long run never meets a 401.
 */
describe('sentinel under throttling, outages and token expiry', () => {
  let azure: Azure;

  before(async () => {
    azure = await startAzure({ tokenLifetimeSeconds: 2 });
  });
  after(() => azure.receiver.stop());

  it('waits at least Retry-After on every 429 of a throttling storm and loses nothing', async () => {
    const logger = captureLogger();
    const sink = makeSink(azure, { batch: { max_events: 10, concurrency: 4 } }, logger);
    azure.receiver.faults.throttled = 6;
    azure.receiver.faults.throttleSeconds = 1;
    const records = makeRecords(60);
    assert.deepEqual(await deliverAll(sink, records), []);
    const waits = logger.lines
      .filter((l) => /will retry/.test(l.message))
      .map((l) => Number(l.meta?.delay_ms));
    assert.equal(waits.length, 6);
    assert.ok(
      waits.every((ms) => ms >= 1000),
      `every wait honours Retry-After: ${waits.join(', ')}`,
    );
    assert.deepEqual([...azure.receiver.activityIds()].sort(), ids(records).sort());
    assert.equal(sink.stats.requests.retried, 6);
    await sink.close();
  });

  it('retries 5xx until Azure recovers, health false meanwhile, then true', async () => {
    const sink = makeSink(azure);
    azure.receiver.faults.unavailable = 5;
    const records = makeRecords(10, 500);
    assert.deepEqual(await deliverAll(sink, records), []);
    assert.equal(sink.stats.retries, 5);
    assert.equal(sink.health().healthy, true);
    assert.ok(ids(records).every((id) => azure.receiver.activityIds().includes(id)));
    await sink.close();
  });

  it('replaces a short-lived token before it expires: a run longer than its life sees no 401', async () => {
    const sink = makeSink(azure, { batch: { max_events: 5 } });
    const before401 = azure.receiver.exchanges.filter((e) => e.status === 401).length;
    for (let round = 0; round < 6; round++) {
      assert.deepEqual(await deliverAll(sink, makeRecords(5, 1000 + round * 5)), []);
      await new Promise((r) => setTimeout(r, 600));
    }
    assert.equal(azure.receiver.exchanges.filter((e) => e.status === 401).length, before401);
    await sink.close();
  });
});
