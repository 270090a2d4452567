import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { monitorAudience, resolvedCredential, sentinelSinkConfig } from '../../../src/sinks/sentinel/config';

/** A wrong Sentinel section is refused before anything starts, with the field and the fix. */
const base = {
  type: 'sentinel',
  endpoint: 'https://my-dce-abcd.eastus-1.ingest.monitor.azure.com',
  dcr_immutable_id: 'dcr-0123456789abcdef0123456789abcdef',
  tenant_id: 'contoso.onmicrosoft.com',
  client_id: '0f6a2b2c-1c1d-4e4f-8a8b-9c9d0e0f1a1b',
  client_secret: 'a-long-enough-client-secret',
};

function problems(overrides: Record<string, unknown>): string {
  const r = sentinelSinkConfig.safeParse({ ...base, ...overrides });
  assert.equal(r.success, false, 'expected a refusal');
  return r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
}

describe('sentinel config', () => {
  it('takes the issue example and fills the defaults', () => {
    const c = sentinelSinkConfig.parse(base);
    assert.equal(c.stream, 'Custom-ClaudeAudit');
    assert.equal(resolvedCredential(c), 'client_secret');
    assert.equal(monitorAudience(c), 'https://monitor.azure.com');
    assert.equal(c.batch.max_bytes, 1_000_000);
  });

  it('derives the audience of sovereign clouds from the authority host', () => {
    const gov = sentinelSinkConfig.parse({ ...base, authority_host: 'https://login.microsoftonline.us' });
    assert.equal(monitorAudience(gov), 'https://monitor.azure.us');
    const cn = sentinelSinkConfig.parse({ ...base, authority_host: 'https://login.chinacloudapi.cn' });
    assert.equal(monitorAudience(cn), 'https://monitor.azure.cn');
    assert.match(problems({ authority_host: 'https://login.example.test' }), /^audience: .*set audience/m);
  });

  it('refuses what would never work, naming the field', () => {
    assert.match(problems({ client_secret: undefined }), /^credential: no credential/m);
    assert.match(problems({ tenant_id: undefined }), /^tenant_id: required with credential client_secret/m);
    assert.match(problems({ dcr_immutable_id: 'my-dcr' }), /^dcr_immutable_id: .*immutableId/m);
    assert.match(problems({ stream: 'ClaudeAudit' }), /^stream: /m);
    assert.match(
      problems({ endpoint: `${base.endpoint}/dataCollectionRules/x` }),
      /^endpoint: write only the scheme/m,
    );
    assert.match(
      problems({ batch: { max_bytes: '2MB' } }),
      /^batch\.max_bytes: Azure refuses calls over 1 MB/m,
    );
    assert.match(problems({ endpoint: 'http://dce.example.com' }), /^endpoint: .*without TLS/m);
    assert.match(
      problems({ credential: 'workload_identity', client_secret: undefined }),
      /^federated_token_file: .*AZURE_FEDERATED_TOKEN_FILE/m,
    );
    assert.match(problems({ client_certificate_file: '/x.pem' }), /^credential: conflicting credentials/m);
  });

  it('needs no tenant or client id for a system-assigned managed identity', () => {
    const c = sentinelSinkConfig.parse({
      ...base,
      credential: 'managed_identity',
      client_secret: undefined,
      tenant_id: undefined,
      client_id: undefined,
    });
    assert.equal(resolvedCredential(c), 'managed_identity');
  });
});
