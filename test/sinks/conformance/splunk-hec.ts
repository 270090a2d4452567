import { DEFAULT_HEC_TOKEN, startHecReceiver } from '../../support/hec-receiver';
import { freePort } from '../../support/ports';
import { FAST_RETRY, type Harness } from './harness';

/** The strict HEC receiver: 503s while broken, 413 for a request over 64 KB. */
const MAX_BODY = 64 * 1024;

export const hecHarness: Harness = {
  type: 'splunk_hec',
  async setUp() {
    const receiver = await startHecReceiver({ maxBodyBytes: MAX_BODY });
    const closed = await freePort();
    return {
      config: {
        type: 'splunk_hec',
        endpoint: receiver.url,
        token: DEFAULT_HEC_TOKEN,
        format: 'raw',
        compression: 'none',
        retry: FAST_RETRY,
        request_timeout: '5s',
        batch: { max_events: 20, timeout: '20ms' },
      },
      async received() {
        return receiver.eventIds();
      },
      async breakTransiently() {
        receiver.faults.busy = Number.MAX_SAFE_INTEGER;
      },
      async recover() {
        receiver.faults.busy = 0;
      },
      refusal: {
        by: 'destination',
        make: (a) => ({ ...a, padding: 'x'.repeat(MAX_BODY * 2) }),
        reason: /larger than Splunk HEC accepts/,
      },
      brokenConfig: {
        type: 'splunk_hec',
        endpoint: `http://127.0.0.1:${closed}`,
        token: DEFAULT_HEC_TOKEN,
        request_timeout: '2s',
      },
      async dispose() {
        await receiver.stop();
      },
    };
  },
};
