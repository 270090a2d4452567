import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT_ID, CLIENT_SECRET } from '../../support/sentinel-receiver';
import {
  captureLogger,
  deliverAll,
  ids,
  makeRecord,
  makeRecords,
  makeSink,
  startAzure,
  type Azure,
} from './helpers';

/**
 * The ordinary path: a client-secret token from Entra ID (through MSAL, over TLS with a
 * test CA), gzip JSON arrays under 1 MB that fit the shipped DCR stream, one token for
 * many batches, and every activity in the table once, hostile strings included.
 */
describe('sentinel delivering to Logs Ingestion', () => {
  let azure: Azure;

  before(async () => {
    azure = await startAzure();
  });
  after(() => azure.receiver.stop());

  it('delivers every record once, gzip-compressed, with one token for every batch', async () => {
    const logger = captureLogger();
    const sink = makeSink(azure, { batch: { max_events: 25, concurrency: 3 } }, logger);
    await sink.start(new AbortController().signal);
    const records = makeRecords(200);
    assert.deepEqual(await deliverAll(sink, records), []);
    assert.deepEqual([...azure.receiver.activityIds()].sort(), ids(records).sort());
    assert.deepEqual(azure.receiver.duplicates(), []);
    assert.equal(azure.receiver.tokensIssued.get(CLIENT_ID), 1, 'one token, cached');
    const uploads = azure.receiver.exchanges.filter((e) => e.status === 204);
    assert.ok(uploads.length >= 8 && uploads.every((e) => e.gzip), 'gzip on every call');
    assert.equal(sink.stats.requests.ok, uploads.length);
    assert.equal(sink.health().healthy, true);
    assert.doesNotMatch(logger.text(), new RegExp(CLIENT_SECRET.replace(/[.~]/g, '\\$&')));
    await sink.close();
  });

  it('fills the flat columns and keeps the whole activity, hostile strings intact', async () => {
    const sink = makeSink(azure);
    const hostile = '"},{"ActivityId":"forged"}]\u0000\u2028<script>\ud83d\ude00 \\u0022';
    const record = makeRecord(900, {
      actor: { type: 'user_actor', user_id: 'user_x', email_address: hostile, ip_address: '2001:db8::1' },
      note: hostile,
    });
    assert.deepEqual(await deliverAll(sink, [record]), []);
    const row = azure.receiver.rows.find((r) => r.row.ActivityId === record.activity.id)?.row;
    assert.ok(row);
    assert.equal(row.ActorEmail, hostile);
    assert.equal(row.ActorIpAddress, '2001:db8::1');
    assert.equal(row.TimeGenerated, new Date(record.activity.created_at).toISOString());
    assert.deepEqual(row.Activity, record.activity);
    assert.equal(azure.receiver.activityIds().includes('forged'), false);
    await sink.close();
  });
});
