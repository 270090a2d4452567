import { isIP } from 'node:net';

/**
 * What ECS 9 says about each field the forwarder writes, as checks: Elasticsearch rejects a
 * whole document whose value does not fit its field's mapping (an object where a keyword is
 * mapped, a malformed ip or date), so every event must pass these.
 */

const CATEGORIES = new Set([
  'api',
  'authentication',
  'configuration',
  'database',
  'driver',
  'email',
  'file',
  'host',
  'iam',
  'intrusion_detection',
  'library',
  'malware',
  'network',
  'package',
  'process',
  'registry',
  'session',
  'threat',
  'vulnerability',
  'web',
]);
const TYPES = new Set([
  'access',
  'admin',
  'allowed',
  'change',
  'connection',
  'creation',
  'deletion',
  'denied',
  'end',
  'error',
  'group',
  'indicator',
  'info',
  'installation',
  'protocol',
  'start',
  'user',
]);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

type Check = (value: unknown) => boolean;
const keyword: Check = (v) => typeof v === 'string' && v.length > 0;
const date: Check = (v) => typeof v === 'string' && ISO_DATE.test(v) && Number.isFinite(Date.parse(v));
const long: Check = (v) => typeof v === 'number' && Number.isInteger(v);
const ip: Check = (v) => typeof v === 'string' && isIP(v) !== 0;
const arrayOf =
  (item: Check): Check =>
  (v) =>
    Array.isArray(v) && v.length > 0 && v.every(item);

const FIELDS: Readonly<Record<string, Check>> = {
  '@timestamp': date,
  'ecs.version': (v) => typeof v === 'string' && /^9\.\d+\.\d+$/.test(v),
  'event.kind': (v) => v === 'event',
  'event.category': arrayOf((v) => typeof v === 'string' && CATEGORIES.has(v)),
  'event.type': arrayOf((v) => typeof v === 'string' && TYPES.has(v)),
  'event.action': keyword,
  'event.outcome': (v) => v === 'success' || v === 'failure' || v === 'unknown',
  'event.id': keyword,
  'event.created': date,
  'event.start': date,
  'event.reason': keyword,
  'event.severity': long,
  'event.original': keyword,
  message: keyword,
  'organization.id': keyword,
  'user.id': keyword,
  'user.email': keyword,
  'user.target.id': keyword,
  'user.target.email': keyword,
  'source.ip': ip,
  'user_agent.original': keyword,
  'group.id': keyword,
  'group.name': keyword,
  'http.request.method': keyword,
  'http.request.id': keyword,
  'http.response.status_code': long,
  'url.original': keyword,
  'related.user': arrayOf(keyword),
  'related.ip': arrayOf(ip),
};

/** Problems with an ECS document; empty when every field fits ECS and nothing unknown is outside `anthropic.audit`. */
export function ecsProblems(doc: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const walk = (node: unknown, prefix: string) => {
    if (prefix === 'anthropic.audit') {
      if (typeof node !== 'object' || node === null || Array.isArray(node))
        problems.push('anthropic.audit is not an object');
      return;
    }
    if (typeof node === 'object' && node !== null && !Array.isArray(node) && !(prefix in FIELDS)) {
      for (const [key, value] of Object.entries(node)) walk(value, prefix === '' ? key : `${prefix}.${key}`);
      return;
    }
    seen.add(prefix);
    const check = FIELDS[prefix];
    if (check === undefined) problems.push(`unexpected field ${prefix}`);
    else if (!check(node))
      problems.push(`${prefix} does not fit ECS: ${JSON.stringify(node)?.slice(0, 120)}`);
  };
  walk(doc, '');
  for (const required of [
    '@timestamp',
    'ecs.version',
    'event.kind',
    'event.category',
    'event.type',
    'event.outcome',
    'event.created',
  ]) {
    if (!seen.has(required)) problems.push(`missing ${required}`);
  }
  if (!('anthropic' in doc)) problems.push('missing anthropic.audit');
  return problems;
}
