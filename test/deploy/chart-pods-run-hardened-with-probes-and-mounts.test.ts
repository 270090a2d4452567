import { test } from 'node:test';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import { at, findOne, render, valuesFiles, type Manifest } from './support/helm';

/**
 * What a platform team's admission policy (restricted Pod Security Standard) and an
 * operator reading the pod spec check: who the process runs as, what it may write, how the
 * kubelet knows it is alive, and that every file the config names is actually mounted.
 */

interface PodView {
  readonly label: string;
  readonly mode: 'statefulset' | 'cronjob';
  readonly manifests: Manifest[];
  readonly workload: Manifest;
  readonly pod: Record<string, unknown>;
  readonly container: Record<string, unknown>;
  readonly config: Record<string, unknown>;
}

interface Mount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
}
interface Volume {
  name: string;
  configMap?: { name: string };
  secret?: { secretName: string; defaultMode?: number };
  persistentVolumeClaim?: { claimName: string };
  emptyDir?: { medium?: string; sizeLimit?: string };
}

function view(label: string, files: string[]): PodView {
  const manifests = render({ valuesFiles: files });
  const workload = manifests.find((m) => m.kind === 'StatefulSet' || m.kind === 'CronJob');
  assert.ok(workload, `${label}: no workload rendered`);
  const mode = workload.kind === 'StatefulSet' ? 'statefulset' : 'cronjob';
  const pod = at(workload, mode === 'statefulset' ? 'spec.template.spec' : 'spec.jobTemplate.spec.template.spec') as Record<string, unknown>;
  const containers = pod.containers as Record<string, unknown>[];
  assert.equal(containers.length, 1);
  const configMap = findOne(manifests, 'ConfigMap');
  const config = YAML.parse((configMap.data as Record<string, string>)['config.yaml']) as Record<string, unknown>;
  return { label, mode, manifests, workload, pod, container: containers[0], config };
}

const VIEWS = [view('defaults', []), ...valuesFiles().map((f) => view(f, [f]))];

const DATA_DIR = '/var/lib/claude-audit-forwarder';

