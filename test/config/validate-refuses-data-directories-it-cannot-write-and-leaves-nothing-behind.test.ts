import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir, writeConfig } from '../support/forwarder';

/**
 * `validate` proves the checkpoint and dead-letter directories accept a file, as `run` needs,
 * without creating anything that stays; a directory it cannot write is refused with exit 2
 * naming the field, and `run` refuses it with the same line before starting anything.
 */

const SOURCE = { base_url: 'http://127.0.0.1:9', api_key: 'sk-ant-api01-test-key' };

test('a writable data directory passes, and the probe leaves the directory as it was', async () => {
  const dir = tempDir('caf-validate-dirs-');
  const path = writeConfig(dir, {
    source: SOURCE,
    checkpoint: { path: join(dir, 'state', 'checkpoint.json') },
    dead_letter: { path: join(dir, 'dead-letter.jsonl') },
    sinks: { out: { type: 'stdout' } },
  });
  const before = readdirSync(dir).sort();
  const r = await runCli(['validate', '-c', path]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    readdirSync(dir).sort(),
    before,
    'validate created nothing (not even the missing state directory)',
  );
});

for (const field of ['checkpoint.path', 'dead_letter.path'] as const) {
  test(`${field} under something that is not a writable directory: validate and run exit 2 naming it`, async () => {
    const dir = tempDir('caf-validate-dirs-');
    // A regular file where a directory should be: refused even for root, who may write anywhere.
    const blocker = join(dir, 'not-a-directory');
    writeFileSync(blocker, '');
    const checkpoint =
      field === 'checkpoint.path' ? join(blocker, 'checkpoint.json') : join(dir, 'checkpoint.json');
    const deadLetter =
      field === 'dead_letter.path' ? join(blocker, 'dead-letter.jsonl') : join(dir, 'dead-letter.jsonl');
    const path = writeConfig(dir, {
      source: SOURCE,
      checkpoint: { path: checkpoint },
      dead_letter: { path: deadLetter },
      sinks: { out: { type: 'stdout' } },
      metrics: { enabled: false },
    });
    const validate = await runCli(['validate', '-c', path]);
    assert.equal(validate.code, 2, validate.stdout + validate.stderr);
    const line = validate.stderr.trim();
    assert.ok(
      line.startsWith(`claude-audit-forwarder: config error: ${field}: ${blocker} is not a directory`),
      line,
    );
    assert.match(line, new RegExp(`point ${field.replace('.', '\\.')} at a writable directory$`));
    const run = await runCli(['run', '--once', '-c', path]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trim(), line);
  });
}
