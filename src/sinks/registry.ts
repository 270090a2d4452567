import type { z } from 'zod';
import type { SinkFactory } from './factory';
import { fileSinkFactory } from './file';
import { stdoutSinkFactory } from './stdout';
import { splunkHecSinkFactory } from './splunk-hec';
import { syslogSinkFactory } from './syslog';
import { kafkaSinkFactory } from './kafka';
import { sentinelSinkFactory } from './sentinel';
import { elasticsearchSinkFactory } from './elasticsearch';
import { s3SinkFactory } from './s3';

/**
 * Every sink type, looked up by its `type:` field. Adding a sink touches its own folder and
 * one line here; the config schema and the CLI pick it up from this list.
 */
export const SINK_FACTORIES = [
  fileSinkFactory,
  stdoutSinkFactory,
  splunkHecSinkFactory,
  syslogSinkFactory,
  kafkaSinkFactory,
  sentinelSinkFactory,
  elasticsearchSinkFactory,
  s3SinkFactory,
] as const;

export type SinkConfig = z.output<(typeof SINK_FACTORIES)[number]['configSchema']>;

export function sinkFactory(type: string): SinkFactory | undefined {
  return (SINK_FACTORIES as readonly SinkFactory[]).find((f) => f.type === type);
}
