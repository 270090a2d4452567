import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, tempDir } from './forwarder';
import { freePort } from './ports';
import { DaemonProcess, portBound, waitUntil } from './syslog-receiver';

/**
 * A real squid (Debian's package, installed by scripts/ci/proxy.sh) run by a test in the
 * foreground with its own config, logging every request it handles: method, URL, status and
 * the request headers it saw. What a client sent through the proxy is then in `requests()`.
 * It may require basic authentication (a password file the test writes) or refuse everything.
 */
export const PROXY_CI_SCRIPT = 'scripts/ci/proxy.sh';
export const SQUID_INSTALL_HINT = `run "sudo bash ${PROXY_CI_SCRIPT}" (installs squid from Debian)`;

export interface SquidProxy {
  readonly url: string;
  /** One line per request squid handled: "<method> <url> <status> <request headers>". */
  requests(): string[];
  stop(): Promise<void>;
}

export function squidAvailable(): boolean {
  if (spawnSync('squid', ['-v'], { encoding: 'utf8' }).status === 0) return true;
  if (process.getuid?.() === 0)
    spawnSync('bash', [join(REPO_ROOT, PROXY_CI_SCRIPT)], {
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 300_000,
    });
  return spawnSync('squid', ['-v'], { encoding: 'utf8' }).status === 0;
}

export interface SquidOptions {
  /** Require proxy authentication (basic_ncsa_auth) with these users and passwords. */
  readonly users?: Readonly<Record<string, string>>;
  /** Refuse every request (403). */
  readonly refuse?: boolean;
}

/** An htpasswd-style file basic_ncsa_auth reads (apr1 hashes, made by openssl). */
function writePasswords(file: string, users: Readonly<Record<string, string>>): void {
  const lines = Object.entries(users).map(([user, password]) => {
    const hash = execFileSync('openssl', ['passwd', '-apr1', '-stdin'], {
      input: `${password}\n`,
      encoding: 'utf8',
    }).trim();
    return `${user}:${hash}`;
  });
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o644 });
}

const NCSA_AUTH = ['/usr/lib/squid/basic_ncsa_auth', '/usr/lib64/squid/basic_ncsa_auth'];

export async function startSquid(opts: SquidOptions = {}): Promise<SquidProxy> {
  const dir = tempDir('caf-squid-');
  // squid drops root for its effective user, which must write here.
  chmodSync(dir, 0o777);
  const port = await freePort();
  const log = join(dir, 'access.log');
  const conf = join(dir, 'squid.conf');
  let access = ['http_access allow localhost', 'http_access deny all'];
  if (opts.refuse) access = ['http_access deny all'];
  else if (opts.users) {
    const helper = NCSA_AUTH.find((p) => existsSync(p));
    if (!helper) throw new Error(`squid's basic_ncsa_auth is not in ${NCSA_AUTH.join(' or ')}`);
    const passwords = join(dir, 'passwords');
    writePasswords(passwords, opts.users);
    access = [
      `auth_param basic program ${helper} ${passwords}`,
      'auth_param basic realm caf-test',
      'acl authenticated proxy_auth REQUIRED',
      'http_access deny !authenticated',
      ...access,
    ];
  }
  writeFileSync(
    conf,
    [
      `http_port 127.0.0.1:${port}`,
      `pid_filename ${join(dir, 'squid.pid')}`,
      `cache_log ${join(dir, 'cache.log')}`,
      'logformat seen %rm %ru %>Hs %>h',
      `access_log stdio:${log} seen`,
      'buffered_logs off',
      `coredump_dir ${dir}`,
      'cache deny all',
      'netdb_filename none',
      'shutdown_lifetime 0 seconds',
      ...access,
      ...(process.getuid?.() === 0 ? ['cache_effective_user proxy'] : []),
      '',
    ].join('\n'),
  );
  const daemon = new DaemonProcess('squid', ['-N', '-f', conf], join(dir, 'squid.out'));
  daemon.start();
  await waitUntil(`squid to listen on ${port}`, () => portBound(port, 'tcp') || !daemon.running, 15_000);
  if (!daemon.running) throw new Error(`squid did not start: ${daemon.describeExit()}`);
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []),
    stop: () => daemon.stop(),
  };
}
