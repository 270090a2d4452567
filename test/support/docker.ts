import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ServerUnavailable } from './servers';

/**
 * A Docker daemon for the image tests, without Docker Hub: Debian's dockerd started by hand
 * on a private socket, and the Dockerfile's base images made locally from a debootstrap
 * rootfs and the Node tarball from the npm registry (scripts/ci/docker.sh prepares both).
 *
 * The daemon is shared by concurrent test processes: each registers its pid, and the last
 * one to leave stops the daemon, including one adopted from a run that crashed.
 */

export const REPO_ROOT = resolve(__dirname, '../..');
const CACHE = join(REPO_ROOT, '.cache/docker');
const SETUP_SCRIPT = join(REPO_ROOT, 'scripts/ci/docker.sh');
export const HOW_TO_INSTALL =
  'run `sudo scripts/ci/docker.sh` (installs docker.io and debootstrap and prepares the base images), then run the tests as root';

/** The Dockerfile's default bases (ARG BASE_IMAGE / RUNTIME_BASE_IMAGE), read from it. */
export function dockerfileBases(): { build: string; runtime: string } {
  const text = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const arg = (name: string) => {
    const m = new RegExp(`^ARG ${name}=(\\S+)$`, 'm').exec(text);
    if (!m) throw new Error(`Dockerfile has no default for ARG ${name}`);
    return m[1];
  };
  return { build: arg('BASE_IMAGE'), runtime: arg('RUNTIME_BASE_IMAGE') };
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly timeoutMs?: number;
  /** Resolve with the result instead of throwing on a non-zero exit. */
  readonly allowFailure?: boolean;
  readonly cwd?: string;
}

export class Docker {
  constructor(
    /** The DOCKER_HOST the CLI talks to. */
    readonly host: string,
    /** Our own daemon and data root (free to retag base images), not someone's Docker. */
    readonly isPrivate: boolean,
    private readonly release: () => Promise<void> = async () => {},
  ) {}

  /** Runs the docker CLI against this daemon. */
  run(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn('docker', args, {
        cwd: opts.cwd ?? REPO_ROOT,
        // The classic builder: BuildKit needs the buildx plugin, which Debian's docker.io lacks.
        env: { ...process.env, DOCKER_HOST: this.host, DOCKER_BUILDKIT: '0', DOCKER_CLI_HINTS: 'false' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const result = { code: code ?? (signal ? 128 : -1), stdout, stderr };
        if (result.code !== 0 && !opts.allowFailure) {
          reject(
            new Error(
              `docker ${args.join(' ')} exited ${result.code}${signal ? ` (${signal})` : ''}:\n${tail(stderr || stdout, 3000)}`,
            ),
          );
        } else resolvePromise(result);
      });
    });
  }

  async imageExists(ref: string): Promise<boolean> {
    return (await this.run(['image', 'inspect', ref], { allowFailure: true })).code === 0;
  }

  /** Leaves the daemon (stopping it when this process was its last user). */
  stop(): Promise<void> {
    return this.release();
  }
}

function tail(text: string, n: number): string {
  return text.length > n ? `…${text.slice(-n)}` : text;
}