for (const v of VIEWS) {
  test(`${v.label}: the pod runs as a numeric non-root user with a read-only root, no capabilities and RuntimeDefault seccomp`, () => {
    const psc = v.pod.securityContext as Record<string, unknown>;
    assert.equal(psc.runAsNonRoot, true);
    assert.equal(psc.runAsUser, 65532, 'the image user (65532), numeric so the kubelet can verify non-root');
    assert.equal(psc.runAsGroup, 65532);
    assert.equal(psc.fsGroup, 65532, 'fsGroup makes the volume writable for that user');
    assert.deepEqual(psc.seccompProfile, { type: 'RuntimeDefault' });

    const sc = v.container.securityContext as Record<string, unknown>;
    assert.equal(sc.readOnlyRootFilesystem, true);
    assert.equal(sc.allowPrivilegeEscalation, false);
    assert.equal(sc.privileged, false);
    assert.equal(sc.runAsNonRoot, true);
    assert.deepEqual(at(sc, 'capabilities.drop'), ['ALL']);
    assert.equal(at(sc, 'capabilities.add'), undefined);
    assert.deepEqual(sc.seccompProfile, { type: 'RuntimeDefault' });

    assert.equal(v.pod.automountServiceAccountToken, false, 'the forwarder never calls the Kubernetes API');
    assert.equal(v.pod.hostNetwork, undefined);
    assert.equal(v.pod.enableServiceLinks, false);
    const sa = findOne(v.manifests, 'ServiceAccount');
    assert.equal(v.pod.serviceAccountName, sa.metadata.name);
  });

  test(`${v.label}: liveness is /healthz and readiness /readyz on the port config.metrics.listen opens`, () => {
    const listen = at(v.config, 'metrics.listen') as string;
    const port = Number(/:(\d+)$/.exec(listen)?.[1]);
    assert.match(listen, /^0\.0\.0\.0:\d+$/, 'the kubelet and Prometheus reach the pod IP, not loopback');
    const ports = v.container.ports as { name: string; containerPort: number }[];
    assert.deepEqual(ports.map((p) => [p.name, p.containerPort]), [['metrics', port]]);

    assert.equal(at(v.container, 'livenessProbe.httpGet.path'), '/healthz');
    assert.equal(at(v.container, 'livenessProbe.httpGet.port'), 'metrics');
    if (v.mode === 'statefulset') {
      assert.equal(at(v.container, 'readinessProbe.httpGet.path'), '/readyz');
      assert.equal(at(v.container, 'readinessProbe.httpGet.port'), 'metrics');
      assert.equal(at(v.container, 'startupProbe.httpGet.path'), '/healthz');
      const service = findOne(v.manifests, 'Service');
      assert.deepEqual(at(service, 'spec.ports.0.targetPort'), 'metrics');
      assert.deepEqual(at(service, 'spec.selector'), at(v.workload, 'spec.selector.matchLabels'));
      assert.equal(at(v.workload, 'spec.serviceName'), service.metadata.name);
    } else {
      // A Job's pod is never a Service backend: readiness would mean nothing.
      assert.equal(v.container.readinessProbe, undefined);
    }
  });

  test(`${v.label}: resources are bounded and shutdown has time to flush`, () => {
    assert.ok(at(v.container, 'resources.requests.cpu'));
    assert.ok(at(v.container, 'resources.requests.memory'));
    assert.ok(at(v.container, 'resources.limits.memory'), 'a memory limit (the forwarder keeps memory flat)');
    const grace = v.pod.terminationGracePeriodSeconds as number;
    assert.ok(grace > 30, `terminationGracePeriodSeconds ${grace} must exceed the 30s pipeline.shutdown_timeout`);
  });

  test(`${v.label}: config, secrets and data are mounted where the config expects them`, () => {
    const mounts = v.container.volumeMounts as Mount[];
    // A StatefulSet's claim templates are volumes too.
    const claimTemplates = ((at(v.workload, 'spec.volumeClaimTemplates') ?? []) as Manifest[]).map(
      (t): Volume => ({ name: t.metadata.name, persistentVolumeClaim: { claimName: `${t.metadata.name}-${v.workload.metadata.name}-0` } }),
    );
    const volumes = [...(v.pod.volumes as Volume[]), ...claimTemplates];
    const volume = (name: string) => {
      const found = volumes.find((vol) => vol.name === name);
      assert.ok(found, `volume ${name} is mounted but not defined`);
      return found;
    };
    const mountAt = (path: string) => mounts.find((m) => m.mountPath === path);
    const names = mounts.map((m) => m.name);
    assert.equal(new Set(names).size, names.length, 'a volume is mounted twice');
    for (const m of mounts) volume(m.name);

    // The config file: the ConfigMap this release renders, read-only, at the path the args name.
    const cfgMount = mountAt('/etc/claude-audit-forwarder');
    assert.ok(cfgMount?.readOnly);
    assert.equal(volume(cfgMount.name).configMap?.name, findOne(v.manifests, 'ConfigMap').metadata.name);
    assert.ok(Object.keys(findOne(v.manifests, 'ConfigMap').data as object).includes('config.yaml'));
    const expectedArgs = ['run', '-c', '/etc/claude-audit-forwarder/config.yaml', ...(v.mode === 'cronjob' ? ['--once'] : [])];
    assert.deepEqual(v.container.args, expectedArgs);
    assert.equal(v.container.command, undefined, 'the image entrypoint (tini → the CLI) is kept');

    // Every `*_file` / TLS file the config names lies under a read-only Secret mount.
    const secretMounts = mounts.filter((m) => volume(m.name).secret);
    assert.ok(secretMounts.length >= 1);
    for (const m of secretMounts) {
      assert.equal(m.readOnly, true, `${m.mountPath} must be read-only`);
      assert.ok((volume(m.name).secret?.defaultMode ?? 0o644) <= 0o440, `${m.mountPath}: secret files must not be world-readable`);
    }
    const files = collectFileFields(v.config);
    assert.ok(files.some((f) => f.field.endsWith('api_key_file')), 'the API key comes from a file');
    for (const f of files) {
      const under = secretMounts.find((m) => f.path.startsWith(`${m.mountPath}/`));
      assert.ok(under, `${f.field}: ${f.path} is not under any Secret mount (${secretMounts.map((m) => m.mountPath).join(', ')})`);
    }

    // Everything the forwarder writes is on the data volume: the root filesystem is read-only.
    const dataMount = mountAt(DATA_DIR);
    assert.ok(dataMount && !dataMount.readOnly);
    assert.ok(volume(dataMount.name).persistentVolumeClaim, 'the data volume is a PVC');
    for (const w of collectWrittenPaths(v.config)) {
      assert.ok(w.path.startsWith(`${DATA_DIR}/`), `${w.field}: ${w.path} is outside ${DATA_DIR}, on the read-only root filesystem`);
    }
    const tmp = mountAt('/tmp');
    assert.ok(tmp, 'a writable /tmp');
    assert.equal(volume(tmp.name).emptyDir?.medium, 'Memory');
    assert.ok(volume(tmp.name).emptyDir?.sizeLimit, '/tmp is size-limited');
  });

  test(`${v.label}: the checkpoint is on a persistent volume claim`, () => {
    const dataVolume = (v.pod.volumes as Volume[]).find((vol) => vol.name === 'data');
    if (v.mode === 'statefulset') {
      assert.equal(dataVolume, undefined, 'the StatefulSet gets data from its volumeClaimTemplate');
      const templates = at(v.workload, 'spec.volumeClaimTemplates') as Manifest[];
      assert.deepEqual(templates.map((t) => t.metadata.name), ['data']);
      assert.deepEqual(at(templates[0], 'spec.accessModes'), ['ReadWriteOnce']);
      assert.equal(at(v.workload, 'spec.replicas'), 1, 'exactly one poller per tenant');
    } else {
      const pvc = findOne(v.manifests, 'PersistentVolumeClaim');
      assert.equal(dataVolume?.persistentVolumeClaim?.claimName, pvc.metadata.name);
      assert.equal(pvc.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
      assert.equal(at(v.workload, 'spec.concurrencyPolicy'), 'Forbid', 'two runs would share one checkpoint');
      assert.equal(at(v.workload, 'spec.jobTemplate.spec.template.spec.restartPolicy'), 'Never');
      const rule = at(v.workload, 'spec.jobTemplate.spec.podFailurePolicy.rules.0') as Record<string, unknown>;
      assert.equal(rule.action, 'FailJob');
      assert.deepEqual(at(rule, 'onExitCodes.values'), [2], 'a config error (exit 2) is not retried');
    }
  });
}

/** Fields naming files the forwarder reads: `<secret>_file`, tls.ca_file/cert_file/key_file. */
function collectFileFields(value: unknown, path = ''): { field: string; path: string }[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => collectFileFields(item, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, child]) => {
    const field = path ? `${path}.${k}` : k;
    if (k.endsWith('_file') && typeof child === 'string') return [{ field, path: child }];
    return collectFileFields(child, field);
  });
}

