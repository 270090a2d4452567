// Size of one activity in each output format, and as each sink carries or stores it, over the
// simulator's realistic mix (what the demo serves): the numbers in docs/formats.md.
// Usage: node --import tsx scripts/measure-format-sizes.ts [count]
import { gzipSync } from 'node:zlib';
import { makeRandomActivity } from '../src/simulator/generate';
import { createCefEncoder, createLeefEncoder, serializeEvent } from '../src/normalize';
import type { OutputFormat } from '../src/config/fields';
import type { PipelineRecord } from '../src/pipeline/record';
import { encodeEnvelope } from '../src/sinks/splunk-hec/encode';
import { arrayBody, encodeRow } from '../src/sinks/sentinel/encode';
import { jsonlGz } from '../src/sinks/s3/jsonl-gz';
import { loadParquetEncoder } from '../src/sinks/s3/parquet';
import type { S3Record } from '../src/sinks/s3/objects';

const count = Number(process.argv[2] ?? 20_000);
/** Activities per object or request for the compressed rows (S3 closes an object every 5 min). */
const BATCH = 1000;

const records: PipelineRecord[] = [];
for (let i = 0; i < count; i++) {
  const activity = makeRandomActivity(i + 1);
  records.push({ seq: i + 1, activity, raw: JSON.stringify(activity) });
}

const formats: OutputFormat[] = ['raw', 'ecs', 'ocsf'];
const cef = createCefEncoder();
const leef = createLeefEncoder();
const hec = (format: OutputFormat) => (r: PipelineRecord) =>
  encodeEnvelope(r, {
    format,
    host: 'forwarder-0',
    sourcetype: 'anthropic:claude:compliance',
    index: 'claude_audit',
  }).text;

/** One event as text, per format or sink encoding. */
const perEvent: [string, (r: PipelineRecord) => string][] = [
  ...formats.map((f): [string, (r: PipelineRecord) => string] => [`${f}`, (r) => serializeEvent(r, f)]),
  ['cef (syslog MSG)', (r) => cef(r.activity)],
  ['leef (syslog MSG)', (r) => leef(r.activity)],
  ['sentinel row', (r) => encodeRow(r).text],
  ['splunk_hec envelope, raw', hec('raw')],
  ['splunk_hec envelope, ocsf', hec('ocsf')],
];

const rawMean = mean(records.map((r) => Buffer.byteLength(serializeEvent(r, 'raw'))));
console.log(`| one event | mean bytes | p95 bytes | vs raw |`);
console.log(`| --- | ---: | ---: | ---: |`);
for (const [name, encode] of perEvent) {
  const s = records.map((r) => Buffer.byteLength(encode(r))).sort((a, b) => a - b);
  const m = mean(s);
  console.log(
    `| ${name} | ${Math.round(m)} | ${s[Math.floor(s.length * 0.95)]} | ${(m / rawMean).toFixed(2)}× |`,
  );
}

// Compressed: what an object store keeps and what crosses the network, per activity.
const batches: PipelineRecord[][] = [];
for (let i = 0; i < records.length; i += BATCH) batches.push(records.slice(i, i + BATCH));
const s3Records = (batch: PipelineRecord[], format: OutputFormat): S3Record[] =>
  batch.map((record) => {
    const json = serializeEvent(record, format);
    const time = format === 'ocsf' ? (JSON.parse(json) as { time?: number }).time : undefined;
    return { record, json, size: Buffer.byteLength(json) + 1, timeMs: time };
  });

async function printCompressed(): Promise<void> {
  const parquet = await loadParquetEncoder('measure');
  const stored: [string, (batch: PipelineRecord[]) => number][] = [
    ['s3 jsonl.gz, raw', (b) => jsonlGz(s3Records(b, 'raw')).length],
    ['s3 jsonl.gz, ocsf', (b) => jsonlGz(s3Records(b, 'ocsf')).length],
    ['s3 parquet (ocsf)', (b) => parquet.encode(s3Records(b, 'ocsf')).length],
    ['sentinel request body (gzip)', (b) => gzipSync(arrayBody(b.map((r) => encodeRow(r)))).length],
    ['splunk_hec request body, ocsf (gzip)', (b) => gzipSync(b.map(hec('ocsf')).join('')).length],
  ];
  console.log(`\n| compressed, in batches of ${BATCH} | bytes per activity | vs raw |`);
  console.log(`| --- | ---: | ---: |`);
  for (const [name, size] of stored) {
    const perActivity = batches.reduce((sum, b) => sum + size(b), 0) / records.length;
    console.log(`| ${name} | ${Math.round(perActivity)} | ${(perActivity / rawMean).toFixed(2)}× |`);
  }
  console.log(`\n${count} activities, seeds 1..${count}.`);
}

printCompressed().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
