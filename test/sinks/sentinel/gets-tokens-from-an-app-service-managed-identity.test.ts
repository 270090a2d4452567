import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IDENTITY_HEADER, MANAGED_IDENTITY_CLIENT_ID } from '../../support/sentinel-receiver';
import { deliverAll, ids, makeRecords, makeSink, startAzure, type Azure } from './helpers';

/**
 * Managed identity on App Service / Container Apps: MSAL picks the managed-identity source
 * once per process, so this one has its own file (the IMDS case is with the other credentials).
 */
describe('sentinel with an App Service managed identity', () => {
  let azure: Azure;

  before(async () => {
    azure = await startAzure();
  });
  after(() => azure.receiver.stop());

  const deliversAs = async (
    identity: string,
    overrides: Record<string, unknown>,
    from: number,
  ): Promise<void> => {
    const sink = makeSink(azure, overrides);
    await sink.start(new AbortController().signal);
    const records = makeRecords(10, from);
    assert.deepEqual(await deliverAll(sink, records), []);
    const got = azure.receiver.rows.filter((r) => r.identity === identity).map((r) => r.row.ActivityId);
    assert.deepEqual(
      ids(records).filter((id) => got.includes(id)),
      ids(records),
    );
    await sink.close();
  };

  it('managed identity on App Service / Container Apps (IDENTITY_ENDPOINT, X-IDENTITY-HEADER)', async () => {
    process.env.IDENTITY_ENDPOINT = `${azure.receiver.url}/msi/token`;
    process.env.IDENTITY_HEADER = IDENTITY_HEADER;
    try {
      await deliversAs(
        MANAGED_IDENTITY_CLIENT_ID,
        {
          client_secret: undefined,
          tenant_id: undefined,
          client_id: MANAGED_IDENTITY_CLIENT_ID,
          credential: 'managed_identity',
        },
        300,
      );
    } finally {
      delete process.env.IDENTITY_ENDPOINT;
      delete process.env.IDENTITY_HEADER;
    }
  });
});
