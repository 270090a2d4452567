import { ACTIVITY_TYPES, ACTOR_VARIANTS } from '../catalogue';
import type { SinkFilterConfig, SinkPrivacyConfig, SinkRoutingConfig } from '../config/fields';
import { ACCESS_TRANSPARENCY_TYPES } from '../source/access-transparency/activity';
import { globPattern } from '../util/glob';
import { editDistance } from '../util/edit-distance';
import { ocsfSeverityId } from '../normalize/severity';
import { severityId } from './filter';

/** Every documented activity type: the catalogue's and the two Access Transparency types. */
const DOCUMENTED_TYPES: readonly string[] = [
  ...new Set([...ACTIVITY_TYPES.map((t) => t.type), ...ACCESS_TRANSPARENCY_TYPES]),
];

/** Fields every activity has, beside its type's own. */
const COMMON_FIELDS = ['id', 'created_at', 'type', 'actor', 'organization_id', 'organization_uuid'];

const TOP_FIELDS = new Set([...COMMON_FIELDS, ...ACTIVITY_TYPES.flatMap((t) => t.fields.map((f) => f.name))]);
const ACTOR_FIELDS = new Set(Object.values(ACTOR_VARIANTS).flatMap((fields) => fields.map((f) => f.name)));

/** A type's mapped severity for an ordinary (successful) event of it. */
function typeSeverity(type: string): number {
  return ocsfSeverityId({ id: '', created_at: '', type, actor: { type: 'api_actor' } });
}

/** The documented types a filter lets through: by name, and by severity (of a successful event). */
function selectedTypes(filter: SinkFilterConfig): string[] {
  const include = filter?.activity_types.map(globPattern) ?? [];
  const exclude = filter?.exclude_activity_types.map(globPattern) ?? [];
  const min = filter?.min_severity ? severityId(filter.min_severity) : 0;
  return DOCUMENTED_TYPES.filter(
    (t) =>
      (include.length === 0 || include.some((p) => p.test(t))) &&
      !exclude.some((p) => p.test(t)) &&
      (min === 0 || typeSeverity(t) >= min),
  );
}

/** `validate`'s line for one sink: what it takes and what it hides. */
export function routingSummary(name: string, sink: SinkRoutingConfig): string {
  const parts: string[] = [];
  const filter = sink.filter;
  const types = selectedTypes(filter);
  parts.push(
    types.length === DOCUMENTED_TYPES.length
      ? `all ${types.length} types`
      : `${types.length} of ${DOCUMENTED_TYPES.length} types`,
  );
  if (filter?.min_severity) parts.push(`min severity ${filter.min_severity}`);
  const orgs = filter?.organization_ids.length ?? 0;
  if (orgs > 0) parts.push(`${orgs} organization${orgs === 1 ? '' : 's'}`);
  const dropped = sink.privacy?.drop_fields.length ?? 0;
  const pseudonymized = sink.privacy?.pseudonymize_fields.length ?? 0;
  if (dropped > 0) parts.push(`drops ${dropped} field${dropped === 1 ? '' : 's'}`);
  if (pseudonymized > 0) parts.push(`pseudonymizes ${pseudonymized}`);
  return `${name}: ${parts.join(', ')}`;
}

/** The documented types closest to a glob, to suggest what was meant. */
function nearestTypes(glob: string): string[] {
  const literal = glob.replace(/[*?]/g, '');
  return DOCUMENTED_TYPES.map((t) => ({
    t,
    d: Math.min(editDistance(literal, t), editDistance(literal, t.slice(0, literal.length))),
  }))
    .sort((a, b) => a.d - b.d || a.t.localeCompare(b.t))
    .slice(0, 3)
    .map((x) => x.t);
}

/** Whether some documented type (or actor variant) has the path's first field. */
function documentedPath(path: string): boolean {
  const [first, second] = path.split('.');
  if (first === 'actor' && second !== undefined) return ACTOR_FIELDS.has(second);
  return TOP_FIELDS.has(first);
}

function pathWarnings(where: string, privacy: SinkPrivacyConfig): string[] {
  if (!privacy) return [];
  const lists = { drop_fields: privacy.drop_fields, pseudonymize_fields: privacy.pseudonymize_fields };
  return Object.entries(lists).flatMap(([field, paths]) =>
    paths.flatMap((path, i) =>
      documentedPath(path)
        ? []
        : [
            `${where}.privacy.${field}[${i}]: no documented activity type has "${path}"; kept, since fields vary by type — check the spelling`,
          ],
    ),
  );
}

/**
 * What is worth saying about a config's routing that is not an error: a type glob that
 * matches no documented type (new types appear every month, so it may be meant), and a
 * privacy path no documented type has (fields vary by type).
 */
export function routingWarnings(sinks: Readonly<Record<string, SinkRoutingConfig>>): string[] {
  const warnings: string[] = [];
  for (const [name, sink] of Object.entries(sinks)) {
    const where = `sinks.${name}`;
    for (const list of ['activity_types', 'exclude_activity_types'] as const) {
      (sink.filter?.[list] ?? []).forEach((glob, i) => {
        const pattern = globPattern(glob);
        if (DOCUMENTED_TYPES.some((t) => pattern.test(t))) return;
        warnings.push(
          `${where}.filter.${list}[${i}]: "${glob}" matches no documented activity type (nearest: ${nearestTypes(glob).join(', ')}); kept, since new types appear every month`,
        );
      });
    }
    warnings.push(...pathWarnings(where, sink.privacy));
  }
  return warnings;
}
