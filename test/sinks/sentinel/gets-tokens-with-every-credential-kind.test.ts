import { after, before, describe, it } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CERT_CLIENT_ID,
  MANAGED_IDENTITY_CLIENT_ID,
  WORKLOAD_CLIENT_ID,
} from '../../support/sentinel-receiver';
import { deliversAs, startAzure, type Azure } from './helpers';

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

  it('a certificate registered on the app (signed client assertion)', async () => {
    await deliversAs(
      azure,
      CERT_CLIENT_ID,
      { client_secret: undefined, client_id: CERT_CLIENT_ID, client_certificate_file: azure.clientPemFile },
      0,
    );
  });

  it('AKS workload identity (the projected service account token, read afresh)', async () => {
    const file = join(azure.certs.dir, 'azure-identity-token');
    writeFileSync(file, azure.receiver.mintFederatedToken());
    await deliversAs(
      azure,
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
        azure,
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
