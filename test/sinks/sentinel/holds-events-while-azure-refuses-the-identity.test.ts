import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT_ID, STREAM } from '../../support/sentinel-receiver';
import {
  captureLogger,
  deliverAll,
  ids,
  makeRecords,
  makeSink,
  settlesWithin,
  startAzure,
  type Azure,
} from './helpers';

/**
 * 401/403 and a refused stream are an operator's problem, not the data's: delivery holds,
 * readiness goes red at once with a reason an operator can act on, nothing is dropped or
 * dead-lettered, and everything goes through once it is fixed.
 */
describe('sentinel when Azure refuses the identity or the request', () => {
  let azure: Azure;

  before(async () => {
    azure = await startAzure();
  });
  after(() => azure.receiver.stop());

  it('holds every event while the identity lacks the role on the DCR (403), then delivers them once', async () => {
    const logger = captureLogger();
    const sink = makeSink(azure, { batch: { max_events: 10, concurrency: 2 } }, logger);
    await sink.start(new AbortController().signal);
    azure.receiver.publishers.delete(CLIENT_ID);
    const records = makeRecords(40);
    const done = deliverAll(sink, records);
    assert.equal(await settlesWithin(done, 500), false, 'nothing resolves: not delivered, not rejected');
    const health = sink.health();
    assert.equal(health.healthy, false);
    assert.equal(health.refused, true, 'readiness red at once');
    assert.match(health.detail ?? '', /Monitoring Metrics Publisher/);
    assert.equal(logger.count('error'), 1, 'one error line for the change of state, not one per retry');
    assert.equal(azure.receiver.rows.length, 0);

    azure.receiver.publishers.add(CLIENT_ID);
    assert.deepEqual(await done, [], 'nothing dead-lettered for an auth problem');
    assert.deepEqual([...azure.receiver.activityIds()].sort(), ids(records).sort());
    assert.equal(sink.health().healthy, true);
    for (const token of azure.receiver.issuedTokens)
      assert.equal(logger.text().includes(token.split('.')[2]), false, 'no token in any log line');
    await sink.close();
  });

  it('refreshes a token Azure no longer accepts once, without a retry or a red readiness', async () => {
    const sink = makeSink(azure);
    await sink.start(new AbortController().signal);
    const issued = azure.receiver.tokensIssued.get(CLIENT_ID) ?? 0;
    azure.receiver.revokeTokens();
    const records = makeRecords(5, 100);
    assert.deepEqual(await deliverAll(sink, records), []);
    assert.equal(azure.receiver.tokensIssued.get(CLIENT_ID), issued + 1, 'exactly one new token');
    assert.equal(sink.stats.retries, 0);
    assert.equal(sink.health().healthy, true);
    await sink.close();
  });

  it('holds events when even a fresh token is refused (401 for the wrong audience)', async () => {
    const sink = makeSink(azure, { audience: 'https://monitor.azure.us' });
    const stop = new AbortController();
    const done = deliverAll(sink, makeRecords(5, 200), stop.signal);
    assert.equal(await settlesWithin(done, 400), false);
    assert.equal(sink.health().refused, true);
    assert.match(sink.health().detail ?? '', /freshly issued token.*audience/);
    stop.abort();
    await done.catch(() => undefined);
    await sink.close();
  });

  it('holds events for a stream the DCR does not declare (400) instead of dead-lettering them', async () => {
    const sink = makeSink(azure, { stream: 'Custom-NotDeclared' });
    const stop = new AbortController();
    const done = deliverAll(sink, makeRecords(5, 300), stop.signal);
    assert.equal(await settlesWithin(done, 400), false);
    assert.match(sink.health().detail ?? '', /sinks\.sentinel\.stream/);
    assert.notEqual(STREAM, 'Custom-NotDeclared');
    stop.abort();
    await done.catch(() => undefined);
    await sink.close();
  });

  it('refuses to start with a secret Entra ID does not accept, naming the fields', async () => {
    const sink = makeSink(azure, { client_secret: 'Qx8Q~a-secret-that-was-never-issued' });
    await assert.rejects(
      sink.start(new AbortController().signal),
      /AADSTS7000215.*check sinks\.sentinel\.tenant_id/,
    );
    await sink.close();
  });
});
