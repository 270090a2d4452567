import { test } from 'node:test';
import assert from 'node:assert/strict';
import { at, findOne, render, type Manifest } from './support/helm';
import { fieldErrors, schemaErrors } from './support/kubernetes-schema';

/**
 * Before the forwarder starts, a `validate` init container on the same image, env and mounts
 * runs the forwarder's own checks (secret files present, directories writable, what a JSON
 * Schema cannot see), so a bad config stops the pod with its reason in that container's log.
 */

type Container = {
  name: string;
  image: string;
  args: string[];
  env?: unknown;
  envFrom?: unknown;
  volumeMounts: unknown[];
  securityContext?: unknown;
  readinessProbe?: unknown;
};

const MODES: readonly { mode: string; kind: string; podSpec: string; files: string[] }[] = [
  { mode: 'statefulset', kind: 'StatefulSet', podSpec: 'spec.template.spec', files: ['ci/splunk-values.yaml'] },
  { mode: 'cronjob', kind: 'CronJob', podSpec: 'spec.jobTemplate.spec.template.spec', files: ['ci/cronjob-values.yaml'] },
];

const SET = {
  env: [{ name: 'SPLUNK_URL', value: 'https://splunk.example.com:8088' }],
  envFrom: [{ secretRef: { name: 'more-env' } }],
  extraVolumeMounts: [{ name: 'extra', mountPath: '/extra', readOnly: true }],
  extraVolumes: [{ name: 'extra', emptyDir: {} }],
};

for (const m of MODES) {
  test(`${m.mode}: a validate init container checks the config with the forwarder's env and mounts before it starts`, () => {
    const manifests = render({ valuesFiles: m.files, set: SET });
    const workload: Manifest = findOne(manifests, m.kind);
    const init = at(workload, `${m.podSpec}.initContainers`) as Container[] | undefined;
    const [forwarder] = at(workload, `${m.podSpec}.containers`) as Container[];
    assert.ok(init, 'no init containers');
    assert.equal(init.length, 1);
    const [validate] = init;
    assert.equal(validate.name, 'validate');
    assert.equal(validate.image, forwarder.image);
    assert.deepEqual(validate.args, ['validate', '-c', '/etc/claude-audit-forwarder/config.yaml']);
    assert.equal(forwarder.args[2], validate.args[2], 'both read the same config file');
    assert.deepEqual(validate.env, forwarder.env);
    assert.deepEqual(validate.envFrom, forwarder.envFrom);
    assert.deepEqual(validate.volumeMounts, forwarder.volumeMounts);
    assert.deepEqual(validate.securityContext, forwarder.securityContext);
    assert.equal(validate.readinessProbe, undefined, 'init containers may not have probes');

    assert.deepEqual(schemaErrors(workload), []);
    assert.deepEqual(fieldErrors([{ label: m.mode, manifest: workload }]), []);
  });
}
