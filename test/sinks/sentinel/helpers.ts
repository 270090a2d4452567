import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PipelineRecord } from '../../../src/pipeline/record';
import type { Logger } from '../../../src/observability/logger';
import type { Rejection } from '../../../src/sinks/sink';
import { SentinelSink, type SentinelRow } from '../../../src/sinks/sentinel';
import { sentinelSinkConfig, type SentinelSinkConfig } from '../../../src/sinks/sentinel/config';
import { makeCertificates, type Certificates } from '../../support/certs';
import { encodeBatches } from '../../support/sink-pump';
import {
  sentinelSinkSettings,
  startSentinelReceiver,
  type SentinelReceiver,
} from '../../support/sentinel-receiver';
import { captureLogger, ids, makeRecords, sinkContext } from '../splunk-hec/helpers';

/** Shared pieces of the Sentinel sink tests (not a test file: the runner only picks *.test.ts). */

export { captureLogger, ids, makeRecords, makeRecord, settlesWithin } from '../splunk-hec/helpers';

export interface Azure {
  readonly receiver: SentinelReceiver;
  readonly certs: Certificates;
  /** The client certificate and its key in one PEM, as an app registration's certificate file. */
  readonly clientPemFile: string;
}

/** The strict receiver over TLS with a test CA, and a client certificate registered for CERT_CLIENT_ID. */
export async function startAzure(opts: { tokenLifetimeSeconds?: number } = {}): Promise<Azure> {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-'));
  const certs = makeCertificates({ dir, clientCert: true });
  const pem = readFileSync(certs.clientCertFile ?? '', 'utf8');
  const clientPemFile = join(dir, 'client-with-key.pem');
  writeFileSync(clientPemFile, pem + readFileSync(certs.clientKeyFile ?? '', 'utf8'));
  const receiver = await startSentinelReceiver({ certs, clientCertificatePem: pem, ...opts });
  return { receiver, certs, clientPemFile };
}

/** `sinks.sentinel` pointing at the receiver, client-secret credential, test-speed timings. */
export function sentinelConfig(azure: Azure, overrides: Record<string, unknown> = {}): SentinelSinkConfig {
  return sentinelSinkConfig.parse({
    ...sentinelSinkSettings(azure.receiver, azure.certs.caFile),
    retry: { initial_backoff: '10ms', max_backoff: '100ms' },
    request_timeout: '5s',
    ...overrides,
  });
}

export function makeSink(
  azure: Azure,
  overrides: Record<string, unknown> = {},
  logger: Logger = captureLogger(),
): SentinelSink {
  return new SentinelSink('sentinel', sentinelConfig(azure, overrides), sinkContext(logger));
}

/** Sends `records` with up to `batch.concurrency` batches in flight; resolves with every rejection. */
export async function deliverAll(
  sink: SentinelSink,
  records: readonly PipelineRecord[],
  signal: AbortSignal = new AbortController().signal,
): Promise<Rejection<SentinelRow>[]> {
  const batches = encodeBatches(sink, records).batches;
  const rejected: Rejection<SentinelRow>[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const result = await sink.send(batches[next++], signal);
      rejected.push(...result.rejected);
    }
  };
  await Promise.all(Array.from({ length: sink.batch.concurrency }, worker));
  return rejected;
}

/** Delivers ten records with `overrides` and checks they landed as `identity`. */
export async function deliversAs(
  azure: Azure,
  identity: string,
  overrides: Record<string, unknown>,
  from: number,
): Promise<void> {
  const sink = makeSink(azure, overrides);
  await sink.start(new AbortController().signal);
  const records = makeRecords(10, from);
  assert.deepEqual(await deliverAll(sink, records), []);
  const got = new Set(
    azure.receiver.rows.filter((r) => r.identity === identity).map((r) => r.row.ActivityId),
  );
  assert.deepEqual(
    ids(records).filter((id) => got.has(id)),
    ids(records),
  );
  await sink.close();
}
