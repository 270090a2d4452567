import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { FileCheckpointStore, CheckpointError } from '../../src/checkpoint/file-store';
import { Checkpointer } from '../../src/checkpoint/checkpointer';
import { DeadLetterFile } from '../../src/pipeline/dead-letter';
import { fileSinkFactory } from '../../src/sinks/file';
import { silentLogger } from '../../src/observability/logger';
import { runCli, tempDir, writeConfig } from '../support/forwarder';

/**
 * Whoever can write the data directory must not be able to aim the forwarder's writes at a
 * file outside it, nor feed it a checkpoint from elsewhere: temp files get names nobody can
 * predict and are created exclusively, and a checkpoint, dead-letter or file-sink path that
 * is a symbolic link is refused with a message saying so (exit 2 from validate and run).
 */

const BASE = 'https://api.anthropic.com';
const OUTSIDE = 'precious content outside the data directory\n';

function layout(): { data: string; outside: string } {
  const root = tempDir('caf-symlink-');
  const data = join(root, 'data');
  mkdirSync(data);
  const outside = join(root, 'outside.txt');
  writeFileSync(outside, OUTSIDE);
  return { data, outside };
}

test('links planted at every temp name a checkpoint save or probe used to take catch nothing', async () => {
  const { data, outside } = layout();
  const path = join(data, 'checkpoint.json');
  // The names the old store derived from the process id, and a few neighbours.
  for (let pid = process.pid - 2; pid <= process.pid + 2; pid++) {
    for (const kind of ['tmp', 'probe']) symlinkSync(outside, join(data, `.checkpoint.json.${pid}.${kind}`));
  }
  const store = new FileCheckpointStore(path, BASE);
  await store.checkWritable();
  const state = Checkpointer.fresh(BASE, '2026-01-01T00:00:00.000Z');
  await store.save(state);
  await store.save({ ...state, watermark: '2026-01-02T00:00:00Z' });
  assert.equal(readFileSync(outside, 'utf8'), OUTSIDE, 'the file outside is untouched');
  assert.equal((await store.load())?.watermark, '2026-01-02T00:00:00Z');
  const temps = readdirSync(data).filter((n) => n.startsWith('.checkpoint.json.'));
  assert.equal(temps.length, 10, `only the planted links remain, no temp file was left: ${temps.join(', ')}`);
});

test('a checkpoint that is a symbolic link is refused, never read or replaced through', async () => {
  const { data, outside } = layout();
  const foreign = join(data, '..', 'foreign-checkpoint.json');
  writeFileSync(foreign, JSON.stringify(Checkpointer.fresh(BASE, '2026-01-01T00:00:00.000Z')));
  const path = join(data, 'checkpoint.json');
  symlinkSync(foreign, path);
  await assert.rejects(new FileCheckpointStore(path, BASE).load(), (err: Error) => {
    assert.ok(err instanceof CheckpointError);
    assert.match(
      err.message,
      /checkpoint\.path\) .*checkpoint\.json is a symbolic link; refusing to follow it/,
    );
    return true;
  });
  assert.equal(readFileSync(outside, 'utf8'), OUTSIDE);
});

test('a dead-letter file or file-sink path that is a symbolic link is refused, nothing written through it', async () => {
  const { data, outside } = layout();
  const deadLetter = join(data, 'dead-letter.jsonl');
  symlinkSync(outside, deadLetter);
  await assert.rejects(
    new DeadLetterFile(deadLetter).open(),
    /dead_letter\.path\) .*is a symbolic link; refusing to follow it/,
  );
  const events = join(data, 'events.jsonl');
  symlinkSync(outside, events);
  const sink = fileSinkFactory.create(
    'archive',
    fileSinkFactory.configSchema.parse({ type: 'file', path: events }),
    {
      logger: silentLogger,
      hostname: 'h',
      version: 'test',
      baseDir: data,
    },
  );
  await assert.rejects(
    sink.start(new AbortController().signal),
    /sinks\.archive\.path\) .*is a symbolic link; refusing to follow it/,
  );
  assert.equal(readFileSync(outside, 'utf8'), OUTSIDE);
});

for (const [field, name] of [
  ['checkpoint.path', 'checkpoint.json'],
  ['dead_letter.path', 'dead-letter.jsonl'],
  ['sinks.archive.path', 'events.jsonl'],
] as const) {
  test(`validate and run refuse a symbolic link at ${field} with exit 2, naming the field`, async () => {
    const { data, outside } = layout();
    symlinkSync(outside, join(data, name));
    const path = writeConfig(
      data,
      {
        source: { base_url: 'http://127.0.0.1:9', api_key: 'sk-ant-api01-test-key' },
        checkpoint: { path: join(data, 'checkpoint.json') },
        dead_letter: { path: join(data, 'dead-letter.jsonl') },
        sinks: { archive: { type: 'file', path: join(data, 'events.jsonl') } },
      },
      '../config.yaml',
    );
    for (const args of [
      ['validate', '-c', path],
      ['run', '--once', '-c', path],
    ]) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
      assert.match(
        r.stderr.trim(),
        new RegExp(
          `^claude-audit-forwarder: config error: ${field.replace(/\./g, '\\.')}: .*${name.replace('.', '\\.')} is a symbolic link; refusing to follow it`,
        ),
      );
    }
    assert.equal(readFileSync(outside, 'utf8'), OUTSIDE);
  });
}
