/**
 * The parts of OCSF 1.8.0 this forwarder emits, as constants: class and category ids with
 * their captions, each class's activity captions, and the enum captions of the objects we
 * fill. The strict schemas reject a caption that does not match its id, so these strings
 * are checked by the Ajv tests against ../shared/ocsf/1.8.0/strict/.
 */

export const OCSF_VERSION = '1.8.0';

export type OcsfClass =
  | 'account_change'
  | 'authentication'
  | 'entity_management'
  | 'user_access'
  | 'group_management'
  | 'web_resources_activity'
  | 'api_activity';

export interface OcsfClassInfo {
  readonly key: OcsfClass;
  readonly uid: number;
  readonly name: string;
  readonly categoryUid: number;
  readonly categoryName: string;
  /** activity_id → activity_name, without 0 (Unknown) and 99 (Other). */
  readonly activities: Readonly<Record<number, string>>;
}

const IAM = { categoryUid: 3, categoryName: 'Identity & Access Management' } as const;
const APPLICATION = { categoryUid: 6, categoryName: 'Application Activity' } as const;

export const OCSF_CLASSES: Readonly<Record<OcsfClass, OcsfClassInfo>> = {
  account_change: {
    key: 'account_change',
    uid: 3001,
    name: 'Account Change',
    ...IAM,
    activities: {
      1: 'Create',
      2: 'Enable',
      3: 'Password Change',
      4: 'Password Reset',
      5: 'Disable',
      6: 'Delete',
      7: 'Attach Policy',
      8: 'Detach Policy',
      9: 'Lock',
      10: 'MFA Factor Enable',
      11: 'MFA Factor Disable',
      12: 'Unlock',
    },
  },
  authentication: {
    key: 'authentication',
    uid: 3002,
    name: 'Authentication',
    ...IAM,
    activities: {
      1: 'Logon',
      2: 'Logoff',
      3: 'Authentication Ticket',
      4: 'Service Ticket Request',
      5: 'Service Ticket Renew',
      6: 'Preauth',
      7: 'Account Switch',
    },
  },
  entity_management: {
    key: 'entity_management',
    uid: 3004,
    name: 'Entity Management',
    ...IAM,
    activities: {
      1: 'Create',
      2: 'Read',
      3: 'Update',
      4: 'Delete',
      5: 'Move',
      6: 'Enroll',
      7: 'Unenroll',
      8: 'Enable',
      9: 'Disable',
      10: 'Activate',
      11: 'Deactivate',
      12: 'Suspend',
      13: 'Resume',
    },
  },
  user_access: {
    key: 'user_access',
    uid: 3005,
    name: 'User Access Management',
    ...IAM,
    activities: { 1: 'Assign Privileges', 2: 'Revoke Privileges' },
  },
  group_management: {
    key: 'group_management',
    uid: 3006,
    name: 'Group Management',
    ...IAM,
    activities: {
      1: 'Assign Privileges',
      2: 'Revoke Privileges',
      3: 'Add User',
      4: 'Remove User',
      5: 'Delete',
      6: 'Create',
      7: 'Add Subgroup',
      8: 'Remove Subgroup',
    },
  },
  web_resources_activity: {
    key: 'web_resources_activity',
    uid: 6001,
    name: 'Web Resources Activity',
    ...APPLICATION,
    activities: {
      1: 'Create',
      2: 'Read',
      3: 'Update',
      4: 'Delete',
      5: 'Search',
      6: 'Import',
      7: 'Export',
      8: 'Share',
    },
  },
  api_activity: {
    key: 'api_activity',
    uid: 6003,
    name: 'API Activity',
    ...APPLICATION,
    activities: { 1: 'Create', 2: 'Read', 3: 'Update', 4: 'Delete' },
  },
};

export const OTHER_ACTIVITY_ID = 99;

export const SEVERITY_NAMES: Readonly<Record<number, string>> = {
  0: 'Unknown',
  1: 'Informational',
  2: 'Low',
  3: 'Medium',
  4: 'High',
  5: 'Critical',
  6: 'Fatal',
  99: 'Other',
};

export const STATUS = {
  unknown: { id: 0, name: 'Unknown' },
  success: { id: 1, name: 'Success' },
  failure: { id: 2, name: 'Failure' },
} as const;

/** `user.type_id` captions (99 carries a source-specific caption). */
export const USER_TYPE = {
  unknown: { type_id: 0, type: 'Unknown' },
  user: { type_id: 1, type: 'User' },
  admin: { type_id: 2, type: 'Admin' },
  system: { type_id: 3, type: 'System' },
  service: { type_id: 4, type: 'Service' },
} as const;

/** `account.type_id` values for the cloud accounts behind a federated workload identity. */
export const ACCOUNT_TYPE = {
  aws: { type_id: 10, type: 'AWS Account' },
  gcp: { type_id: 11, type: 'GCP Project' },
  azure: { type_id: 13, type: 'Azure Subscription' },
} as const;

/** `auth_protocol_id` captions we use. */
export const AUTH_PROTOCOL = {
  openid: { id: 4, name: 'OpenID' },
  saml: { id: 5, name: 'SAML' },
  oauth2: { id: 6, name: 'OAUTH 2.0' },
} as const;

/** The HTTP methods `http_request.http_method` accepts. */
export const HTTP_METHODS: ReadonlySet<string> = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'TRACE',
]);
