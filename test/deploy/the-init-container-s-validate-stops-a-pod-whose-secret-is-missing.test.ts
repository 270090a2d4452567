import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { at, findOne, render } from './support/helm';
import { runCli, tempDir } from '../support/forwarder';

/**
 * The chart's `validate` init container, run as the chart writes it on the config the chart
 * renders, with the pod's mounts in a scratch directory: a Secret without the key the config
 * names stops the pod (exit 2, naming the field) before the forwarder starts; with it the
 * pod goes on. This is what a JSON Schema cannot check at `helm lint`.
 */
const SECRETS = '/var/run/secrets/claude-audit-forwarder';
const DATA = '/var/lib/claude-audit-forwarder';
const CONFIG = '/etc/claude-audit-forwarder/config.yaml';

function renderedPod(): { args: string[]; config: string } {
  const manifests = render({
    set: { 'config.sinks.archive': { type: 'file', path: `${DATA}/events.jsonl` } },
  });
  const [init] = at(findOne(manifests, 'StatefulSet'), 'spec.template.spec.initContainers') as { args: string[] }[];
  const config = (at(findOne(manifests, 'ConfigMap'), 'data') as Record<string, string>)['config.yaml'];
  assert.equal(typeof config, 'string');
  return { args: init.args, config };
}

/** The pod's mounts as directories of a scratch root; the init container's args pointed at them. */
function podFiles(withApiKey: boolean): { args: string[]; dir: string } {
  const { args, config } = renderedPod();
  const dir = tempDir('caf-init-validate-');
  mkdirSync(join(dir, 'secrets'));
  mkdirSync(join(dir, 'data'));
  if (withApiKey) writeFileSync(join(dir, 'secrets/api_key'), 'sk-ant-api01-init-container-test-key\n');
  const local = config.replaceAll(SECRETS, join(dir, 'secrets')).replaceAll(DATA, join(dir, 'data'));
  writeFileSync(join(dir, 'config.yaml'), local);
  return { args: args.map((a) => (a === CONFIG ? join(dir, 'config.yaml') : a)), dir };
}

test('a Secret without the api_key the config names stops the pod in the validate init container', async () => {
  const { args } = podFiles(false);
  const r = await runCli(args);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /source\.api_key_file/);
});

test('with every file the config names, the validate init container lets the pod start', async () => {
  const { args } = podFiles(true);
  const r = await runCli(args);
  assert.equal(r.code, 0, r.stderr);
});
