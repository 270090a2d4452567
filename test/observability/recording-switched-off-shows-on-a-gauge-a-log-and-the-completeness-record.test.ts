import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSimulator } from '../../src/simulator';
import type { Activity } from '../../src/source/activity';
import { runCli, tempDir, writeConfig } from '../support/forwarder';
import { eventually, logLines, readyz, scrape, startForwarder } from './support/scrape';

const P = 'claude_audit_forwarder_';

const settingsRow = (id: string, loggingEnabled: boolean): Activity => ({
  id,
  type: 'org_compliance_api_settings_updated',
  created_at: new Date().toISOString(),
  organization_id: 'org_01Wv6QeBcDfGhJkLmNpQrSt8',
  organization_uuid: 'abcdef01-2345-6789-abcd-ef0123456789',
  actor: {
    type: 'user_actor',
    email_address: 'owner@example.com',
    user_id: 'user_01Owner',
    ip_address: '192.0.2.9',
    user_agent: 'Mozilla/5.0',
  },
  compliance_api_enabled: true,
  compliance_api_logging_enabled: loggingEnabled,
});

/**
 * The Compliance API can be switched off, and nothing is recorded until it is switched on
 * again: the settings row is the only evidence. The forwarder turns it into a gauge, an
 * error log naming who and when, and a gap in the completeness record, and stays ready:
 * the forwarder is healthy, the tenant's trail is not.
 */
test('a switch-off row sets compliance_api_recording to 0, logs an error, and records the gap until a switch-on row', async () => {
  const sim = await startSimulator({ seed: 3, backlog: 50, backlogWindowMs: 3_600_000 });
  const dir = tempDir();
  const config = writeConfig(dir, {
    source: {
      base_url: sim.url,
      api_key: sim.apiKey,
      start_at: '2h',
      poll_interval: '500ms',
      max_requests_per_minute: 600,
    },
    checkpoint: { path: join(dir, 'checkpoint.json') },
    dead_letter: { path: join(dir, 'dead-letter.jsonl') },
    sinks: { archive: { type: 'file', path: join(dir, 'events.jsonl'), format: 'ocsf' } },
    metrics: { listen: '127.0.0.1:0' },
    log: { level: 'info', format: 'json' },
  });
  const fwd = await startForwarder(['run', '-c', config]);
  try {
    await eventually(
      () => scrape(fwd.base),
      (s) => s.get(`${P}compliance_api_recording`) === 1,
      20_000,
      'recording = 1 at first',
    );

    sim.append([settingsRow('activity_01SwitchOff', false)]);
    await eventually(
      () => scrape(fwd.base),
      (s) => s.get(`${P}compliance_api_recording`) === 0,
      20_000,
      'recording = 0 after the switch-off row',
    );
    const error = logLines(fwd.stderr()).find(
      (l) => l.level === 'error' && /switched off/.test(String(l.message)),
    );
    assert.ok(error, 'an error-level log line');
    assert.equal(error.switched_off_by, 'owner@example.com');
    assert.equal(error.activity_id, 'activity_01SwitchOff');
    const ready = await readyz(fwd.base);
    assert.equal(ready.status, 200, 'readiness stays green: the forwarder is healthy');

    const open = await runCli(['checkpoint', 'show', '--json', '-c', config]);
    const gaps = (JSON.parse(open.stdout) as { recording: { gaps: { from: string; to: string | null }[] } })
      .recording.gaps;
    assert.equal(gaps.length, 1);
    assert.equal(gaps[0].to, null, 'still open');

    sim.append([settingsRow('activity_01SwitchOn', true)]);
    await eventually(
      () => scrape(fwd.base),
      (s) => s.get(`${P}compliance_api_recording`) === 1,
      20_000,
      'recording = 1 after the switch-on row',
    );
    await new Promise((r) => setTimeout(r, 300)); // the checkpoint save after the commit
    const closed = await runCli(['checkpoint', 'show', '-c', config]);
    assert.match(closed.stdout, /RECORDING GAPS/);
    assert.match(closed.stdout, /switched off by owner@example\.com \(activity_01SwitchOff\)/);
    assert.doesNotMatch(closed.stdout, /still off/);
  } finally {
    await fwd.kill9();
    await sim.close();
  }
});
