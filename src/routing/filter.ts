import type { Activity } from '../source/activity';
import { SEVERITY_NAMES, type SinkFilterConfig } from '../config/fields';
import { ocsfSeverityId } from '../normalize/severity';
import { globPattern } from '../util/glob';

/** Whether a sink takes an activity. */
export type ActivityFilter = (activity: Activity) => boolean;

/** The OCSF severity_id a min_severity name stands for (informational 1 … critical 5). */
export function severityId(name: (typeof SEVERITY_NAMES)[number]): number {
  return SEVERITY_NAMES.indexOf(name) + 1;
}

/** Any of the globs, as one anchored expression (undefined for none). */
function anyOf(globs: readonly string[]): RegExp | undefined {
  if (globs.length === 0) return undefined;
  return new RegExp(globs.map((g) => globPattern(g).source).join('|'));
}

/** Type verdicts kept per filter; a feed has a few hundred types, so this is a bound for hostile input. */
const TYPE_VERDICTS_KEPT = 4096;

/**
 * A sink's `filter:` block as a predicate, or undefined when it selects everything (so the
 * unfiltered path costs nothing). Every condition given must hold.
 */
export function compileFilter(config: SinkFilterConfig): ActivityFilter | undefined {
  if (!config) return undefined;
  const include = anyOf(config.activity_types);
  const exclude = anyOf(config.exclude_activity_types);
  const minSeverity = config.min_severity ? severityId(config.min_severity) : undefined;
  const orgs = config.organization_ids.length > 0 ? new Set(config.organization_ids) : undefined;
  if (!include && !exclude && minSeverity === undefined && !orgs) return undefined;
  // The globs' verdict depends on the type alone: matched once per type, not per activity.
  const byType = new Map<string, boolean>();
  const typeSelected = (type: string): boolean => {
    let verdict = byType.get(type);
    if (verdict === undefined) {
      verdict = (!include || include.test(type)) && !exclude?.test(type);
      if (byType.size >= TYPE_VERDICTS_KEPT) byType.clear();
      byType.set(type, verdict);
    }
    return verdict;
  };
  return (activity) => {
    if ((include || exclude) && !typeSelected(typeof activity.type === 'string' ? activity.type : ''))
      return false;
    if (orgs && !belongsTo(activity, orgs)) return false;
    if (minSeverity !== undefined) {
      const id = severityOf(activity);
      // 0 Unknown and 99 Other rank below every named severity.
      if (id > 6 || id < minSeverity) return false;
    }
    return true;
  };
}

/**
 * The pipeline asks each sink's filter about one activity in turn: its severity is worked
 * out once for all of them.
 */
let lastActivity: Activity | undefined;
let lastSeverity = 0;
function severityOf(activity: Activity): number {
  if (activity !== lastActivity) {
    lastSeverity = ocsfSeverityId(activity);
    lastActivity = activity;
  }
  return lastSeverity;
}

function belongsTo(activity: Activity, orgs: ReadonlySet<string>): boolean {
  const { organization_id: id, organization_uuid: uuid } = activity;
  return (typeof id === 'string' && orgs.has(id)) || (typeof uuid === 'string' && orgs.has(uuid));
}
