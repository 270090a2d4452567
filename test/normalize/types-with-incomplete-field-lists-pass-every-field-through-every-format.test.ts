import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ACTIVITY_TYPES } from '../../src/catalogue';
import { restoreFromEcs, restoreFromOcsf, serializeEvent } from '../../src/normalize';
import type { PipelineRecord } from '../../src/pipeline/record';
import { ACTOR_TYPES, makeActivity } from '../../src/simulator/generate';
import { ecsProblems } from './support/ecs-fields';
import { compileOcsfValidators, ocsfErrors, type ClassValidators } from './support/ocsf-schemas';

/**
 * 54 catalogue types are marked `fields_unknown`: the docs name only part of their fields, or
 * none. Real events of those types carry more, and every such field must reach the SIEM as it
 * came, in every output format: OCSF `unmapped`, ECS `anthropic.audit`, raw.
 */

let validators: Map<number, ClassValidators>;
before(() => {
  validators = compileOcsfValidators();
});

const INCOMPLETE = ACTIVITY_TYPES.filter((entry) => entry.fields_unknown === true).map((entry) => entry.type);

/** Fields no catalogue entry names, shaped as a later docs revision might add them. */
const UNDOCUMENTED: Readonly<Record<string, unknown>> = {
  verdict: 'malicious',
  undocumented_count: 0,
  undocumented_flag: false,
  undocumented_null: null,
  undocumented_list: ['a', 2, { three: [null] }],
  undocumented_object: { nested: { deeper: 'value', ids: ['x_01', 'x_02'] } },
  resource_details: { type: 'message', id: 'msg_01Example', parent: null },
};

const COMMON = new Set(['id', 'created_at', 'type', 'organization_id', 'organization_uuid', 'actor']);
const clock = { now: () => Date.UTC(2026, 9, 10) };

function recordOf(type: string, actorType: string, seed: number): PipelineRecord {
  const activity = makeActivity({ type, actorType, seed, fields: UNDOCUMENTED });
  return { seq: seed, activity, raw: JSON.stringify(activity) };
}

describe('types whose documented field list is incomplete', () => {
  it('are the 54 the docs mark, so this test covers them all', () => {
    assert.equal(INCOMPLETE.length, 54);
  });

  it('carry every field, documented or not, verbatim into OCSF unmapped, ECS anthropic.audit and raw', () => {
    const problems: string[] = [];
    for (const [i, type] of INCOMPLETE.entries()) {
      const actorType = ACTOR_TYPES[i % ACTOR_TYPES.length];
      const record = recordOf(type, actorType, 700 + i);
      const src = record.activity as unknown as Record<string, unknown>;
      const where = `${type} / ${actorType}`;

      const ocsf = JSON.parse(serializeEvent(record, 'ocsf', clock)) as Record<string, unknown>;
      const unmapped = ocsf.unmapped as Record<string, unknown>;
      const ecs = JSON.parse(serializeEvent(record, 'ecs', clock)) as Record<string, unknown>;
      const audit = (ecs.anthropic as Record<string, Record<string, unknown>>).audit;
      for (const [field, value] of Object.entries(src)) {
        if (COMMON.has(field)) continue;
        if (!Object.prototype.hasOwnProperty.call(unmapped, field))
          problems.push(`${where}: ${field} missing from OCSF unmapped`);
        else if (JSON.stringify(unmapped[field]) !== JSON.stringify(value))
          problems.push(`${where}: ${field} changed in OCSF unmapped`);
        if (!Object.prototype.hasOwnProperty.call(audit, field))
          problems.push(`${where}: ${field} missing from ECS anthropic.audit`);
        else if (JSON.stringify(audit[field]) !== JSON.stringify(value))
          problems.push(`${where}: ${field} changed in ECS anthropic.audit`);
      }
      const ocsfErrs = ocsfErrors(validators, ocsf);
      if (ocsfErrs.length > 0) problems.push(`${where}: invalid OCSF: ${ocsfErrs.slice(0, 3).join('; ')}`);
      const ecsErrs = ecsProblems(ecs);
      if (ecsErrs.length > 0) problems.push(`${where}: invalid ECS: ${ecsErrs.slice(0, 3).join('; ')}`);
      try {
        assert.deepEqual(restoreFromOcsf(ocsf), record.activity);
        assert.deepEqual(restoreFromEcs(ecs), record.activity);
      } catch {
        problems.push(`${where}: not rebuilt from OCSF / ECS`);
      }
      if (serializeEvent(record, 'raw') !== record.raw)
        problems.push(`${where}: raw is not the source's bytes`);
    }
    assert.deepEqual(problems, []);
  });
});
