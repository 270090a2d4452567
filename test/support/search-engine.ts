import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  cpSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePorts } from './ports';
import { ServerUnavailable } from './servers';

/**
 * A real single-node Elasticsearch or OpenSearch, from the integration-test distributions
 * scripts/ci/elasticsearch.sh fetches from Maven Central, run as the unprivileged user that
 * script creates (both refuse root). Each engine gets its own config copy, data and logs in
 * a temp dir, ports chosen here, and can be stopped (by its pidfile), killed and started
 * again on the same ports and data.
 *
 * Elasticsearch runs with security as the zip ships it: on first start it configures TLS for
 * HTTP with its own CA (`caFile`); a file-realm superuser (`admin`) is created before. The
 * zip has no analysis-common module, so its .security index cannot be created: API keys
 * cannot be issued (a wrong one is still refused with 401). OpenSearch's zip has no security
 * plugin: plain HTTP, no credentials.
 */
export const SEARCH_ENGINE_INSTALL_HINT =
  'run `sudo bash scripts/ci/elasticsearch.sh` (installs Java 17, unzip and openssl, creates the user `searchengine` and downloads the Elasticsearch and OpenSearch test distributions into .cache/search-engines)';

export const ES_VERSION = '8.19.21';
export const OPENSEARCH_VERSION = '2.19.6';
const ENGINE_USER = 'searchengine';
const JAVA_HOME = '/usr/lib/jvm/java-17-openjdk-amd64';
const REPO_ROOT = resolve(__dirname, '..', '..');
const CACHE = join(REPO_ROOT, '.cache', 'search-engines');

export type Product = 'elasticsearch' | 'opensearch';

export interface SearchEngineOptions {
  readonly product: Product;
  /** Node settings (`-E name=value`), e.g. a tiny write queue or http.max_content_length. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Heap (-Xms = -Xmx); small because tests share a 2-core machine. */
  readonly heap?: string;
}

export interface EngineReply {
  readonly status: number;
  readonly body: string;
  json<T = Record<string, unknown>>(): T;
}

export interface EngineHit {
  readonly _id: string;
  readonly _source?: Record<string, unknown>;
}

export interface SearchEngine {
  readonly product: Product;
  /** http(s)://127.0.0.1:<port> */
  readonly url: string;
  /** The CA that signed the HTTP certificate (Elasticsearch only). */
  readonly caFile?: string;
  /** A superuser (Elasticsearch only). */
  readonly user?: { readonly username: string; readonly password: string };
  readonly running: boolean;
  /** A request as the superuser (or `as`); JSON bodies are sent as application/json. */
  request(
    method: string,
    path: string,
    body?: unknown,
    as?: { readonly username: string; readonly password: string },
  ): Promise<EngineReply>;
  /**
   * Adds (or replaces) a file-realm superuser, or removes it with `password` undefined
   * (Elasticsearch only; the node rereads the file within `resource.reload.interval.high`).
   */
  fileUser(username: string, password: string | undefined): void;
  /** Every `_id` stored under `target`, duplicates included (refreshes first). */
  ids(target: string): Promise<string[]>;
  /** Every document under `target` that `query` (query DSL) finds, scrolled (refreshes first). */
  hits(target: string, query: unknown, withSource?: boolean): Promise<EngineHit[]>;
  /** Graceful stop (SIGTERM to the pid in the pidfile); data stays for `start()`. */
  stop(): Promise<void>;
  /** Hard stop (SIGKILL), like a crashed node. */
  kill(): Promise<void>;
  start(): Promise<void>;
  /** Stops the engine and deletes its files. */
  destroy(): Promise<void>;
  logTail(lines?: number): string;
}

/** Runs the CI script (idempotent: with everything in place it only checks). */
export function ensureSearchEngines(): void {
  const r = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'ci', 'elasticsearch.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) {
    throw new ServerUnavailable(
      'Elasticsearch/OpenSearch',
      SEARCH_ENGINE_INSTALL_HINT,
      `scripts/ci/elasticsearch.sh failed: ${(r.stderr || r.stdout || String(r.error ?? '')).trim().slice(-600)}`,
    );
  }
}

