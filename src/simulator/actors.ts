import type { Actor } from '../source/activity';
import { Rng } from './prng';
import { type Tenant, tagged } from './tenant';
import { ipAddress, userAgent } from './values';

/**
 * Actors per `actor.type` variant, every field of the variant present (optional ones
 * sometimes null or absent, as live), values drawn from the tenant's stable cast.
 */
export const ACTOR_TYPES = [
  'user_actor',
  'api_actor',
  'admin_api_key_actor',
  'unauthenticated_user_actor',
  'anthropic_actor',
  'system_actor',
  'service_account_actor',
  'scim_directory_sync_actor',
  'federated_identity_actor',
  'federated_actor',
  'attested_device_actor',
] as const;

/** Maybe null, maybe absent, usually the value: for the variants' `?` fields. */
function optionalInto(out: Record<string, unknown>, key: string, rng: Rng, value: () => unknown): void {
  const r = rng.next();
  if (r < 0.1) return;
  out[key] = r < 0.2 ? null : value();
}

export function makeActor(actorType: string, rng: Rng, tenant: Tenant): Actor {
  const a: Record<string, unknown> = { type: actorType };
  switch (actorType) {
    case 'user_actor': {
      const user = rng.pick(tenant.users);
      a.user_id = user.id;
      a.email_address = user.email;
      a.ip_address = ipAddress(rng);
      a.user_agent = userAgent(rng, false);
      break;
    }
    case 'api_actor':
      a.api_key_id = rng.pick(tenant.apiKeyIds);
      a.ip_address = ipAddress(rng);
      a.user_agent = userAgent(rng, true);
      break;
    case 'admin_api_key_actor':
      a.admin_api_key_id = rng.pick(tenant.adminApiKeyIds);
      a.ip_address = ipAddress(rng);
      a.user_agent = userAgent(rng, true);
      break;
    case 'unauthenticated_user_actor':
      a.unauthenticated_email_address = rng.chance(0.7)
        ? rng.chance(0.6)
          ? rng.pick(tenant.users).email
          : `unknown${rng.between(1, 999)}@example.net`
        : null;
      a.ip_address = ipAddress(rng);
      a.user_agent = userAgent(rng, false);
      break;
    case 'anthropic_actor':
      a.email_address = null;
      break;
    case 'system_actor':
      a.service = rng.chance(0.7)
        ? rng.pick(['scim-sync', 'billing', 'retention', 'sso', 'data-export', 'abuse-detection'])
        : null;
      break;
    case 'service_account_actor':
      a.service_account_id = rng.pick(tenant.serviceAccountIds);
      a.ip_address = ipAddress(rng);
      a.user_agent = userAgent(rng, true);
      break;
    case 'scim_directory_sync_actor':
      a.directory_id = tenant.directoryId;
      a.workos_event_id = tagged(rng, 'event');
      a.idp_connection_type = rng.chance(0.9)
        ? rng.pick(['OktaSCIMV2', 'AzureSCIMV2_0', 'GoogleWorkspace', 'GenericSCIMV2', 'JumpCloudSCIMV2_0'])
        : null;
      break;
    case 'federated_identity_actor': {
      const issuer = rng.pick([
        'https://token.actions.githubusercontent.com',
        `https://idp.${tenant.domain}`,
        'https://accounts.google.com',
      ]);
      a.issuer = issuer;
      a.subject = issuer.includes('github')
        ? `repo:${tenant.name.toLowerCase().replace(/[^a-z]+/g, '-')}/deploy:ref:refs/heads/main`
        : `svc-${rng.base58(10)}`;
      if (rng.chance(0.85))
        a.audience = rng.chance(0.7)
          ? ['https://api.anthropic.com']
          : ['https://api.anthropic.com', `sts.${tenant.domain}`];
      optionalInto(a, 'ip_address', rng, () => ipAddress(rng));
      optionalInto(a, 'user_agent', rng, () => userAgent(rng, true));
      break;
    }
    case 'federated_actor':
      a.provider = federatedProvider(rng, tenant);
      optionalInto(
        a,
        'subject',
        rng,
        () =>
          `system:serviceaccount:${rng.pick(['prod', 'ci', 'etl'])}:${rng.pick(['runner', 'batch', 'agent'])}`,
      );
      optionalInto(a, 'ip_address', rng, () => ipAddress(rng));
      optionalInto(a, 'user_agent', rng, () => userAgent(rng, true));
      break;
    case 'attested_device_actor':
      a.external_client_id = tagged(rng, 'clid');
      a.kid_hash = rng.hex(16);
      optionalInto(a, 'ip_address', rng, () => ipAddress(rng));
      optionalInto(a, 'user_agent', rng, () => userAgent(rng, false));
      break;
    default:
      // An actor type we have never seen: the feed may add one any day; give it the
      // fields most variants share so pass-through is exercised with content.
      a.ip_address = ipAddress(rng);
      a.user_agent = userAgent(rng, true);
  }
  return a as Actor;
}

function federatedProvider(rng: Rng, tenant: Tenant): Record<string, string> {
  switch (rng.pick(['aws', 'azure', 'gcp', 'oidc'])) {
    case 'aws': {
      const account = rng.digits(12);
      return {
        type: 'aws',
        account_id: account,
        signed_principal: `arn:aws:sts::${account}:assumed-role/claude-${rng.pick(['batch', 'agent', 'ci'])}/${rng.base58(12)}`,
      };
    }
    case 'azure':
      return { type: 'azure', subscription_id: rng.uuid() };
    case 'gcp':
      return { type: 'gcp', project_number: rng.digits(12) };
    default:
      return { type: 'oidc', issuer: `https://oidc.${tenant.domain}` };
  }
}
