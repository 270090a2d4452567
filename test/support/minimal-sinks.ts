import { SINK_FACTORIES } from '../../src/sinks/registry';

/**
 * The smallest valid config of every registered sink type, for tests that iterate over the
 * registry: a sink type added later fails them until it is listed here.
 */
export const MINIMAL_SINKS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  file: { type: 'file', path: './x.jsonl' },
  stdout: { type: 'stdout' },
  splunk_hec: { type: 'splunk_hec', endpoint: 'http://127.0.0.1:8088', token: 'hec-token-0123456789' },
  syslog: { type: 'syslog', address: '127.0.0.1:514', transport: 'tcp' },
  kafka: { type: 'kafka', brokers: ['127.0.0.1:9092'], topic: 'audit' },
  elasticsearch: { type: 'elasticsearch', endpoints: ['http://127.0.0.1:9200'] },
  s3: { type: 's3', bucket: 'claude-audit-archive', region: 'us-east-1' },
  sentinel: {
    type: 'sentinel',
    endpoint: 'https://dce-example.eastus-1.ingest.monitor.azure.com',
    dcr_immutable_id: 'dcr-00000000000000000000000000000000',
    tenant_id: '00000000-0000-0000-0000-000000000000',
    client_id: '00000000-0000-0000-0000-000000000000',
    client_secret: 'sentinel-secret-0123456789',
  },
};

/**
 * The same, speaking TLS, for the sink types that have a `tls:` section (`tls` is merged in
 * by the test); null for those that never use TLS.
 */
export const MINIMAL_TLS_SINKS: Readonly<Record<string, Readonly<Record<string, unknown>> | null>> = {
  file: null,
  stdout: null,
  splunk_hec: { ...MINIMAL_SINKS.splunk_hec, endpoint: 'https://127.0.0.1:8088' },
  syslog: { ...MINIMAL_SINKS.syslog, transport: 'tls', address: '127.0.0.1:6514' },
  kafka: MINIMAL_SINKS.kafka,
  elasticsearch: { ...MINIMAL_SINKS.elasticsearch, endpoints: ['https://127.0.0.1:9200'] },
  s3: { ...MINIMAL_SINKS.s3, endpoint: 'https://127.0.0.1:9000' },
  sentinel: MINIMAL_SINKS.sentinel,
};

export function registeredSinkTypes(): string[] {
  return SINK_FACTORIES.map((f) => f.type);
}
