import { after, before, describe, it } from 'node:test';
import { IDENTITY_HEADER, MANAGED_IDENTITY_CLIENT_ID } from '../../support/sentinel-receiver';
import { deliversAs, startAzure, type Azure } from './helpers';

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

  it('managed identity on App Service / Container Apps (IDENTITY_ENDPOINT, X-IDENTITY-HEADER)', async () => {
    process.env.IDENTITY_ENDPOINT = `${azure.receiver.url}/msi/token`;
    process.env.IDENTITY_HEADER = IDENTITY_HEADER;
    try {
      await deliversAs(
        azure,
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
