import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cefSeverity,
  knownMappings,
  leefSeverity,
  severityOf,
  syslogSeverity,
  toEcs,
  toOcsf,
} from '../../src/normalize';
import { makeActivity } from '../../src/simulator/generate';

describe('severity', () => {
  it('maps OCSF severity_id onto the CEF, LEEF and syslog scales', () => {
    const table: [number, number, number, number][] = [
      // ocsf, cef, leef, syslog
      [1, 1, 1, 6],
      [2, 3, 3, 5],
      [3, 5, 5, 4],
      [4, 7, 7, 3],
      [5, 9, 9, 2],
      [6, 10, 10, 1],
      [0, 5, 5, 5],
      [99, 5, 5, 5],
    ];
    for (const [ocsf, cef, leef, syslog] of table) {
      assert.equal(cefSeverity(ocsf), cef, `cef ${ocsf}`);
      assert.equal(leefSeverity(ocsf), leef, `leef ${ocsf}`);
      assert.equal(syslogSeverity(ocsf), syslog, `syslog ${ocsf}`);
    }
  });

  it('is the same number in OCSF, ECS and the helpers for every type', () => {
    for (const mapping of knownMappings()) {
      for (const fields of [{}, { status_code: 500 }]) {
        const activity = makeActivity({ type: mapping.type, actorType: 'user_actor', seed: 5, fields });
        const severities = severityOf(activity);
        assert.equal(toOcsf(activity).severity_id, severities.ocsf, mapping.type);
        assert.equal(
          (toEcs(activity).event as Record<string, unknown>).severity,
          severities.ocsf,
          mapping.type,
        );
        assert.equal(severities.syslog, syslogSeverity(severities.ocsf));
        assert.ok(
          severities.cef >= 0 && severities.cef <= 10 && severities.leef >= 1 && severities.leef <= 10,
        );
      }
    }
  });

  it('makes failures louder than the successes of the same type', () => {
    const ok = severityOf(
      makeActivity({
        type: 'compliance_api_accessed',
        actorType: 'api_actor',
        seed: 1,
        fields: { status_code: 200 },
      }),
    );
    const denied = severityOf(
      makeActivity({
        type: 'compliance_api_accessed',
        actorType: 'api_actor',
        seed: 1,
        fields: { status_code: 403 },
      }),
    );
    assert.ok(denied.ocsf > ok.ocsf && denied.syslog < ok.syslog && denied.cef > ok.cef);
  });
});
