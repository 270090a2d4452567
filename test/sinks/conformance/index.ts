import type { Harness } from './harness';
import { fileHarness } from './file';
import { stdoutHarness } from './stdout';
import { hecHarness } from './splunk-hec';
import { syslogHarness } from './syslog';
import { kafkaHarness } from './kafka';
import { sentinelHarness } from './sentinel';
import { elasticsearchHarness } from './elasticsearch';
import { s3Harness } from './s3';

/** One per registered sink type; the suite fails for a type missing here. */
export const HARNESSES: readonly Harness[] = [
  fileHarness,
  stdoutHarness,
  hecHarness,
  syslogHarness,
  kafkaHarness,
  sentinelHarness,
  elasticsearchHarness,
  s3Harness,
];
