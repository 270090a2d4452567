/**
 * The one Parquet schema of the OCSF events this forwarder writes, the same in every file
 * and for every class (a column a class never fills is null), so Security Lake's crawler and
 * Athena see a stable table. Nested OCSF objects are structs, arrays are lists; `unmapped`,
 * whose keys vary by activity type, is a JSON string. A field missing here makes the event
 * unwritable (dead-lettered with the reason): the table grows with the normalizer, and a
 * test encodes every activity kind of the catalogue through it.
 */

export type ParquetLeaf = 'string' | 'int32' | 'int64' | 'boolean' | 'json';
export type ParquetNode = ParquetLeaf | ParquetStruct | ParquetList;
export interface ParquetStruct {
  readonly [field: string]: ParquetNode;
}
export type ParquetList = readonly [ParquetNode];

const user: ParquetStruct = {
  account: { type: 'string', type_id: 'int32', uid: 'string' },
  email_addr: 'string',
  name: 'string',
  org: { name: 'string' },
  programmatic_credentials: [{ type: 'string', uid: 'string' }],
  type: 'string',
  type_id: 'int32',
  uid: 'string',
};

const named: ParquetStruct = { name: 'string', type: 'string', uid: 'string' };

export const OCSF_PARQUET_SCHEMA: ParquetStruct = {
  activity_id: 'int32',
  activity_name: 'string',
  actor: {
    app_name: 'string',
    app_uid: 'string',
    idp: { issuer: 'string', name: 'string', protocol_name: 'string', uid: 'string' },
    user,
  },
  api: { operation: 'string', request: { uid: 'string' }, service: { name: 'string' } },
  auth_protocol: 'string',
  auth_protocol_id: 'int32',
  category_name: 'string',
  category_uid: 'int32',
  class_name: 'string',
  class_uid: 'int32',
  entity: named,
  group: named,
  http_request: {
    http_method: 'string',
    url: {
      hostname: 'string',
      path: 'string',
      query_string: 'string',
      scheme: 'string',
      url_string: 'string',
    },
    user_agent: 'string',
  },
  http_response: { code: 'int32' },
  is_mfa: 'boolean',
  message: 'string',
  metadata: {
    event_code: 'string',
    original_time: 'string',
    product: { feature: { name: 'string' }, name: 'string', vendor_name: 'string' },
    profiles: ['string'],
    tenant_uid: 'string',
    uid: 'string',
    version: 'string',
  },
  privileges: ['string'],
  resources: [{ type: 'string', uid: 'string' }],
  service: { name: 'string' },
  severity: 'string',
  severity_id: 'int32',
  src_endpoint: { ip: 'string', name: 'string' },
  start_time: 'int64',
  status: 'string',
  status_detail: 'string',
  status_id: 'int32',
  time: 'int64',
  type_name: 'string',
  type_uid: 'int64',
  unmapped: 'json',
  user,
  web_resources: [named],
};
