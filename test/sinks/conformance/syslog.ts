import { RSYSLOG_INSTALL_HINT, startRsyslog } from '../../support/rsyslog';
import { freePort } from '../../support/ports';
import { startOrSkip } from '../../support/servers';
import { FAST_RETRY, type Harness } from './harness';

/** A real rsyslogd on a TCP port: stopped while broken, started again on the same port to recover. */
export const syslogHarness: Harness = {
  type: 'syslog',
  async setUp() {
    const rsyslog = await startOrSkip('rsyslog', RSYSLOG_INSTALL_HINT, () =>
      startRsyslog({ listeners: [{ name: 'tcp', transport: 'tcp' }] }),
    );
    if (!rsyslog) return undefined;
    const closed = await freePort();
    return {
      config: {
        type: 'syslog',
        address: `127.0.0.1:${rsyslog.ports.tcp}`,
        transport: 'tcp',
        payload_format: 'raw',
        max_message_bytes: '1KiB',
        ack_delay: '100ms',
        connect_timeout: '2s',
        retry: FAST_RETRY,
        batch: { max_events: 20, timeout: '20ms' },
      },
      async received() {
        return rsyslog.messages('tcp').map((m) => m.sd['claude@32473']?.id ?? '');
      },
      async breakTransiently() {
        await rsyslog.stop();
      },
      async recover() {
        await rsyslog.restart();
      },
      refusal: {
        by: 'encoder',
        // The header keeps the id and type whatever the budget; each is capped at 256 bytes,
        // but escaping doubles quotes and brackets: together they cannot fit in 1 KiB.
        make: (a) => ({ ...a, id: `${a.id}${'"'.repeat(300)}`, type: ']'.repeat(300) }),
        reason: /the syslog header of activity .* alone exceeds max_message_bytes/,
      },
      brokenConfig: {
        type: 'syslog',
        address: `127.0.0.1:${closed}`,
        transport: 'tcp',
        connect_timeout: '2s',
      },
      async dispose() {
        await rsyslog.dispose();
      },
    };
  },
};
