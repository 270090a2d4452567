import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toEcs, toOcsf } from '../../src/normalize';
import type { Activity } from '../../src/source/activity';

/** Where each of the eleven actor variants lands, in OCSF and in ECS. */

function activity(actor: Record<string, unknown>, type = 'platform_workspace_created'): Activity {
  return {
    id: 'activity_01Test',
    created_at: '2026-06-01T10:00:00.123456Z',
    organization_id: 'org_01Test',
    organization_uuid: '00000000-0000-0000-0000-000000000000',
    type,
    actor: actor as Activity['actor'],
    workspace_id: 'wrkspc_01Test',
  };
}

const pick = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>(
    (node, key) =>
      typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined,
    value,
  );

describe('actor variants', () => {
  it('user_actor: the user, their address and browser', () => {
    const a = activity({
      type: 'user_actor',
      user_id: 'user_01A',
      email_address: 'alice@example.com',
      ip_address: '192.0.2.34',
      user_agent: 'Mozilla/5.0',
    });
    const e = toOcsf(a);
    assert.deepEqual(pick(e, 'actor', 'user'), {
      uid: 'user_01A',
      email_addr: 'alice@example.com',
      type_id: 1,
      type: 'User',
    });
    assert.deepEqual(e.src_endpoint, { ip: '192.0.2.34' });
    assert.equal(pick(e, 'http_request', 'user_agent'), 'Mozilla/5.0');
    assert.deepEqual(pick(e, 'unmapped', 'actor'), { type: 'user_actor' });
    const d = toEcs(a);
    assert.deepEqual(d.user, { id: 'user_01A', email: 'alice@example.com' });
    assert.deepEqual(d.source, { ip: '192.0.2.34' });
    assert.deepEqual(d.user_agent, { original: 'Mozilla/5.0' });
  });

  it('api_actor and admin_api_key_actor: the key is the principal and its credential', () => {
    for (const [type, field, label] of [
      ['api_actor', 'api_key_id', 'API Key'],
      ['admin_api_key_actor', 'admin_api_key_id', 'Admin API Key'],
    ] as const) {
      const e = toOcsf(
        activity({
          type,
          [field]: 'apikey_01K',
          ip_address: '2001:db8::7',
          user_agent: 'python-requests/2.32.5',
        }),
      );
      assert.deepEqual(pick(e, 'actor', 'user'), {
        uid: 'apikey_01K',
        type_id: 99,
        type: label,
        programmatic_credentials: [{ uid: 'apikey_01K', type: label }],
      });
      assert.deepEqual(e.src_endpoint, { ip: '2001:db8::7' });
      const d = toEcs(activity({ type, [field]: 'apikey_01K' }));
      assert.equal(
        pick(d, 'anthropic', 'audit', 'actor', field),
        'apikey_01K',
        'ECS keeps key ids where Elastic’s integration does',
      );
    }
  });

  it('service_account_actor: a service identity', () => {
    const e = toOcsf(
      activity({
        type: 'service_account_actor',
        service_account_id: 'svcacct_01S',
        ip_address: '203.0.113.9',
      }),
    );
    assert.deepEqual(pick(e, 'actor', 'user'), { uid: 'svcacct_01S', type_id: 4, type: 'Service' });
    assert.equal(
      pick(
        toEcs(activity({ type: 'service_account_actor', service_account_id: 'svcacct_01S' })),
        'user',
        'id',
      ),
      'svcacct_01S',
    );
  });

  it('unauthenticated_user_actor: the email they typed, if any', () => {
    const e = toOcsf(
      activity(
        {
          type: 'unauthenticated_user_actor',
          unauthenticated_email_address: 'who@example.net',
          ip_address: '198.51.100.2',
        },
        'sso_login_failed',
      ),
    );
    assert.deepEqual(pick(e, 'actor', 'user'), {
      email_addr: 'who@example.net',
      name: 'who@example.net',
      type_id: 0,
      type: 'Unknown',
    });
    assert.deepEqual(e.user, pick(e, 'actor', 'user'), 'a sign-in is about the one signing in');
    const anonymous = toOcsf(
      activity(
        { type: 'unauthenticated_user_actor', unauthenticated_email_address: null },
        'sso_login_failed',
      ),
    );
    assert.equal(pick(anonymous, 'actor', 'user', 'name'), 'unauthenticated');
    assert.equal(
      pick(
        toEcs(
          activity({ type: 'unauthenticated_user_actor', unauthenticated_email_address: 'who@example.net' }),
        ),
        'user',
        'email',
      ),
      'who@example.net',
    );
  });

  it('anthropic_actor: Anthropic staff, no address', () => {
    const e = toOcsf(activity({ type: 'anthropic_actor', email_address: null }, 'anthropic_access'));
    assert.deepEqual(pick(e, 'actor', 'user'), {
      name: 'Anthropic staff',
      type_id: 99,
      type: 'Anthropic Staff',
      org: { name: 'Anthropic' },
    });
    assert.deepEqual(
      e.src_endpoint,
      { name: 'anthropic_actor' },
      'API Activity needs a source endpoint even without an IP',
    );
    assert.deepEqual(pick(e, 'unmapped', 'actor'), { type: 'anthropic_actor', email_address: null });
  });

  it('system_actor: the service acting', () => {
    const e = toOcsf(activity({ type: 'system_actor', service: 'retention' }));
    assert.equal(pick(e, 'actor', 'app_name'), 'retention');
    assert.deepEqual(pick(e, 'actor', 'user'), { name: 'system', type_id: 3, type: 'System' });
  });

  it('scim_directory_sync_actor: the identity provider’s directory', () => {
    const e = toOcsf(
      activity(
        {
          type: 'scim_directory_sync_actor',
          directory_id: 'directory_01D',
          workos_event_id: 'event_01W',
          idp_connection_type: 'OktaSCIMV2',
        },
        'scim_user_created',
      ),
    );
    assert.deepEqual(pick(e, 'actor', 'idp'), {
      uid: 'directory_01D',
      name: 'OktaSCIMV2',
      protocol_name: 'SCIM',
    });
    assert.equal(pick(e, 'actor', 'app_name'), 'SCIM directory sync');
    assert.deepEqual(pick(e, 'unmapped', 'actor'), {
      type: 'scim_directory_sync_actor',
      workos_event_id: 'event_01W',
    });
  });

  it('federated_identity_actor: subject at its issuer', () => {
    const e = toOcsf(
      activity({
        type: 'federated_identity_actor',
        issuer: 'https://token.actions.githubusercontent.com',
        subject: 'repo:acme/deploy:ref:refs/heads/main',
        audience: ['https://api.anthropic.com'],
      }),
    );
    assert.deepEqual(pick(e, 'actor', 'user'), {
      uid: 'repo:acme/deploy:ref:refs/heads/main',
      type_id: 99,
      type: 'Federated Identity',
    });
    assert.deepEqual(pick(e, 'actor', 'idp'), {
      issuer: 'https://token.actions.githubusercontent.com',
      name: 'https://token.actions.githubusercontent.com',
    });
    assert.deepEqual(pick(e, 'unmapped', 'actor', 'audience'), ['https://api.anthropic.com']);
  });

  it('federated_actor: the cloud account behind a workload', () => {
    const aws = toOcsf(
      activity({
        type: 'federated_actor',
        provider: {
          type: 'aws',
          account_id: '123456789012',
          signed_principal: 'arn:aws:sts::123456789012:assumed-role/x/y',
        },
        subject: 'system:serviceaccount:prod:runner',
      }),
    );
    assert.deepEqual(pick(aws, 'actor', 'user'), {
      uid: 'system:serviceaccount:prod:runner',
      type_id: 99,
      type: 'Federated Workload',
      account: { uid: '123456789012', type_id: 10, type: 'AWS Account' },
    });
    assert.deepEqual(pick(aws, 'actor', 'idp'), { name: 'aws' });
    const azure = toOcsf(
      activity({ type: 'federated_actor', provider: { type: 'azure', subscription_id: 'sub-1' } }),
    );
    assert.deepEqual(pick(azure, 'actor', 'user', 'account'), {
      uid: 'sub-1',
      type_id: 13,
      type: 'Azure Subscription',
    });
    const oidc = toOcsf(
      activity({ type: 'federated_actor', provider: { type: 'oidc', issuer: 'https://oidc.example.com' } }),
    );
    assert.deepEqual(pick(oidc, 'actor', 'idp'), { name: 'oidc', issuer: 'https://oidc.example.com' });
    assert.equal(pick(oidc, 'actor', 'user'), undefined, 'no subject, no account: no user');
  });

  it('attested_device_actor: the client app of the device', () => {
    const e = toOcsf(
      activity({
        type: 'attested_device_actor',
        external_client_id: 'clid_01C',
        kid_hash: 'ab12',
        ip_address: null,
      }),
    );
    assert.equal(pick(e, 'actor', 'app_uid'), 'clid_01C');
    assert.equal(e.src_endpoint, undefined, 'no IP, and Entity Management does not require an endpoint');
    assert.deepEqual(pick(e, 'unmapped', 'actor'), {
      type: 'attested_device_actor',
      kid_hash: 'ab12',
      ip_address: null,
    });
  });

  it('a self-service account change is about the actor; an admin’s about the user it names', () => {
    const self = toOcsf(
      activity(
        { type: 'user_actor', user_id: 'user_01A', email_address: 'a@example.com' },
        'account_deleted',
      ),
    );
    assert.equal(pick(self, 'user', 'uid'), 'user_01A');
    const admin = toOcsf({
      ...activity({ type: 'user_actor', user_id: 'user_01Admin' }, 'org_user_deleted'),
      deleted_user_id: 'user_01Gone',
    });
    assert.equal(pick(admin, 'user', 'uid'), 'user_01Gone');
    const unnamed = toOcsf(
      activity({ type: 'user_actor', user_id: 'user_01Admin' }, 'org_user_invite_deleted'),
    );
    assert.deepEqual(
      unnamed.user,
      { name: 'unknown', type_id: 0, type: 'Unknown' },
      'never the admin by mistake',
    );
  });
});
