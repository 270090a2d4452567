import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CERT_CLIENT_ID,
  MANAGED_IDENTITY_CLIENT_ID,
  WORKLOAD_CLIENT_ID,
} from '../../support/sentinel-receiver';
import { deliverAll, ids, makeRecords, makeSink, startAzure, type Azure } from './helpers';

/**
 * Every credential the sink offers gets a token the strict receiver verifies (certificate
 * assertion signature and claims, the federated token's issuer and subject, the managed
 * identity endpoint's header) and delivers with it.
 */
describe('sentinel credentials', () => {
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

  it('a certificate registered on the app (signed client assertion)', async () => {
    await deliversAs(
      CERT_CLIENT_ID,
      { client_secret: undefined, client_id: CERT_CLIENT_ID, client_certificate_file: azure.clientPemFile },
      0,
    );
  });

  it('AKS workload identity (the projected service account token, read afresh)', async () => {
    const file = join(azure.certs.dir, 'azure-identity-token');
    writeFileSync(file, azure.receiver.mintFederatedToken());
    await deliversAs(
      WORKLOAD_CLIENT_ID,
      {
        client_secret: undefined,
        credential: 'workload_identity',
        client_id: WORKLOAD_CLIENT_ID,
        federated_token_file: file,
      },
      100,
    );
  });

  it('managed identity through IMDS (Metadata: true)', async () => {
    process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = azure.receiver.url;
    try {
      await deliversAs(
        MANAGED_IDENTITY_CLIENT_ID,
        {
          client_secret: undefined,
          tenant_id: undefined,
          client_id: undefined,
          credential: 'managed_identity',
        },
        200,
      );
    } finally {
      delete process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
    }
  });
});
