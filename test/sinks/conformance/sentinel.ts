import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeCertificates } from '../../support/certs';
import { sentinelSinkSettings, startSentinelReceiver } from '../../support/sentinel-receiver';
import { FAST_RETRY, type Harness } from './harness';

/** The strict Entra ID + Logs Ingestion receiver over TLS: 503s while broken, 413 over 64 KB. */
const MAX_CALL = 64 * 1024;

export const sentinelHarness: Harness = {
  type: 'sentinel',
  async setUp(dir) {
    const certDir = join(dir, 'sentinel-certs');
    mkdirSync(certDir, { recursive: true });
    const certs = makeCertificates({ dir: certDir });
    const receiver = await startSentinelReceiver({ certs, maxCallBytes: MAX_CALL });
    const base = { ...sentinelSinkSettings(receiver, certs.caFile), request_timeout: '5s' };
    return {
      config: {
        ...base,
        retry: FAST_RETRY,
        batch: { max_events: 20, timeout: '20ms' },
      },
      async received() {
        return receiver.activityIds();
      },
      async breakTransiently() {
        receiver.faults.unavailable = Number.MAX_SAFE_INTEGER;
      },
      async recover() {
        receiver.faults.unavailable = 0;
      },
      refusal: {
        by: 'destination',
        make: (a) => ({ ...a, padding: 'x'.repeat(MAX_CALL * 2) }),
        reason: /larger than Azure Logs Ingestion accepts/,
      },
      brokenConfig: {
        ...base,
        client_secret: 'a-secret-Entra-ID-never-issued',
      },
      async dispose() {
        await receiver.stop();
      },
    };
  },
};
