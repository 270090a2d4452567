import { resolve } from 'node:path';
import {
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
  type TokenCredential,
} from '@azure/identity';
import { SentinelRefusedError } from './refusal';
import type { EntraTransport } from './entra-transport';
import { knownAuthority, resolvedCredential, type SentinelSinkConfig } from './config';

/** Builds the @azure/identity credential the config names; its requests go through `transport`. */
export function buildCredential(
  config: SentinelSinkConfig,
  transport: EntraTransport,
  baseDir: string,
): TokenCredential {
  // Retries are ours (util/retry through the sender), so a token failure shows in health.
  const options = {
    httpClient: transport,
    authorityHost: config.authority_host,
    disableInstanceDiscovery: !knownAuthority(config.authority_host),
    retryOptions: { maxRetries: 0 },
  };
  const tenantId = config.tenant_id ?? '';
  const clientId = config.client_id ?? '';
  switch (resolvedCredential(config)) {
    case 'client_secret':
      return new ClientSecretCredential(tenantId, clientId, config.client_secret ?? '', options);
    case 'client_certificate':
      return new ClientCertificateCredential(
        tenantId,
        clientId,
        { certificatePath: resolve(baseDir, config.client_certificate_file ?? '') },
        options,
      );
    case 'workload_identity':
      return new WorkloadIdentityCredential({
        ...options,
        tenantId,
        clientId,
        tokenFilePath: resolve(baseDir, config.federated_token_file ?? ''),
      });
    case 'managed_identity':
      return new ManagedIdentityCredential({ ...options, ...(config.client_id ? { clientId } : {}) });
    case undefined:
      throw new SentinelRefusedError('no credential configured');
  }
}
