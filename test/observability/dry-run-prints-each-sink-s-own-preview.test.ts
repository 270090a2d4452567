import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { parseConfig } from '../../src/config/load';
import { sinkFactory } from '../../src/sinks/registry';
import { silentLogger } from '../../src/observability/logger';
import type { PipelineRecord } from '../../src/pipeline/record';
import { runCli, tempDir, writeConfig } from '../support/forwarder';
import { MINIMAL_SINKS, registeredSinkTypes } from '../support/minimal-sinks';

/**
 * `run --dry-run` prints, for every registered sink type, the payload that sink itself would
 * send: each sink renders its own preview (the CLI knows no sink's internals), and the text
 * printed is found in the bytes the sink encodes for the same activity.
 */
let sim: SimulatorHandle;
let dir: string;

/** Each sink type's format (OCSF where the sink has no payload of its own: ECS stamps the time it is made). */
const FORMATS: Readonly<Record<string, Record<string, unknown>>> = {
  file: { format: 'ocsf' },
  stdout: { format: 'ocsf' },
  splunk_hec: { format: 'ocsf' },
  syslog: { format: 'leef', leef_delimiter: '^' },
  kafka: { format: 'ocsf' },
  elasticsearch: { format: 'ocsf', index: 'logs-claude.audit-default' },
  s3: { format: 'ocsf' },
  sentinel: {},
};

before(async () => {
  sim = await startSimulator({ seed: 33, backlog: 40, backlogWindowMs: 3600_000, selfEvents: false });
  dir = tempDir('caf-dry-preview-');
});
after(() => sim?.close());

/** Every string and byte field of an encoded record, as text: where its payload lies. */
function encodedText(value: unknown, seen = new Set<unknown>()): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (value === null || typeof value !== 'object' || seen.has(value)) return '';
  seen.add(value);
  return Object.entries(value)
    .filter(([key]) => key !== 'record')
    .map(([, v]) => encodedText(v, seen))
    .join('\n');
}

test("dry-run prints each registered sink's own preview, the payload that sink encodes", async () => {
  const sinks: Record<string, Record<string, unknown>> = {};
  for (const type of registeredSinkTypes()) {
    assert.ok(
      MINIMAL_SINKS[type] && FORMATS[type],
      `test/support/minimal-sinks.ts and FORMATS here list ${type}`,
    );
    sinks[`to_${type}`] = {
      ...MINIMAL_SINKS[type],
      ...FORMATS[type],
      ...(type === 'file' ? { path: join(dir, 'events.jsonl') } : {}),
    };
  }
  const doc = {
    source: { base_url: sim.url, api_key: sim.apiKey, page_size: 50, start_at: '2h' },
    checkpoint: { path: join(dir, 'checkpoint.json') },
    dead_letter: { path: join(dir, 'dead-letter.jsonl') },
    sinks,
    metrics: { enabled: false },
  };
  const r = await runCli(['run', '--dry-run', '--limit', '3', '-c', writeConfig(dir, doc)]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { sinks: string[]; format: string; event: unknown });
  assert.deepEqual([...new Set(lines.map((l) => l.format))].sort(), [
    'leef',
    'ocsf',
    'ocsf for logs-claude.audit-default',
    'sentinel',
  ]);
  assert.deepEqual(
    lines.flatMap((l) => l.sinks).sort(),
    Object.keys(sinks)
      .flatMap((s) => [s, s, s])
      .sort(),
    'every sink named on 3 activities',
  );

  const config = parseConfig(JSON.stringify(doc), { env: {} });
  const activities = sim.allActivities().slice(0, 3);
  const ctx = { logger: silentLogger, hostname: 'preview-test', version: 'test', baseDir: dir };
  for (const [name, sinkConfig] of Object.entries(config.sinks)) {
    const printed = lines.filter((l) => l.sinks.includes(name));
    assert.equal(printed.length, 3, name);
    const sink = sinkFactory(sinkConfig.type)!.create(name, sinkConfig, ctx);
    printed.forEach((line, i) => {
      const record: PipelineRecord = {
        seq: i + 1,
        activity: activities[i],
        raw: JSON.stringify(activities[i]),
      };
      const text = typeof line.event === 'string' ? line.event : JSON.stringify(line.event);
      assert.ok(
        encodedText(sink.encode(record)).includes(text),
        `${name} (${sinkConfig.type}) sends what dry-run printed for it`,
      );
    });
  }
  const leef = lines.find((l) => l.format === 'leef')!;
  assert.ok(
    typeof leef.event === 'string' && leef.event.startsWith('LEEF:2.0|') && leef.event.includes('^'),
    'LEEF with the configured delimiter',
  );
});