/** Paths the forwarder writes: checkpoint, dead letters, file sinks. */
function collectWrittenPaths(config: Record<string, unknown>): { field: string; path: string }[] {
  const out = [
    { field: 'checkpoint.path', path: at(config, 'checkpoint.path') as string },
    { field: 'dead_letter.path', path: at(config, 'dead_letter.path') as string },
  ];
  for (const [name, sink] of Object.entries((config.sinks ?? {}) as Record<string, Record<string, unknown>>)) {
    if (sink.type === 'file') out.push({ field: `sinks.${name}.path`, path: sink.path as string });
  }
  for (const w of out) assert.equal(typeof w.path, 'string', `${w.field} must be set explicitly in the chart (a relative default would resolve against the working directory)`);
  return out;
}

test('the mount checks fail for a secret file outside the Secret mounts and a write path on the root filesystem', () => {
  // The assertions above must be able to fail: a values file with both mistakes is caught.
  const bad = render({
    set: {
      'config.sinks.archive': { type: 'file', path: '/opt/events.jsonl' },
      'config.sinks.splunk': { type: 'splunk_hec', endpoint: 'https://s:8088', token_file: '/etc/hec-token' },
    },
  });
  const config = YAML.parse((findOne(bad, 'ConfigMap').data as Record<string, string>)['config.yaml']) as Record<string, unknown>;
  const outside = collectWrittenPaths(config).filter((w) => !w.path.startsWith(`${DATA_DIR}/`));
  assert.deepEqual(outside.map((w) => w.field), ['sinks.archive.path']);
  const files = collectFileFields(config).filter((f) => !f.path.startsWith('/var/run/secrets/claude-audit-forwarder/'));
  assert.deepEqual(files.map((f) => f.field), ['sinks.splunk.token_file']);
});