function engineUid(): { uid: number; gid: number } {
  const r = spawnSync('id', ['-u', ENGINE_USER], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', ENGINE_USER], { encoding: 'utf8' });
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

function chownTree(path: string, owner: { uid: number; gid: number }): void {
  spawnSync('chown', ['-R', `${owner.uid}:${owner.gid}`, path]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function startSearchEngine(options: SearchEngineOptions): Promise<SearchEngine> {
  ensureSearchEngines();
  const product = options.product;
  const version = product === 'elasticsearch' ? ES_VERSION : OPENSEARCH_VERSION;
  const home = join(CACHE, `${product}-${version}`);
  if (!existsSync(join(home, '.complete')))
    throw new ServerUnavailable(product, SEARCH_ENGINE_INSTALL_HINT, `${home} is missing`);
  const owner = engineUid();
  const dir = mkdtempSync(join(tmpdir(), `${product}-`));
  const conf = join(dir, 'config');
  cpSync(join(home, 'config'), conf, { recursive: true });
  mkdirSync(join(dir, 'data'));
  mkdirSync(join(dir, 'logs'));
  mkdirSync(join(dir, 'tmp'));
  chownTree(dir, owner);
  chownSync(dir, owner.uid, owner.gid);
  const [httpPort, transportPort] = await freePorts(['tcp', 'tcp']);
  const pidFile = join(dir, 'engine.pid');
  const outFile = join(dir, 'engine.out');
  const isEs = product === 'elasticsearch';
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    [isEs ? 'ES_JAVA_HOME' : 'OPENSEARCH_JAVA_HOME']: JAVA_HOME,
    [isEs ? 'ES_PATH_CONF' : 'OPENSEARCH_PATH_CONF']: conf,
    [isEs ? 'ES_TMPDIR' : 'OPENSEARCH_TMPDIR']: join(dir, 'tmp'),
    [isEs ? 'ES_JAVA_OPTS' : 'OPENSEARCH_JAVA_OPTS']:
      `-Xms${options.heap ?? '256m'} -Xmx${options.heap ?? '256m'} -XX:TieredStopAtLevel=1`,
  };
  const user = isEs ? { username: 'admin', password: `pw-${randomBytes(12).toString('hex')}` } : undefined;
  const fileUser = (username: string, password: string | undefined): void => {
    const tool = join(home, 'bin', 'elasticsearch-users');
    const run = (args: string[]) =>
      spawnSync(
        'runuser',
        ['-u', ENGINE_USER, '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), tool, ...args],
        { encoding: 'utf8' },
      );
    const users = existsSync(join(conf, 'users')) ? readFileSync(join(conf, 'users'), 'utf8') : '';
    if (users.split('\n').some((line) => line.startsWith(`${username}:`))) run(['userdel', username]);
    if (password === undefined) return;
    const r = run(['useradd', username, '-p', password, '-r', 'superuser']);
    if (r.status !== 0)
      throw new ServerUnavailable(
        product,
        SEARCH_ENGINE_INSTALL_HINT,
        `elasticsearch-users failed: ${r.stderr}`,
      );
  };
  if (user) fileUser(user.username, user.password);
  const settings: Record<string, string> = {
    'discovery.type': 'single-node',
    'http.host': '127.0.0.1',
    'http.port': String(httpPort),
    'transport.port': String(transportPort),
    'path.data': join(dir, 'data'),
    'path.logs': join(dir, 'logs'),
    // A test machine's disk may be fuller than the default watermarks allow.
    'cluster.routing.allocation.disk.threshold_enabled': 'false',
    ...options.settings,
  };
  const bin = join(home, 'bin', product);
  const url = `${isEs ? 'https' : 'http'}://127.0.0.1:${httpPort}`;
  const caFile = isEs ? join(conf, 'certs', 'http_ca.crt') : undefined;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const request = (
    method: string,
    path: string,
    body?: unknown,
    as?: { readonly username: string; readonly password: string },
  ): Promise<EngineReply> =>
    new Promise((done, fail) => {
      const payload =
        body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      const headers: Record<string, string> = {};
      if (payload) {
        headers['content-type'] = typeof body === 'string' ? 'application/x-ndjson' : 'application/json';
        headers['content-length'] = String(payload.length);
      }
      const who = as ?? user;
      if (who)
        headers.authorization = `Basic ${Buffer.from(`${who.username}:${who.password}`).toString('base64')}`;
      const target = new URL(path, url);
      const req = (isEs ? https : http).request(
        target,
        {
          method,
          headers,
          ...(isEs && caFile && existsSync(caFile) ? { ca: readFileSync(caFile) } : {}),
          timeout: 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            done({
              status: res.statusCode ?? 0,
              body: text,
              json: <T>() => JSON.parse(text) as T,
            });
          });
          res.on('error', fail);
        },
      );
      req.on('error', fail);
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
      req.end(payload);
    });

  const logTail = (lines = 40): string => {
    try {
      return readFileSync(outFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };

  const pid = (): number | undefined => {
    try {
      const n = Number(readFileSync(pidFile, 'utf8').trim());
      return Number.isInteger(n) && n > 0 ? n : undefined;
    } catch {
      return undefined;
    }
  };

  const start = async (): Promise<void> => {
    const out = createWriteStream(outFile, { flags: 'a' });
    const args = ['-u', ENGINE_USER, '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), bin];
    args.push('-p', pidFile, ...Object.entries(settings).map(([k, v]) => `-E${k}=${v}`));
    const proc = spawn('runuser', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout.pipe(out);
    proc.stderr.pipe(out);
    exited = new Promise((r) => proc.once('exit', () => r()));
    let gone = false;
    void exited.then(() => (gone = true));
    // The ES test zip serves no `GET /`: cluster health answers once the node is up.
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (gone) throw new Error(`${product} exited during start-up:\n${logTail()}`);
      if (!isEs || existsSync(caFile!)) {
        const up = await request('GET', '/_cluster/health?wait_for_status=yellow&timeout=1s').catch(
          () => undefined,
        );
        if (up && up.status === 200) return;
      }
      await sleep(250);
    }
    await kill();
    throw new Error(`${product} did not become healthy within 120 s:\n${logTail()}`);
  };

  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    const p = pid();
    if (p !== undefined) {
      try {
        process.kill(p, sig);
      } catch {
        // already gone
      }
    } else child?.kill(sig);
    const timer = setTimeout(() => {
      const again = pid();
      try {
        if (again !== undefined) process.kill(again, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 30_000);
    await exited;
    clearTimeout(timer);
    child = undefined;
  };
  const stop = (): Promise<void> => signal('SIGTERM');
  const kill = (): Promise<void> => signal('SIGKILL');

  async function hits(target: string, query: unknown, withSource = false): Promise<EngineHit[]> {
    await request('POST', `/${target}/_refresh`);
    type Page = { _scroll_id?: string; hits: { hits: EngineHit[] } };
    let r = await request('POST', `/${target}/_search?scroll=1m&size=5000`, { _source: withSource, query });
    const out: EngineHit[] = [];
    for (;;) {
      if (r.status !== 200) throw new Error(`search ${target}: ${r.status} ${r.body.slice(0, 300)}`);
      const page = r.json<Page>();
      out.push(...page.hits.hits);
      if (page.hits.hits.length === 0 || !page._scroll_id) {
        if (page._scroll_id) await request('DELETE', '/_search/scroll', { scroll_id: page._scroll_id });
        return out;
      }
      r = await request('POST', '/_search/scroll', { scroll: '1m', scroll_id: page._scroll_id });
    }
  }

  const engine: SearchEngine = {
    product,
    url,
    caFile,
    user,
    get running() {
      return child !== undefined;
    },
    request,
    fileUser,
    async ids(target) {
      return (await hits(target, { match_all: {} })).map((h) => h._id);
    },
    hits,
    stop,
    kill,
    start,
    async destroy() {
      if (child) await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    logTail,
  };
  try {
    await start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return engine;
}
