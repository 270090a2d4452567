import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator } from '../../src/simulator';
import type { Activity } from '../../src/source/activity';
import { readJsonl, runCli, tempDir, writeConfig } from '../support/forwarder';

const KEY = 'the-shared-pseudonym-key';
const OTHER_KEY = 'another-sinks-own-key';
const hmac = (key: string, value: string): string =>
  createHmac('sha256', key).update(value, 'utf8').digest('hex');

interface OcsfLine {
  readonly metadata: { readonly uid: string };
}

/**
 * Two runs of the forwarder (the second a new process, after new activities by the same
 * people) and three sinks: two with one privacy block (the key from a file, one in raw and
 * one in OCSF), one in OCSF with another key (it must never get the first's serialization).
 * The same email address gets the same pseudonym in both runs and both sinks — the
 * documented HMAC-SHA256 of it — and a different one under the other key.
 */
test('pseudonyms are stable across a restart and equal across sinks sharing a key', async () => {
  const sim = await startSimulator({
    seed: 401,
    backlog: 300,
    backlogWindowMs: 3600_000,
    rateLimit: false,
    selfEvents: false,
  });
  const dir = tempDir('caf-pseudonyms-');
  try {
    const keyFile = join(dir, 'pseudonym-key');
    writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });
    const privacy = { pseudonymize_fields: ['actor.email_address'], pseudonymize_key_file: keyFile };
    const file = (name: string) => join(dir, `${name}.jsonl`);
    const config = writeConfig(dir, {
      source: {
        base_url: sim.url,
        api_key: sim.apiKey,
        page_size: 200,
        start_at: '2h',
        max_requests_per_minute: 600,
      },
      checkpoint: { path: join(dir, 'checkpoint.json') },
      dead_letter: { path: join(dir, 'dead-letter.jsonl') },
      sinks: {
        raw: { type: 'file', path: file('raw'), format: 'raw', privacy },
        ocsf: { type: 'file', path: file('ocsf'), format: 'ocsf', privacy },
        other: {
          type: 'file',
          path: file('other'),
          format: 'ocsf',
          privacy: { pseudonymize_fields: ['actor.email_address'], pseudonymize_key: OTHER_KEY },
        },
      },
      metrics: { enabled: false },
      log: { level: 'warn' },
    });
    const runOnce = async () => {
      const r = await runCli(['run', '--once', '-c', config], { timeoutMs: 120_000 });
      assert.equal(r.code, 0, r.stderr.slice(-2000));
    };
    await runOnce();
    const firstRun = readJsonl(file('raw')).length;
    sim.append(150);
    await runOnce();

    const original = new Map(sim.allActivities().map((a) => [a.id, a]));
    const raw = readJsonl<Activity>(file('raw'));
    assert.ok(firstRun > 0 && raw.length > firstRun, 'both runs delivered');
    // Not an address any more, the pseudonym lands in OCSF `unmapped`: looked for in the whole event.
    const events = (name: string) =>
      new Map(readJsonl<OcsfLine>(file(name)).map((e) => [e.metadata.uid, JSON.stringify(e)]));
    const ocsf = events('ocsf');
    const other = events('other');
    const byEmail = new Map<string, Set<string>>();
    for (const a of raw) {
      const email = original.get(a.id)?.actor.email_address;
      if (typeof email !== 'string') continue;
      const pseudonym = a.actor.email_address as string;
      assert.equal(pseudonym, hmac(KEY, email), `${a.id}: the HMAC-SHA256 of the address under the key`);
      const event = ocsf.get(a.id) ?? '';
      assert.ok(event.includes(`"${pseudonym}"`) && !event.includes(email), `${a.id}: the same in OCSF`);
      assert.ok(
        other.get(a.id)?.includes(`"${hmac(OTHER_KEY, email)}"`),
        `${a.id}: its own under another key`,
      );
      byEmail.set(email, (byEmail.get(email) ?? new Set()).add(pseudonym));
    }
    const seenInBothRuns = [...byEmail.keys()].filter((email) =>
      [raw.slice(0, firstRun), raw.slice(firstRun)].every((run) =>
        run.some((a) => original.get(a.id)?.actor.email_address === email),
      ),
    );
    assert.ok(seenInBothRuns.length > 0, 'some people act in both runs');
    for (const [email, pseudonyms] of byEmail) assert.equal(pseudonyms.size, 1, `${email}: one pseudonym`);
  } finally {
    await sim.close();
  }
});
