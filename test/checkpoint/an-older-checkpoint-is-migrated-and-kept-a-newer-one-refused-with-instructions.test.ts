import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError, FileCheckpointStore } from '../../src/checkpoint/file-store';
import { Checkpointer } from '../../src/checkpoint/checkpointer';
import { CHECKPOINT_VERSION } from '../../src/checkpoint/state';
import { tempDir } from '../support/forwarder';

const BASE = 'https://api.anthropic.com';

function checkpointFile(version: number): string {
  const dir = tempDir('caf-upgrade-');
  const path = join(dir, 'checkpoint.json');
  const state = {
    ...Checkpointer.fresh(BASE, '2026-11-01T00:00:00Z'),
    version,
    watermark: '2026-12-01T00:00:00Z',
  };
  writeFileSync(path, JSON.stringify(state));
  return path;
}

test('a version 1 checkpoint is read as the current version, and its original kept before the first save', async () => {
  assert.equal(CHECKPOINT_VERSION, 2);
  const path = checkpointFile(1);
  const original = readFileSync(path, 'utf8');
  const store = new FileCheckpointStore(path, BASE);
  const state = await store.load();
  assert.equal(state?.version, 2);
  assert.equal(state?.watermark, '2026-12-01T00:00:00Z');
  assert.deepEqual(store.migratedFrom, { version: 1, backup: `${path}.v1.bak` });
  assert.ok(!existsSync(`${path}.v1.bak`), 'reading alone (checkpoint show) writes nothing');

  await store.save(state);
  assert.equal(readFileSync(`${path}.v1.bak`, 'utf8'), original, 'the original, byte for byte');
  assert.equal((JSON.parse(readFileSync(path, 'utf8')) as { version: number }).version, 2);

  // A second migration never overwrites the first copy.
  writeFileSync(path, original.replace('2026-12-01', '2026-12-02'));
  const again = new FileCheckpointStore(path, BASE);
  await again.save((await again.load())!);
  assert.equal(readFileSync(`${path}.v1.bak`, 'utf8'), original);

  const current = new FileCheckpointStore(path, BASE);
  await current.load();
  assert.equal(current.migratedFrom, undefined, 'a current checkpoint is not migrated');
});

test('a checkpoint from a newer forwarder is refused, saying how to roll forward or back', async () => {
  const path = checkpointFile(3);
  await assert.rejects(new FileCheckpointStore(path, BASE).load(), (err: Error) => {
    assert.ok(err instanceof CheckpointError);
    assert.match(err.message, /version 3: it was written by a newer claude-audit-forwarder/);
    assert.match(err.message, /Run the newer version again, or restore the backup/);
    assert.match(err.message, /docs\/upgrading\.md/);
    return true;
  });
});

test('a version this forwarder neither reads nor migrates is refused with the way out', async () => {
  const path = checkpointFile(0);
  await assert.rejects(new FileCheckpointStore(path, BASE).load(), (err: Error) => {
    assert.match(
      err.message,
      /version 0, which this forwarder neither reads \(version 2\) nor migrates \(from 1\)/,
    );
    assert.match(err.message, /checkpoint reset/);
    return true;
  });
});
