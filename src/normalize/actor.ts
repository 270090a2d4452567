import { ACCOUNT_TYPE, USER_TYPE } from './ocsf/schema';
import {
  isEcsIp,
  isNonEmptyString,
  isObject,
  isOcsfEmail,
  isOcsfIp,
  setPath,
  type JsonObject,
} from './values';

/**
 * Where each field of each `actor.type` variant goes. A binding MOVES the field: the value
 * leaves the actor's remainder (kept under `unmapped.actor` / `anthropic.audit.actor`) and
 * sits at its path instead, so `restore.ts` can put it back. A value its guard refuses
 * (an IP that is not one, an email OCSF's pattern rejects, a null) stays in the remainder.
 *
 * Invariant that makes restoring exact: no value the normalizer derives (type captions,
 * fallbacks, copies) is ever written at a path some binding of the same variant reads.
 */
export interface Binding {
  readonly field: string;
  readonly path: readonly string[];
  readonly accepts: (value: unknown) => boolean;
}

const ocsf = (
  field: string,
  path: string,
  accepts: (value: unknown) => boolean = isNonEmptyString,
): Binding => ({
  field,
  path: path.split('.'),
  accepts,
});

const OCSF_COMMON: readonly Binding[] = [
  ocsf('ip_address', 'src_endpoint.ip', isOcsfIp),
  ocsf('user_agent', 'http_request.user_agent'),
];

const OCSF_VARIANTS: Readonly<Record<string, readonly Binding[]>> = {
  user_actor: [
    ocsf('user_id', 'actor.user.uid'),
    ocsf('email_address', 'actor.user.email_addr', isOcsfEmail),
  ],
  api_actor: [ocsf('api_key_id', 'actor.user.uid')],
  admin_api_key_actor: [ocsf('admin_api_key_id', 'actor.user.uid')],
  service_account_actor: [ocsf('service_account_id', 'actor.user.uid')],
  unauthenticated_user_actor: [ocsf('unauthenticated_email_address', 'actor.user.email_addr', isOcsfEmail)],
  anthropic_actor: [ocsf('email_address', 'actor.user.email_addr', isOcsfEmail)],
  system_actor: [ocsf('service', 'actor.app_name')],
  scim_directory_sync_actor: [
    ocsf('directory_id', 'actor.idp.uid'),
    ocsf('idp_connection_type', 'actor.idp.name'),
  ],
  federated_identity_actor: [ocsf('subject', 'actor.user.uid'), ocsf('issuer', 'actor.idp.issuer')],
  federated_actor: [ocsf('subject', 'actor.user.uid')],
  attested_device_actor: [ocsf('external_client_id', 'actor.app_uid')],
};

const ECS_COMMON: readonly Binding[] = [
  ocsf('ip_address', 'source.ip', isEcsIp),
  ocsf('user_agent', 'user_agent.original'),
];

/** ECS keeps key ids under `anthropic.audit.actor.*`, as Elastic's `anthropic` integration does. */
const ECS_VARIANTS: Readonly<Record<string, readonly Binding[]>> = {
  user_actor: [ocsf('user_id', 'user.id'), ocsf('email_address', 'user.email')],
  unauthenticated_user_actor: [ocsf('unauthenticated_email_address', 'user.email')],
  anthropic_actor: [ocsf('email_address', 'user.email')],
  service_account_actor: [ocsf('service_account_id', 'user.id')],
  federated_identity_actor: [ocsf('subject', 'user.id')],
  federated_actor: [ocsf('subject', 'user.id')],
};

const ocsfCache = new Map<string, readonly Binding[]>();
const ecsCache = new Map<string, readonly Binding[]>();
for (const [variant, bindings] of Object.entries(OCSF_VARIANTS))
  ocsfCache.set(variant, [...OCSF_COMMON, ...bindings]);
for (const variant of Object.keys(OCSF_VARIANTS))
  ecsCache.set(variant, [...ECS_COMMON, ...(ECS_VARIANTS[variant] ?? [])]);

/** The bindings of an actor variant; unknown variants get the common ones (IP, user agent). */
export function ocsfActorBindings(actorType: unknown): readonly Binding[] {
  return (typeof actorType === 'string' ? ocsfCache.get(actorType) : undefined) ?? OCSF_COMMON;
}

export function ecsActorBindings(actorType: unknown): readonly Binding[] {
  return (typeof actorType === 'string' ? ecsCache.get(actorType) : undefined) ?? ECS_COMMON;
}

export const KNOWN_ACTOR_TYPES: readonly string[] = Object.keys(OCSF_VARIANTS);

/**
 * Completes the OCSF `actor` built from the moved values with what the variant implies
 * (user type captions, credentials, identity provider), and makes it valid: OCSF wants a
 * user with an `account`, `name` or `uid`, and an actor with a user or an app.
 */
