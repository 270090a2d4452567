import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INITIAL_RECORDING, applyActivity, isRecording } from '../../src/checkpoint/recording';
import type { Activity } from '../../src/source/activity';

const settings = (id: string, at: string, fields: Record<string, unknown>): Activity => ({
  id,
  type: 'org_compliance_api_settings_updated',
  created_at: at,
  actor: { type: 'user_actor', email_address: 'admin@example.com', user_id: 'user_01' },
  ...fields,
});

test('logging switched off opens a gap, naming who; switched on closes it', () => {
  const off = applyActivity(
    INITIAL_RECORDING,
    settings('activity_off', '2026-12-01T10:00:00Z', { compliance_api_logging_enabled: false }),
  );
  assert.equal(off.switched, 'off');
  assert.equal(isRecording(off.state), false);
  assert.deepEqual(off.state.gaps, [
    {
      from: '2026-12-01T10:00:00Z',
      to: null,
      off_activity_id: 'activity_off',
      on_activity_id: null,
      switched_off_by: 'admin@example.com',
    },
  ]);
  const on = applyActivity(
    off.state,
    settings('activity_on', '2026-12-01T12:00:00Z', { compliance_api_logging_enabled: true }),
  );
  assert.equal(on.switched, 'on');
  assert.equal(isRecording(on.state), true);
  assert.equal(on.state.gaps[0].to, '2026-12-01T12:00:00Z');
  assert.equal(on.state.gaps[0].on_activity_id, 'activity_on');
});

test('either switch off is a gap; both must be on to record; null and absent fields change nothing', () => {
  let s = applyActivity(
    INITIAL_RECORDING,
    settings('a1', '2026-12-01T10:00:00Z', {
      compliance_api_enabled: false,
      compliance_api_logging_enabled: null,
    }),
  ).state;
  assert.equal(isRecording(s), false);
  s = applyActivity(
    s,
    settings('a2', '2026-12-01T11:00:00Z', { compliance_api_logging_enabled: true }),
  ).state;
  assert.equal(isRecording(s), false, 'the API itself is still off');
  const on = applyActivity(s, settings('a3', '2026-12-01T12:00:00Z', { compliance_api_enabled: true }));
  assert.equal(on.switched, 'on');
  assert.equal(on.state.gaps.length, 1);
});

test('other activities, and a settings row older than the last one applied, change nothing', () => {
  const other: Activity = {
    id: 'x',
    type: 'org_user_deleted',
    created_at: '2026-12-01T10:00:00Z',
    actor: { type: 'system_actor' },
  };
  assert.equal(applyActivity(INITIAL_RECORDING, other).state, INITIAL_RECORDING);
  const on = applyActivity(
    INITIAL_RECORDING,
    settings('a1', '2026-12-02T00:00:00Z', { compliance_api_enabled: true }),
  ).state;
  const stale = applyActivity(on, settings('a0', '2026-12-01T00:00:00Z', { compliance_api_enabled: false }));
  assert.equal(stale.switched, undefined);
  assert.equal(isRecording(stale.state), true);
});
