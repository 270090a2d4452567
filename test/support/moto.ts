import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { freePort } from './ports';
import { ServerUnavailable } from './servers';

/**
 * A real S3 API server for tests: moto in server mode, on a loopback port, from the venv
 * scripts/ci/s3.sh makes (it is run here when the venv is missing). moto keeps its state in
 * memory: `stop()` + `start()` is an outage that also forgets every bucket. Any credentials
 * are accepted.
 */
export const MOTO_INSTALL_HINT =
  'run `bash scripts/ci/s3.sh` (makes .cache/s3/venv with moto and pyarrow from PyPI; needs python3-venv)';

const REPO_ROOT = resolve(__dirname, '..', '..');
const VENV = join(REPO_ROOT, '.cache', 's3', 'venv');
export const VENV_PYTHON = join(VENV, 'bin', 'python');

export const TEST_CREDENTIALS = {
  accessKeyId: 'AKIATESTTESTTEST0001',
  secretAccessKey: 'moto-secret-key-for-tests-0123456789abcd',
};

/** Makes the venv when it is missing (a fresh clone). */
export function ensureS3Venv(): void {
  const ready = existsSync(VENV) && readdirSync(VENV).some((f) => f.startsWith('.installed-'));
  if (ready) return;
  const r = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'ci', 's3.sh')], { encoding: 'utf8' });
  if (r.status !== 0)
    throw new ServerUnavailable('moto', MOTO_INSTALL_HINT, `scripts/ci/s3.sh failed: ${r.stderr.trim()}`);
}

export interface BucketOptions {
  readonly objectLock?: boolean;
  readonly encryption?: 'AES256' | 'aws:kms';
}

export interface Moto {
  readonly endpoint: string;
  readonly client: S3Client;
  readonly running: boolean;
  createBucket(name: string, opts?: BucketOptions): Promise<void>;
  deleteBucket(name: string): Promise<void>;
  /** Every key under `prefix`, sorted. */
  keys(bucket: string, prefix?: string): Promise<string[]>;
  /** How many versions each key has (Object Lock buckets are versioned). */
  versions(bucket: string): Promise<Map<string, number>>;
  get(bucket: string, key: string): Promise<Buffer>;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

export interface MotoOptions {
  /**
   * Enforce IAM after this many unauthenticated actions (moto's INITIAL_NO_AUTH_ACTION_COUNT):
   * the set-up creates users and policies, then only their keys are accepted.
   */
  readonly authAfterActions?: number;
}

export async function startMoto(options: MotoOptions = {}): Promise<Moto> {
  ensureS3Venv();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let output = '';

  async function start(): Promise<void> {
    output = '';
    const proc = spawn(VENV_PYTHON, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        MOTO_ALLOW_NONEXISTENT_REGION: 'true',
        ...(options.authAfterActions === undefined
          ? {}
          : { INITIAL_NO_AUTH_ACTION_COUNT: String(options.authAfterActions) }),
      },
    });
    child = proc;
    proc.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    proc.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) break;
      if (await answers(endpoint)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    proc.kill('SIGKILL');
    throw new ServerUnavailable(
      'moto',
      MOTO_INSTALL_HINT,
      `moto_server did not answer on ${endpoint}: ${output.trim().slice(-800)}`,
    );
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGKILL');
    await exited;
  }

  await start();
  const client = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: TEST_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

  async function keys(bucket: string, prefix?: string): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key) out.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort();
  }

  return {
    endpoint,
    client,
    get running() {
      return child !== undefined && child.exitCode === null;
    },
    async createBucket(name, opts = {}) {
      await client.send(
        new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: opts.objectLock }),
      );
      if (opts.encryption)
        await client.send(
          new PutBucketEncryptionCommand({
            Bucket: name,
            ServerSideEncryptionConfiguration: {
              Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: opts.encryption } }],
            },
          }),
        );
    },
    async deleteBucket(name) {
      for (const key of await keys(name)) {
        await client.send(new DeleteObjectCommand({ Bucket: name, Key: key }));
      }
      await client.send(new DeleteBucketCommand({ Bucket: name }));
    },
    keys,
    async versions(bucket) {
      const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
      const counts = new Map<string, number>();
      for (const v of page.Versions ?? []) if (v.Key) counts.set(v.Key, (counts.get(v.Key) ?? 0) + 1);
      return counts;
    },
    async get(bucket, key) {
      const reply = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await reply.Body!.transformToByteArray());
    },
    stop,
    start,
    async destroy() {
      client.destroy();
      await stop();
    },
  };
}
