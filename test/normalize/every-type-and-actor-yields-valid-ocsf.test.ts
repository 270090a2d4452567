import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ACTIVITY_TYPES } from '../../src/catalogue';
import { knownMappings, restoreFromOcsf, toOcsf } from '../../src/normalize';
import { ACTOR_TYPES, allowedActors, makeActivity, makeHostileActivity } from '../../src/simulator/generate';
import type { Activity } from '../../src/source/activity';
import { compileOcsfValidators, ocsfErrors, type ClassValidators } from './support/ocsf-schemas';

/**
 * The issue's acceptance test: activities of every documented type, with each actor variant
 * (all eleven, a superset of what each type allows), validate against the OCSF 1.8.0 schema
 * of their class — lenient and strict — and `unmapped` + the mapped fields rebuild every
 * original field.
 */

let validators: Map<number, ClassValidators>;

before(() => {
  validators = compileOcsfValidators();
});

const SEEDS = [1, 2, 3];

interface Problem {
  readonly what: string;
  readonly detail: string;
}

function check(activity: Activity, problems: Problem[], expectedClass?: number): void {
  const label = `${String(activity.type)} / ${String(activity.actor?.type)}`;
  const event = toOcsf(activity);
  const errors = ocsfErrors(validators, event);
  if (errors.length > 0)
    problems.push({ what: `${label}: invalid OCSF`, detail: errors.slice(0, 5).join('\n') });
  if (expectedClass !== undefined && event.class_uid !== expectedClass) {
    problems.push({
      what: `${label}: class`,
      detail: `class_uid ${String(event.class_uid)}, the table says ${expectedClass}`,
    });
  }
  try {
    assert.deepEqual(restoreFromOcsf(event), activity);
  } catch (err) {
    problems.push({
      what: `${label}: not rebuilt from unmapped + mapped fields`,
      detail: String(err).slice(0, 800),
    });
  }
}

function report(problems: Problem[]): string {
  return `${problems.length} problem(s):\n${problems
    .slice(0, 15)
    .map((p) => `- ${p.what}\n  ${p.detail.replace(/\n/g, '\n  ')}`)
    .join('\n')}`;
}

describe('OCSF output for every activity type and actor variant', () => {
  it('the validators reject broken events, so a pass means something', () => {
    const event = toOcsf(
      makeActivity({ type: 'platform_workspace_created', actorType: 'user_actor', seed: 7 }),
    );
    assert.deepEqual(ocsfErrors(validators, event), []);
    const broken: Record<string, (e: Record<string, unknown>) => void> = {
      'no metadata.version': (e) => delete (e.metadata as Record<string, unknown>).version,
      'time as a string': (e) => (e.time = '2026-06-01T00:00:00Z'),
      'type_uid not class×100+activity': (e) => (e.type_uid = 300402),
      'no entity': (e) => delete e.entity,
      'an unknown attribute (strict)': (e) => (e.claude = true),
      'a wrong caption (strict)': (e) => (e.activity_name = 'Delete'),
      'a null': (e) => (e.message = null),
      'an IP that is not one': (e) => (e.src_endpoint = { ip: 'not an ip' }),
    };
    for (const [name, mutate] of Object.entries(broken)) {
      const copy = structuredClone(event);
      mutate(copy);
      assert.notDeepEqual(ocsfErrors(validators, copy), [], `${name} should be rejected`);
    }
    const web = toOcsf(makeActivity({ type: 'claude_file_uploaded', actorType: 'user_actor', seed: 7 }));
    delete (web.metadata as Record<string, unknown>).profiles;
    assert.match(
      ocsfErrors(validators, web).join('\n'),
      /strict/,
      '6001 actor without the host profile is rejected by the strict schema',
    );
  });

  it('every type × every actor variant × 3 seeds is valid (lenient and strict), of its mapped class, and rebuilds the original', () => {
    const problems: Problem[] = [];
    let events = 0;
    for (const mapping of knownMappings()) {
      const actorTypes = new Set([...ACTOR_TYPES, ...allowedActors(mapping.type)]);
      for (const actorType of actorTypes) {
        for (const seed of SEEDS) {
          check(makeActivity({ type: mapping.type, actorType, seed }), problems, mapping.cls.uid);
          events++;
        }
      }
    }
    assert.equal(problems.length, 0, report(problems));
    assert.ok(events >= ACTIVITY_TYPES.length * ACTOR_TYPES.length * SEEDS.length, `only ${events} events`);
  });

  it('hostile strings in every field of every type (CR/LF, quotes, |, =, \\, NUL, RTL, 3 KB) stay valid and rebuild exactly', () => {
    const problems: Problem[] = [];
    const mappings = knownMappings();
    mappings.forEach((mapping, i) => {
      for (let k = 0; k < 2; k++) {
        const actorType = ACTOR_TYPES[(i + k * 5) % ACTOR_TYPES.length];
        check(makeHostileActivity(i * 7 + k, { type: mapping.type, actorType }), problems, mapping.cls.uid);
      }
    });
    assert.equal(problems.length, 0, report(problems));
  });

  it('keeps the identity and time facts: metadata.uid, original_time with microseconds, time in integer ms', () => {
    for (const mapping of knownMappings()) {
      const activity = makeActivity({
        type: mapping.type,
        actorType: 'user_actor',
        seed: 11,
        createdAt: '2026-05-22T15:25:13.701734Z',
      });
      const event = toOcsf(activity);
      const metadata = event.metadata as Record<string, unknown>;
      assert.equal(metadata.uid, activity.id);
      assert.equal(metadata.original_time, '2026-05-22T15:25:13.701734Z');
      assert.equal(event.time, Date.UTC(2026, 4, 22, 15, 25, 13, 701));
      assert.equal(metadata.version, '1.8.0');
      assert.deepEqual(metadata.product, {
        name: 'Claude',
        vendor_name: 'Anthropic',
        feature: { name: 'Compliance API' },
      });
      assert.equal(event.type_uid, (event.class_uid as number) * 100 + (event.activity_id as number));
    }
  });

  it('raw_data, when asked for, carries the activity as received and the event stays valid', () => {
    const activity = makeActivity({ type: 'claude_chat_viewed', actorType: 'user_actor', seed: 3 });
    const raw = JSON.stringify(activity);
    const event = toOcsf(activity, { includeRawData: true, raw });
    assert.equal(event.raw_data, raw);
    assert.deepEqual(ocsfErrors(validators, event), []);
    assert.equal(toOcsf(activity).raw_data, undefined, 'off by default');
    assert.equal(
      toOcsf(activity, { includeRawData: true }).raw_data,
      raw,
      'serialized when the caller has no text',
    );
  });
});
