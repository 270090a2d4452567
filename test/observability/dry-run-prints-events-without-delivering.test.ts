import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { readJsonl, runCli, tempDir, writeConfig } from '../support/forwarder';

/**
 * `run --dry-run` reads what the next cycle would read and prints it as the sinks would
 * carry it — per sink format, or one `--format` — and delivers nothing: no sink is
 * contacted, no checkpoint is written, a later real run delivers everything.
 */
let sim: SimulatorHandle;
let dir: string;
let config: string;

before(async () => {
  sim = await startSimulator({ seed: 21, backlog: 120, backlogWindowMs: 3600_000, selfEvents: false });
  dir = tempDir('caf-dry-');
  config = writeConfig(dir, {
    source: {
      base_url: sim.url,
      api_key: sim.apiKey,
      page_size: 50,
      start_at: '2h',
      max_requests_per_minute: 600,
    },
    checkpoint: { path: join(dir, 'checkpoint.json') },
    dead_letter: { path: join(dir, 'dead-letter.jsonl') },
    sinks: {
      archive: { type: 'file', path: join(dir, 'events.jsonl'), format: 'ocsf' },
      // Never contacted by a dry run: nothing listens there.
      siem: { type: 'syslog', address: '127.0.0.1:9', transport: 'tcp', format: 'cef' },
      splunk: {
        type: 'splunk_hec',
        endpoint: 'http://127.0.0.1:9',
        token: '00000000-0000-4000-8000-000000000000',
        format: 'ocsf',
      },
    },
    metrics: { enabled: false },
  });
});

after(() => sim?.close());

test('prints each activity once per format the sinks use, naming the sinks, and stops at --limit', async () => {
  const r = await runCli(['run', '--dry-run', '--limit', '7', '-c', config]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { sinks: string[]; format: string; event: unknown });
  assert.equal(lines.length, 14, 'two renderings (OCSF for archive+splunk, CEF for siem) of 7 activities');
  const ocsf = lines.filter((l) => l.format === 'ocsf');
  const cef = lines.filter((l) => l.format === 'cef');
  assert.equal(ocsf.length, 7);
  assert.deepEqual(ocsf[0].sinks, ['archive', 'splunk']);
  assert.deepEqual(cef[0].sinks, ['siem']);
  assert.ok(cef.every((l) => typeof l.event === 'string' && l.event.startsWith('CEF:0|Anthropic|Claude|')));
  const first = sim
    .allActivities()
    .slice(0, 7)
    .map((a) => a.id);
  assert.deepEqual(
    ocsf.map((l) => (l.event as { metadata: { uid: string } }).metadata.uid),
    first,
    'the oldest activities of the window, in order',
  );
  assert.match(r.stderr, /dry run done: nothing was delivered and the checkpoint is unchanged/);
  assert.equal(existsSync(join(dir, 'checkpoint.json')), false, 'no checkpoint written');
  assert.equal(existsSync(join(dir, 'events.jsonl')), false, 'the file sink was not even opened');
});

test('--format prints plain documents in that format; --limit 0 prints the whole window', async () => {
  const r = await runCli(['run', '--dry-run', '--limit', '0', '--format', 'ecs', '-c', config]);
  assert.equal(r.code, 0, r.stderr);
  const docs = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: { id: string; kind: string } });
  assert.deepEqual(
    docs.map((d) => d.event.id),
    sim.allActivities().map((a) => a.id),
  );
  assert.ok(docs.every((d) => d.event.kind === 'event'));
});

test('after a real run, a dry run shows only what is new and leaves the checkpoint byte for byte', async () => {
  // The syslog and HEC sinks above point nowhere: the real run delivers to a file only.
  const fileOnly = writeConfig(
    dir,
    {
      source: {
        base_url: sim.url,
        api_key: sim.apiKey,
        page_size: 50,
        start_at: '2h',
        max_requests_per_minute: 600,
      },
      checkpoint: { path: join(dir, 'checkpoint.json') },
      dead_letter: { path: join(dir, 'dead-letter.jsonl') },
      sinks: { archive: { type: 'file', path: join(dir, 'events.jsonl'), format: 'raw' } },
      metrics: { enabled: false },
    },
    'file-only.yaml',
  );
  assert.equal((await runCli(['run', '--once', '-c', fileOnly])).code, 0);
  const hash = (): string =>
    createHash('sha256')
      .update(readFileSync(join(dir, 'checkpoint.json')))
      .digest('hex');
  const before = hash();
  const delivered = readJsonl(join(dir, 'events.jsonl')).length;
  const appended = new Set(sim.append(3));
  // In the API's order: (created_at, id).
  const fresh = sim
    .allActivities()
    .map((a) => a.id)
    .filter((id) => appended.has(id));
  const r = await runCli(['run', '--dry-run', '--format', 'raw', '-c', fileOnly]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: string }).id),
    fresh,
    'only the activities after the checkpoint',
  );
  assert.equal(hash(), before, 'the checkpoint is untouched');
  assert.equal(readJsonl(join(dir, 'events.jsonl')).length, delivered, 'nothing delivered');
  assert.equal((await runCli(['run', '--once', '-c', fileOnly])).code, 0);
  const ids = readJsonl<{ id: string }>(join(dir, 'events.jsonl')).map((a) => a.id);
  assert.deepEqual(ids.slice(-3), fresh, 'the next real run delivers them');
});

test('--format outside --dry-run is a usage error', async () => {
  const r = await runCli(['run', '--once', '--format', 'ecs', '-c', config]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--format applies to --dry-run only/);
});
