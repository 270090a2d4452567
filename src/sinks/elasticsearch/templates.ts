import type { OutputFormat } from '../../config/fields';
import { dataStreamParts } from './config';

/**
 * The index template (and its component template) `install_templates: true` puts in place
 * before the first write, so fields are typed, not guessed from the first document: ECS
 * fields with ECS types, OCSF fields with OCSF types. Activity fields change type between
 * activity types (`updates.current_value` is text in one, an object in another), so the
 * pass-through parts (`anthropic.audit`, `unmapped`, raw's whole activity) are one
 * flattened field, as Elastic's own integration maps `updates`. Anything else stays in
 * `_source` unindexed (`dynamic: false`): a new field can never be refused as a conflict.
 * Malformed values (an ip that is not one) are ignored, never a reason to refuse the event.
 */

type Mapping = Record<string, unknown>;
export type Engine = 'elasticsearch' | 'opensearch';

const keyword: Mapping = { type: 'keyword', ignore_above: 1024 };
const long: Mapping = { type: 'long', ignore_malformed: true };
const ip: Mapping = { type: 'ip', ignore_malformed: true };
const date: Mapping = { type: 'date', ignore_malformed: true };
const text: Mapping = { type: 'text' };

/** Elasticsearch's `flattened`; OpenSearch (2.7+) calls it `flat_object`. */
function flattened(engine: Engine): Mapping {
  return engine === 'opensearch' ? { type: 'flat_object' } : { type: 'flattened', ignore_above: 1024 };
}

/** `{"a.b": m}` → `{"a": {"properties": {"b": m}}}` */
function properties(fields: Record<string, Mapping>): Mapping {
  const root: Mapping = {};
  for (const [path, mapping] of Object.entries(fields)) {
    const parts = path.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      const next = (node[part] ??= { properties: {} }) as { properties: Mapping };
      node = next.properties;
    }
    node[parts[parts.length - 1]] = mapping;
  }
  return root;
}

const DATA_STREAM_FIELDS: Record<string, Mapping> = {
  'data_stream.type': keyword,
  'data_stream.dataset': keyword,
  'data_stream.namespace': keyword,
};

function ecsFields(engine: Engine): Record<string, Mapping> {
  return {
    '@timestamp': { type: 'date' },
    'ecs.version': keyword,
    'event.kind': keyword,
    'event.category': keyword,
    'event.type': keyword,
    'event.action': keyword,
    'event.outcome': keyword,
    'event.id': keyword,
    'event.dataset': keyword,
    'event.created': date,
    'event.start': date,
    'event.severity': long,
    'event.reason': keyword,
    'event.original': { type: 'keyword', index: false, doc_values: false },
    message: text,
    'organization.id': keyword,
    'user.id': keyword,
    'user.email': keyword,
    'user.name': keyword,
    'user.target.id': keyword,
    'user.target.email': keyword,
    'group.id': keyword,
    'group.name': keyword,
    'source.ip': ip,
    'user_agent.original': keyword,
    'http.request.id': keyword,
    'http.request.method': keyword,
    'http.response.status_code': long,
    'url.original': keyword,
    'related.user': keyword,
    'related.ip': ip,
    'related.hosts': keyword,
    'anthropic.audit': flattened(engine),
    ...DATA_STREAM_FIELDS,
  };
}

function ocsfFields(engine: Engine): Record<string, Mapping> {
  const fields: Record<string, Mapping> = {
    '@timestamp': { type: 'date' },
    time: { type: 'date', format: 'epoch_millis', ignore_malformed: true },
    start_time: { type: 'date', format: 'epoch_millis', ignore_malformed: true },
    message: text,
    status: keyword,
    severity: keyword,
    'src_endpoint.ip': ip,
    'src_endpoint.name': keyword,
    'http_request.user_agent': keyword,
    'http_request.http_method': keyword,
    'http_request.url.url_string': keyword,
    'http_response.code': long,
    'api.operation': keyword,
    'api.request.uid': keyword,
    'metadata.uid': keyword,
    'metadata.version': keyword,
    'metadata.event_code': keyword,
    'metadata.tenant_uid': keyword,
    'metadata.original_time': keyword,
    'metadata.product.name': keyword,
    'metadata.product.vendor_name': keyword,
    unmapped: flattened(engine),
    resources: flattened(engine),
    web_resources: flattened(engine),
    privileges: keyword,
    ...DATA_STREAM_FIELDS,
  };
  for (const id of ['activity_id', 'category_uid', 'class_uid', 'severity_id', 'status_id', 'type_uid'])
    fields[id] = long;
  for (const name of ['activity_name', 'category_name', 'class_name', 'type_name']) fields[name] = keyword;
  for (const who of ['actor.user', 'user']) {
    for (const f of ['uid', 'email_addr', 'name', 'type', 'org.name', 'account.uid', 'account.type'])
      fields[`${who}.${f}`] = keyword;
  }
  fields['actor.app_name'] = keyword;
  fields['actor.app_uid'] = keyword;
  return fields;
}

function rawFields(engine: Engine): Record<string, Mapping> {
  return {
    '@timestamp': { type: 'date' },
    id: keyword,
    type: keyword,
    created_at: date,
    organization_id: keyword,
    organization_uuid: keyword,
    actor: flattened(engine),
    ...DATA_STREAM_FIELDS,
  };
}

export interface TemplateSet {
  readonly componentName: string;
  readonly component: Mapping;
  readonly indexName: string;
  readonly index: Mapping;
}

export function templatesFor(index: string, format: OutputFormat, engine: Engine): TemplateSet {
  const fields =
    format === 'ecs' ? ecsFields(engine) : format === 'ocsf' ? ocsfFields(engine) : rawFields(engine);
  const componentName = `claude-audit-forwarder.${index}.mappings`;
  const meta = { managed_by: 'claude-audit-forwarder', format };
  return {
    componentName,
    component: {
      template: { mappings: { dynamic: false, properties: properties(fields) } },
      _meta: meta,
    },
    indexName: `claude-audit-forwarder.${index}`,
    index: {
      index_patterns: [index],
      ...(dataStreamParts(index) ? { data_stream: {} } : {}),
      // Above Elasticsearch's built-in logs template (100), as Elastic advises for own ones.
      priority: 500,
      composed_of: [componentName],
      _meta: meta,
    },
  };
}
