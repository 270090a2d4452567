import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, tempDir } from '../support/forwarder';

/**
 * `claude-audit-forwarder` (bin/claude-audit-forwarder, the npm bin and the image's
 * entrypoint) starts node with a bounded heap: V8's default, sized from the machine's memory,
 * lets a busy forwarder sit at hundreds of MB of garbage. An operator's NODE_OPTIONS heap
 * setting wins. Tried through a symlink, as npm installs it, with a stand-in for the CLI
 * that reports what node was started with.
 */
function install(): string {
  const dir = tempDir('caf-launcher-');
  mkdirSync(join(dir, 'pkg/bin'), { recursive: true });
  copyFileSync(join(REPO_ROOT, 'bin/claude-audit-forwarder'), join(dir, 'pkg/bin/claude-audit-forwarder'));
  writeFileSync(
    join(dir, 'pkg/bin/claude-audit-forwarder.js'),
    `const v8 = require('node:v8');
     process.stdout.write(JSON.stringify({ heapMb: Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20), args: process.argv.slice(2) }));`,
  );
  execFileSync('chmod', ['+x', join(dir, 'pkg/bin/claude-audit-forwarder')]);
  mkdirSync(join(dir, '.bin'));
  symlinkSync('../pkg/bin/claude-audit-forwarder', join(dir, '.bin/claude-audit-forwarder'));
  return join(dir, '.bin/claude-audit-forwarder');
}

function launch(command: string, nodeOptions: string | undefined): { heapMb: number; args: string[] } {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  if (nodeOptions !== undefined) env.NODE_OPTIONS = nodeOptions;
  return JSON.parse(execFileSync(command, ['run', '-c', 'a config with spaces.yaml'], { env, encoding: 'utf8' })) as { heapMb: number; args: string[] };
}

test('the command starts node with a bounded heap, and passes its arguments through untouched', () => {
  const command = install();
  const r = launch(command, undefined);
  // 96 MB of old space plus three 2 MB semi-spaces.
  assert.ok(r.heapMb >= 96 && r.heapMb <= 110, `heap limit ${r.heapMb} MB`);
  assert.deepEqual(r.args, ['run', '-c', 'a config with spaces.yaml']);
  assert.equal(launch(command, '--no-warnings').heapMb, r.heapMb, 'other NODE_OPTIONS keep the bound');
});

test('a heap size in NODE_OPTIONS is the operator\'s: the command does not override it', () => {
  const command = install();
  const r = launch(command, '--max-old-space-size=400');
  assert.ok(r.heapMb >= 400, `heap limit ${r.heapMb} MB`);
});