export function decorateOcsfActor(actorType: unknown, original: JsonObject, moved: JsonObject): JsonObject {
  const actor: JsonObject = isObject(moved.actor) ? moved.actor : {};
  const user: JsonObject = isObject(actor.user) ? actor.user : {};
  switch (actorType) {
    case 'user_actor':
      Object.assign(user, USER_TYPE.user);
      break;
    case 'api_actor':
    case 'admin_api_key_actor': {
      const label = actorType === 'api_actor' ? 'API Key' : 'Admin API Key';
      Object.assign(user, { type_id: 99, type: label });
      if (isNonEmptyString(user.uid)) user.programmatic_credentials = [{ uid: user.uid, type: label }];
      break;
    }
    case 'service_account_actor':
      Object.assign(user, USER_TYPE.service);
      break;
    case 'unauthenticated_user_actor':
      user.name = isNonEmptyString(original.unauthenticated_email_address)
        ? original.unauthenticated_email_address
        : 'unauthenticated';
      Object.assign(user, USER_TYPE.unknown);
      break;
    case 'anthropic_actor':
      Object.assign(user, {
        name: 'Anthropic staff',
        type_id: 99,
        type: 'Anthropic Staff',
        org: { name: 'Anthropic' },
      });
      break;
    case 'system_actor':
      Object.assign(user, { name: 'system' }, USER_TYPE.system);
      break;
    case 'scim_directory_sync_actor': {
      actor.app_name = 'SCIM directory sync';
      const idp = actor.idp;
      if (isObject(idp)) idp.protocol_name = 'SCIM';
      break;
    }
    case 'federated_identity_actor': {
      Object.assign(user, { type_id: 99, type: 'Federated Identity' });
      const idp = actor.idp;
      if (isObject(idp) && isNonEmptyString(idp.issuer)) idp.name = idp.issuer;
      break;
    }
    case 'federated_actor': {
      Object.assign(user, { type_id: 99, type: 'Federated Workload' });
      const provider = original.provider;
      if (isObject(provider)) {
        const account = cloudAccount(provider);
        if (account !== undefined) user.account = account;
        if (isNonEmptyString(provider.type)) {
          const idp: JsonObject = { name: provider.type };
          if (isNonEmptyString(provider.issuer)) idp.issuer = provider.issuer;
          actor.idp = idp;
        }
      }
      break;
    }
    default:
      break;
  }
  if (!isNonEmptyString(user.uid) && !isNonEmptyString(user.name) && !isObject(user.account)) {
    if (isNonEmptyString(user.email_addr)) user.name = user.email_addr;
  }
  // A user with nothing that identifies it holds only derived captions: leave it out.
  if (isNonEmptyString(user.uid) || isNonEmptyString(user.name) || isObject(user.account)) actor.user = user;
  if (actor.user === undefined && actor.app_name === undefined && actor.app_uid === undefined) {
    actor.app_name = isNonEmptyString(actorType) ? actorType : 'unknown';
  }
  return actor;
}

function cloudAccount(provider: JsonObject): JsonObject | undefined {
  if (provider.type === 'aws' && isNonEmptyString(provider.account_id))
    return { uid: provider.account_id, ...ACCOUNT_TYPE.aws };
  if (provider.type === 'azure' && isNonEmptyString(provider.subscription_id))
    return { uid: provider.subscription_id, ...ACCOUNT_TYPE.azure };
  if (provider.type === 'gcp' && isNonEmptyString(provider.project_number))
    return { uid: provider.project_number, ...ACCOUNT_TYPE.gcp };
  return undefined;
}

/**
 * Moves the bound fields of `actor` into `target` (paths from the event root) and returns
 * the remainder: everything that found no home, `type` included.
 */
export function moveActorFields(
  actor: JsonObject,
  bindings: readonly Binding[],
  target: JsonObject,
): JsonObject {
  const remainder: JsonObject = {};
  const moved: string[] = [];
  for (const binding of bindings) {
    if (!Object.prototype.hasOwnProperty.call(actor, binding.field)) continue;
    const value = actor[binding.field];
    if (!binding.accepts(value)) continue;
    setPath(target, binding.path, value);
    moved.push(binding.field);
  }
  for (const key of Object.keys(actor)) {
    if (moved.includes(key)) continue;
    if (key === '__proto__')
      Object.defineProperty(remainder, key, {
        value: actor[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else remainder[key] = actor[key];
  }
  return remainder;
}

export interface ActorFieldHome {
  readonly variant: string;
  readonly field: string;
  readonly ocsf?: string;
  readonly ecs?: string;
}

/** Where each actor field goes, per variant: for the generated documentation. */
export function actorFieldHomes(): ActorFieldHome[] {
  const rows: ActorFieldHome[] = [];
  for (const variant of KNOWN_ACTOR_TYPES) {
    const ecsByField = new Map(ecsActorBindings(variant).map((b) => [b.field, b.path.join('.')]));
    for (const binding of ocsfActorBindings(variant)) {
      rows.push({
        variant,
        field: binding.field,
        ocsf: binding.path.join('.'),
        ecs: ecsByField.get(binding.field),
      });
    }
  }
  return rows;
}
