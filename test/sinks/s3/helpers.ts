import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { PipelineRecord } from '../../../src/pipeline/record';
import { S3Sink } from '../../../src/sinks/s3';
import { s3SinkConfig } from '../../../src/sinks/s3/config';
import type { S3Record } from '../../../src/sinks/s3/objects';
import { captureLogger, type CapturingLogger } from '../splunk-hec/helpers';
import { TEST_CREDENTIALS, VENV_PYTHON, type Moto } from '../../support/moto';

/** Shared pieces of the S3 sink tests (not a test file: the runner only picks *.test.ts). */

export { makeRecord, makeRecords } from '../splunk-hec/helpers';

export function buildSink(
  moto: Moto,
  config: Record<string, unknown>,
  name = 'archive',
): { sink: S3Sink; logger: CapturingLogger } {
  const logger = captureLogger();
  const parsed = s3SinkConfig.parse({
    type: 's3',
    region: 'us-east-1',
    endpoint: moto.endpoint,
    force_path_style: true,
    access_key_id: TEST_CREDENTIALS.accessKeyId,
    secret_access_key: TEST_CREDENTIALS.secretAccessKey,
    request_timeout: '5s',
    retry: { initial_backoff: '20ms', max_backoff: '200ms' },
    ...config,
  });
  const sink = new S3Sink(name, parsed, {
    logger,
    hostname: 'test-host',
    version: '0.0.0-test',
    baseDir: tmpdir(),
  });
  return { sink, logger };
}

export function encodeAll(sink: S3Sink, records: readonly PipelineRecord[]): S3Record[] {
  return records.map((r) => sink.encode(r));
}

/** Every activity id in the bucket's jsonl.gz objects, with the key holding it. */
export async function jsonlIds(moto: Moto, bucket: string): Promise<{ key: string; id: string }[]> {
  const out: { key: string; id: string }[] = [];
  for (const key of await moto.keys(bucket)) {
    const text = gunzipSync(await moto.get(bucket, key)).toString('utf8');
    for (const line of text.split('\n'))
      if (line) out.push({ key, id: (JSON.parse(line) as { id: string }).id });
  }
  return out;
}

export interface ParquetFile {
  readonly key: string;
  readonly codecs: string[];
  readonly row_groups: number;
  readonly rows: Record<string, unknown>[];
}

/** The bucket's Parquet objects as pyarrow reads them (test/support/read_parquet.py). */
export async function readParquetObjects(
  moto: Moto,
  bucket: string,
  keys: readonly string[],
): Promise<ParquetFile[]> {
  const dir = mkdtempSync(join(tmpdir(), 'caf-parquet-'));
  try {
    const paths: string[] = [];
    for (const [i, key] of keys.entries()) {
      const path = join(dir, `${i}.parquet`);
      writeFileSync(path, await moto.get(bucket, key));
      paths.push(path);
    }
    const script = join(__dirname, '..', '..', 'support', 'read_parquet.py');
    const out = JSON.parse(
      execFileSync(VENV_PYTHON, [script, ...paths], { maxBuffer: 1 << 30 }).toString('utf8'),
    ) as Omit<ParquetFile, 'key'>[];
    return out.map((f, i) => ({ ...f, key: keys[i] }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
