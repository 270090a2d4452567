import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSimulator } from '../../src/simulator';
import { SELF_EVENT_TYPE } from '../../src/source/activity';
import type { Activity } from '../../src/source/activity';
import { activities } from './helpers';

/**
 * spec/compliance-api.md "Delivery guarantees": the Compliance API can be switched off; while
 * it is off nothing is recorded and can never be recovered; the switch, off and on, is itself
 * recorded as `org_compliance_api_settings_updated` (fields `compliance_api_enabled` /
 * `compliance_api_logging_enabled`), the only evidence of the gap.
 */
const SETTINGS = 'org_compliance_api_settings_updated';
const START = Date.parse('2026-10-05T09:00:00Z');

function between(rows: readonly Activity[], fromMs: number, untilMs: number): Activity[] {
  return rows.filter((a) => Date.parse(a.created_at) >= fromMs && Date.parse(a.created_at) < untilMs);
}

describe('recording switched off', () => {
  it('setRecording(false) records a settings row, then nothing (no live rows, no self events) until setRecording(true)', async () => {
    let now = START;
    const sim = await startSimulator({
      seed: 91,
      rate: 20,
      rateLimit: false,
      selfEventDelayMs: 0,
      clock: () => now,
    });
    try {
      now += 10_000;
      sim.setRecording(false);
      const offAt = now;
      for (let i = 0; i < 5; i++) {
        now += 10_000;
        assert.equal(
          (await activities(sim, { limit: 10 })).status,
          200,
          'the feed still serves what was recorded',
        );
      }
      sim.setRecording(true);
      const onAt = now;
      now += 10_000;
      await activities(sim, { limit: 1 });
      now += 2_000;
      const rows = sim.allActivities({ includeSelf: true });
      const settings = rows.filter((a) => a.type === SETTINGS);
      assert.deepEqual(
        settings.map((a) => [Date.parse(a.created_at), a.compliance_api_enabled]),
        [
          [offAt, false],
          [onAt, true],
        ],
      );
      for (const a of settings) {
        assert.equal(a.organization_id, sim.tenant.organizationId);
        assert.equal(a.actor.type, 'user_actor');
        assert.ok(!('compliance_api_logging_enabled' in a));
      }
      assert.deepEqual(between(rows, offAt + 1, onAt), [], 'nothing recorded while off');
      assert.ok(
        between(rows, START, offAt).some((a) => a.type !== SETTINGS && a.type !== SELF_EVENT_TYPE),
        'recorded before',
      );
      assert.ok(
        between(rows, onAt + 1, now).some((a) => a.type !== SETTINGS && a.type !== SELF_EVENT_TYPE),
        'recorded after',
      );
      assert.ok(
        between(rows, onAt + 1, now).some((a) => a.type === SELF_EVENT_TYPE),
        'self events again after',
      );
    } finally {
      await sim.close();
    }
  });

  it('follows the recordingOff fault windows, with the setting they name, once each', async () => {
    let now = START;
    const sim = await startSimulator({
      seed: 92,
      rate: 10,
      rateLimit: false,
      selfEvents: false,
      faults: {
        recordingOff: [{ fromMs: 60_000, untilMs: 120_000, setting: 'compliance_api_logging_enabled' }],
      },
      clock: () => now,
    });
    try {
      now += 30_000;
      sim.setFaults({
        errorRate: 0,
        recordingOff: [{ fromMs: 60_000, untilMs: 120_000, setting: 'compliance_api_logging_enabled' }],
      });
      now += 170_000;
      const rows = sim.allActivities();
      const settings = rows.filter((a) => a.type === SETTINGS);
      assert.deepEqual(
        settings.map((a) => [Date.parse(a.created_at) - START, a.compliance_api_logging_enabled]),
        [
          [60_000, false],
          [120_000, true],
        ],
      );
      assert.ok(settings.every((a) => !('compliance_api_enabled' in a)));
      assert.equal(between(rows, START + 60_001, START + 120_000).length, 0);
      assert.ok(
        between(rows, START, START + 60_000).length > 400 && between(rows, START + 120_001, now).length > 600,
      );
    } finally {
      await sim.close();
    }
  });

  it('ends a switch-off when the faults are cleared', async () => {
    let now = START;
    const sim = await startSimulator({
      seed: 93,
      rate: 5,
      rateLimit: false,
      selfEvents: false,
      faults: { recordingOff: [{ fromMs: 1_000 }] },
      clock: () => now,
    });
    try {
      now += 30_000;
      sim.clearFaults();
      now += 30_000;
      const rows = sim.allActivities();
      assert.deepEqual(
        rows.filter((a) => a.type === SETTINGS).map((a) => a.compliance_api_enabled),
        [false, true],
      );
      assert.ok(between(rows, START + 30_001, now).length > 100);
    } finally {
      await sim.close();
    }
  });
});
