import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir, writeConfig } from '../support/forwarder';
import { startEveryTypeSimulator } from '../e2e/support/every-type';

interface Line {
  readonly sinks: string[];
  readonly format?: string;
  readonly id?: string;
  readonly event?: { readonly metadata?: { readonly uid?: string } } & Record<string, unknown>;
}

/**
 * With filters, `run --dry-run` shows for each activity which sinks take it: one line per
 * rendering that some sink takes, naming only those sinks, as each would carry it (its
 * privacy applied); an activity no sink takes gets a line with no sinks. Nothing is written.
 */
test('dry-run names, for each activity, the sinks whose filters take it, as each would carry it', async () => {
  const sim = await startEveryTypeSimulator(501, 1);
  const dir = tempDir('caf-dry-routing-');
  try {
    const config = writeConfig(dir, {
      source: {
        base_url: sim.url,
        api_key: sim.apiKey,
        page_size: 1000,
        start_at: '2h',
        max_requests_per_minute: 600,
      },
      checkpoint: { path: join(dir, 'checkpoint.json') },
      dead_letter: { path: join(dir, 'dead-letter.jsonl') },
      sinks: {
        orgs: {
          type: 'file',
          path: join(dir, 'orgs.jsonl'),
          format: 'raw',
          filter: { activity_types: ['org_*'] },
          privacy: { drop_fields: ['actor'] },
        },
        keys: {
          type: 'file',
          path: join(dir, 'keys.jsonl'),
          format: 'raw',
          filter: { activity_types: ['*api_key*'] },
        },
      },
      metrics: { enabled: false },
    });
    const r = await runCli(['run', '--dry-run', '--limit', '0', '-c', config]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    const served = sim.allActivities();
    const byId = new Map<string, Line[]>();
    for (const l of lines) {
      const id = l.id ?? (l.event?.id as string);
      byId.set(id, [...(byId.get(id) ?? []), l]);
    }
    assert.equal(byId.size, served.length, 'every activity is shown');
    for (const a of served) {
      const shown = byId.get(a.id) ?? [];
      const takers = shown.flatMap((l) => l.sinks).sort();
      const expected = [
        ...(/^org_/.test(a.type) ? ['orgs'] : []),
        ...(/api_key/.test(a.type) ? ['keys'] : []),
      ].sort();
      assert.deepEqual(takers, expected, `${a.type}: the sinks that take it`);
      if (expected.length === 0)
        assert.equal(JSON.stringify(shown), JSON.stringify([{ sinks: [], id: a.id, type: a.type }]));
      for (const l of shown.filter((x) => x.sinks.includes('orgs')))
        assert.equal(l.event?.actor, undefined, `${a.type}: orgs sees it without the dropped actor`);
      for (const l of shown.filter((x) => x.sinks.includes('keys')))
        assert.deepEqual(l.event?.actor, a.actor, `${a.type}: keys sees it whole`);
    }
    assert.ok(
      !existsSync(join(dir, 'orgs.jsonl')) && !existsSync(join(dir, 'checkpoint.json')),
      'nothing written',
    );
  } finally {
    await sim.close();
  }
});
