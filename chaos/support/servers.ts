import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificates, type Certificates } from '../../test/support/certs';
import {
  KAFKA_INSTALL_HINT,
  startKafkaBroker,
  type KafkaBroker,
  type KafkaBrokerOptions,
} from '../../test/support/kafka-broker';
import { RSYSLOG_INSTALL_HINT, startRsyslog, type RsyslogServer } from '../../test/support/rsyslog';
import { isCI } from '../../test/support/servers';

/**
 * The real destination servers a chaos run shares between its scenarios: one rsyslogd (TCP
 * and TLS listeners) and one Kafka broker. HEC receivers are per scenario (in-process, cheap).
 * A server that cannot start makes its sink's column "n/a (reason)" — except under CI=true,
 * where it is a failure, as in every integration suite.
 */
export interface ChaosServers {
  readonly certs: Certificates;
  readonly rsyslog?: RsyslogServer;
  readonly kafka?: KafkaBroker;
  /** Why a server is missing, for the table. */
  readonly unavailable: { syslog?: string; kafka?: string };
  close(): Promise<void>;
}

export interface ServerNeeds {
  readonly syslog?: boolean;
  readonly kafka?: boolean | KafkaBrokerOptions;
}

async function attempt<T>(what: string, hint: string, start: () => Promise<T>): Promise<T | string> {
  try {
    return await start();
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    if (isCI()) throw new Error(`${what} is required under CI=true: ${reason}. ${hint}`, { cause: err });
    process.stderr.write(
      `\n*** chaos: ${what} unavailable (${reason}); its column is n/a. To include it: ${hint}\n\n`,
    );
    return `n/a (${what} unavailable)`;
  }
}

export async function startServers(needs: ServerNeeds): Promise<ChaosServers> {
  const certDir = mkdtempSync(join(tmpdir(), 'caf-chaos-certs-'));
  const certs = makeCertificates({ dir: certDir, clientCert: true });
  const unavailable: { syslog?: string; kafka?: string } = {};
  let rsyslog: RsyslogServer | undefined;
  let kafka: KafkaBroker | undefined;
  if (needs.syslog) {
    const r = await attempt('rsyslog', RSYSLOG_INSTALL_HINT, () =>
      startRsyslog({
        tls: { caFile: certs.caFile, certFile: certs.certFile, keyFile: certs.keyFile },
        // Hostile input: 1 MB fields must fit what the sink sends (it truncates at max_message_bytes).
        maxMessageSize: 2 * 1024 * 1024,
        listeners: [
          { name: 'tcp', transport: 'tcp' },
          { name: 'tls', transport: 'tls' },
        ],
      }),
    );
    if (typeof r === 'string') unavailable.syslog = r;
    else rsyslog = r;
  }
  if (needs.kafka) {
    // Every listener (plaintext, SSL with client certificates, SASL) on one broker: the
    // security scenario needs them, and one JVM is all a 2-core machine should run.
    const options = typeof needs.kafka === 'object' ? needs.kafka : { tls: true, sasl: true };
    const k = await attempt('Kafka broker', KAFKA_INSTALL_HINT, () => startKafkaBroker(options));
    if (typeof k === 'string') unavailable.kafka = k;
    else kafka = k;
  }
  return {
    certs,
    rsyslog,
    kafka,
    unavailable,
    async close() {
      await Promise.allSettled([rsyslog?.dispose(), kafka?.destroy()]);
      rmSync(certDir, { recursive: true, force: true });
    },
  };
}
