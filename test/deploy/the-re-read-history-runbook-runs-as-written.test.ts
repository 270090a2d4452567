import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { REPO_ROOT, runCli, tempDir, writeConfig } from '../support/forwarder';
import { Pod, type IPod } from 'kubernetes-models/v1/Pod';
import { Checkpointer } from '../../src/checkpoint/checkpointer';

/**
 * docs/kubernetes.md, "Re-read history": the one-off pod's manifest is a valid Pod, its
 * command resets the checkpoint when run as written (without --yes it exited 2), and the
 * wait for it ends even when the pod fails.
 */
const runbook = readFileSync(join(REPO_ROOT, 'docs/kubernetes.md'), 'utf8');
const section = runbook.slice(runbook.indexOf('**Re-read history**'));
const manifestText = /apply -f - <<'EOF'\n([\s\S]*?)\n\s*EOF/.exec(section)?.[1] ?? '';

test('the reset pod in the runbook is a valid Pod', () => {
  assert.ok(manifestText, 'the runbook has a Pod manifest');
  const pod = YAML.parse(manifestText.replace(/^ {2}/gm, '')) as IPod;
  assert.equal(pod.kind, 'Pod');
  assert.doesNotThrow(() => new Pod(pod).validate());
});

test("the reset pod's command resets the checkpoint as written", async () => {
  const pod = YAML.parse(manifestText.replace(/^ {2}/gm, '')) as {
    spec: { containers: { args: string[] }[] };
  };
  const args = pod.spec.containers[0].args;
  const dir = tempDir('caf-runbook-');
  const checkpoint = join(dir, 'checkpoint.json');
  writeFileSync(checkpoint, JSON.stringify(Checkpointer.fresh('https://api.anthropic.com', '2026-11-01T00:00:00Z')));
  const config = writeConfig(dir, {
    source: { api_key: 'sk-ant-api01-runbook-test-key' },
    checkpoint: { path: checkpoint },
    sinks: { out: { type: 'stdout' } },
  });
  const r = await runCli(args.map((a) => (a === '/etc/claude-audit-forwarder/config.yaml' ? config : a)));
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!existsSync(checkpoint), 'the checkpoint is gone');
});

test('the runbook waits for the pod with a timeout, so a failed reset does not hang it', () => {
  const wait = section.split('\n').find((l) => l.includes('kubectl') && l.includes(' wait '));
  assert.ok(wait, 'the runbook waits for the pod');
  assert.match(wait, /--timeout=\d+s/);
});