function commandExists(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

async function answers(host: string): Promise<boolean> {
  if (!commandExists('docker')) return false;
  const r = await new Docker(host, false).run(['version', '--format', '{{.Server.Version}}'], {
    allowFailure: true,
    timeoutMs: 15_000,
  });
  return r.code === 0;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs scripts/ci/docker.sh (idempotent) when something it provides is missing. */
function runSetupScript(reason: string): void {
  if (!isRoot())
    throw new ServerUnavailable('dockerd', HOW_TO_INSTALL, `${reason}, and only root can install it`);
  process.stderr.write(`[docker] ${reason}: running scripts/ci/docker.sh\n`);
  const r = spawnSync('bash', [SETUP_SCRIPT], {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 15 * 60_000,
  });
  if (r.status !== 0)
    throw new ServerUnavailable('dockerd', HOW_TO_INSTALL, `scripts/ci/docker.sh failed (exit ${r.status})`);
}

/** Where our private daemon lives; fixed so concurrent test processes find and share it. */
const DAEMON_DIR = '/tmp/claude-audit-forwarder-dockerd';
const SOCKET = `unix://${DAEMON_DIR}/docker.sock`;
const PIDFILE = join(DAEMON_DIR, 'dockerd.pid');
const USERS = join(DAEMON_DIR, 'users');
const LOG = join(DAEMON_DIR, 'dockerd.log');

function daemonPid(): number | undefined {
  try {
    const pid = Number(readFileSync(PIDFILE, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function liveUsers(): number[] {
  if (!existsSync(USERS)) return [];
  return readdirSync(USERS)
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0 && alive(pid));
}

async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  onTick?: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    const failure = onTick?.();
    if (failure) throw new Error(failure);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function startPrivateDaemon(): Promise<Docker> {
  mkdirSync(USERS, { recursive: true });
  writeFileSync(join(USERS, String(process.pid)), '');
  const release = async () => {
    rmSync(join(USERS, String(process.pid)), { force: true });
    if (liveUsers().length > 0) return;
    const pid = daemonPid();
    if (pid === undefined) return;
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    // dockerd leaves its network namespace bind-mounted under the exec root.
    const netns = join(DAEMON_DIR, 'exec/netns');
    if (existsSync(netns))
      for (const f of readdirSync(netns)) spawnSync('umount', [join(netns, f)], { stdio: 'ignore' });
  };

  if (!(await answers(SOCKET))) {
    // The data root is under .cache so base images and build layers survive between runs.
    const dataRoot = join(CACHE, 'data-root');
    mkdirSync(dataRoot, { recursive: true });
    const log = openSync(LOG, 'a');
    const child = spawn(
      'dockerd',
      [
        `--host=${SOCKET}`,
        `--data-root=${dataRoot}`,
        `--exec-root=${join(DAEMON_DIR, 'exec')}`,
        `--pidfile=${PIDFILE}`,
        // The image runs with --network host only: no bridge, no iptables rules on the host.
        '--bridge=none',
        '--iptables=false',
        '--ip-masq=false',
      ],
      { detached: true, stdio: ['ignore', log, log] },
    );
    child.unref();
    let exited: string | undefined;
    child.on('exit', (code) => (exited = `dockerd exited with code ${code}`));
    try {
      await waitFor(
        () => answers(SOCKET),
        60_000,
        () => {
          // Another test process may have won the race for the pidfile: its daemon is fine too.
          if (exited && daemonPid() === undefined)
            return `${exited}; last lines of ${LOG}:\n${tail(readFileSync(LOG, 'utf8'), 2000)}`;
          return undefined;
        },
      );
    } catch (err) {
      await release();
      throw new ServerUnavailable(
        'dockerd',
        HOW_TO_INSTALL,
        err instanceof Error ? err.message : String(err),
      );
    }
  }
  return new Docker(SOCKET, true, release);
}

/**
 * A daemon to build and run images: our own dockerd when we are root (installing it through
 * scripts/ci/docker.sh if needed), else an existing one at DOCKER_HOST or the default
 * socket. Throws ServerUnavailable (→ startOrSkip) when there is none.
 */
export async function startDocker(): Promise<Docker> {
  if (isRoot()) {
    if (!commandExists('dockerd')) runSetupScript('dockerd is not installed');
    if (!commandExists('docker'))
      throw new ServerUnavailable('dockerd', HOW_TO_INSTALL, 'the docker CLI is not on PATH');
    return startPrivateDaemon();
  }
  const host = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  if (await answers(host)) return new Docker(host, false);
  throw new ServerUnavailable(
    'dockerd',
    HOW_TO_INSTALL,
    `not root (cannot start dockerd) and no daemon answers at ${host}`,
  );
}

const ROOTFS = {
  runtime: { tar: join(CACHE, 'debian-bookworm-slim.tar'), local: 'claude-audit-forwarder-ci/debian-rootfs' },
  build: { tar: join(CACHE, 'node-24-bookworm-slim.tar'), local: 'claude-audit-forwarder-ci/node-rootfs' },
} as const;

/**
 * Makes the Dockerfile's default base images exist in the daemon, built from the cached
 * rootfs tarballs, unless the daemon already has them (e.g. pulled from Docker Hub).
 * The build base also trusts the CAs this machine adds (a TLS-inspecting proxy's), so that
 * `npm ci` inside the build reaches the registry the way the host does; the runtime base
 * is the plain rootfs.
 */
export async function ensureBaseImages(docker: Docker): Promise<{ build: string; runtime: string }> {
  const bases = dockerfileBases();
  if (!existsSync(ROOTFS.runtime.tar) || !existsSync(ROOTFS.build.tar))
    runSetupScript('the base image rootfs tarballs are not in .cache/docker');

  for (const kind of ['runtime', 'build'] as const) {
    const { tar, local } = ROOTFS[kind];
    const st = statSync(tar);
    // The tag names the tarball version, so a rebuilt tarball is imported again.
    const ref = `${local}:${Math.floor(st.mtimeMs)}-${st.size}`;
    if (!(await docker.imageExists(ref))) {
      await docker.run(
        [
          'import',
          '--change',
          'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          '--change',
          `CMD ["${kind === 'build' ? 'node' : 'bash'}"]`,
          tar,
          ref,
        ],
        { timeoutMs: 300_000 },
      );
    }
    const target = bases[kind];
    // Someone else's daemon may hold the real image from Docker Hub: never replace it.
    if (!docker.isPrivate && (await docker.imageExists(target))) continue;
    if (kind === 'runtime') {
      await docker.run(['tag', ref, target]);
      continue;
    }
    const extraCa = hostExtraCas();
    if (!extraCa) {
      await docker.run(['tag', ref, target]);
      continue;
    }
    const ctx = mkdtempSync(join(tmpdir(), 'caf-base-'));
    try {
      writeFileSync(join(ctx, 'host-extra-ca.crt'), extraCa);
      writeFileSync(
        join(ctx, 'Dockerfile'),
        [
          `FROM ${ref}`,
          'COPY host-extra-ca.crt /usr/local/share/ca-certificates/host-extra-ca.crt',
          'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/host-extra-ca.crt',
          '',
        ].join('\n'),
      );
      await docker.run(['build', '--force-rm', '-q', '-t', target, ctx], { timeoutMs: 300_000 });
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
  }
  return bases;
}

/** CAs this machine trusts beyond Debian's bundle (Debian's local-CA folder, NODE_EXTRA_CA_CERTS). */
function hostExtraCas(): string | undefined {
  const parts: string[] = [];
  const localDir = '/usr/local/share/ca-certificates';
  if (existsSync(localDir)) {
    for (const f of readdirSync(localDir).sort())
      if (f.endsWith('.crt')) parts.push(readFileSync(join(localDir, f), 'utf8'));
  }
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  if (extra && existsSync(extra) && !extra.startsWith('/etc/ssl/certs/'))
    parts.push(readFileSync(extra, 'utf8'));
  return parts.length > 0 ? parts.join('\n') : undefined;
}

/** Frees what a test left: containers by name (ignore if gone). */
export async function removeContainer(docker: Docker, name: string): Promise<void> {
  await docker.run(['rm', '-f', '-v', name], { allowFailure: true });
}
