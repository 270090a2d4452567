import * as zlib from 'node:zlib';
import { PermanentError } from '../../util/errors';
import type { S3Record } from './objects';
import {
  OCSF_PARQUET_SCHEMA,
  type ParquetLeaf,
  type ParquetList,
  type ParquetNode,
  type ParquetStruct,
} from './ocsf-parquet-schema';

/**
 * OCSF events as one Parquet object, written with hyparquet-writer (pure JavaScript, one
 * dependency, nested structs and lists through an explicit schema). Rows keep their
 * `time` order (Security Lake's advice), data pages stay at 1 MB, and the codec is ZSTD
 * where this Node has it (22.15+), GZIP otherwise: both standard Parquet codecs.
 */

/** The parts of hyparquet-writer's Parquet schema element this writer uses. */
interface SchemaElement {
  readonly name: string;
  readonly type?: 'BOOLEAN' | 'INT32' | 'INT64' | 'BYTE_ARRAY';
  readonly repetition_type?: 'OPTIONAL' | 'REPEATED';
  readonly converted_type?: 'UTF8' | 'LIST';
  readonly num_children?: number;
}

export interface ParquetEncoder {
  encode(items: readonly S3Record[]): Buffer;
}

type Row = Record<string, unknown>;

function isStruct(node: ParquetNode): node is ParquetStruct {
  return typeof node === 'object' && !Array.isArray(node);
}

function isList(node: ParquetNode): node is ParquetList {
  return Array.isArray(node);
}

/** An OCSF event's value converted to the schema's types; throws for a field the schema lacks. */
function conform(value: unknown, node: ParquetNode, path: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (isList(node)) {
    if (!Array.isArray(value)) throw new PermanentError(`${path} is not an array in this event`);
    return value.map((v, i) => conform(v, node[0], `${path}[${i}]`));
  }
  if (isStruct(node)) {
    if (typeof value !== 'object' || Array.isArray(value))
      throw new PermanentError(`${path || 'the event'} is not an object`);
    const out: Row = {};
    for (const [key, v] of Object.entries(value as Row)) {
      const child = node[key];
      const at = path ? `${path}.${key}` : key;
      if (child === undefined)
        throw new PermanentError(
          `${at} has no column in the Parquet schema (src/sinks/s3/ocsf-parquet-schema.ts)`,
        );
      out[key] = conform(v, child, at);
    }
    return out;
  }
  return leaf(value, node, path);
}

function leaf(value: unknown, kind: ParquetLeaf, path: string): unknown {
  switch (kind) {
    case 'json':
      return JSON.stringify(value);
    case 'string':
      if (typeof value === 'string') return value;
      break;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      break;
    case 'int32':
      if (Number.isInteger(value) && Math.abs(value as number) < 2 ** 31) return value;
      break;
    case 'int64':
      if (Number.isSafeInteger(value)) return BigInt(value as number);
      break;
  }
  throw new PermanentError(`${path} is ${JSON.stringify(value)}, not the ${kind} its Parquet column holds`);
}

/** The event as a Parquet row: validates it against the schema (encode() calls this per record). */
export function parquetRow(json: string): Row {
  return conform(JSON.parse(json), OCSF_PARQUET_SCHEMA, '') as Row;
}

function schemaElements(name: string, node: ParquetNode, out: SchemaElement[]): void {
  if (isList(node)) {
    out.push({ name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 });
    out.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
    schemaElements('element', node[0], out);
    return;
  }
  if (isStruct(node)) {
    const fields = Object.keys(node);
    out.push({ name, repetition_type: 'OPTIONAL', num_children: fields.length });
    for (const field of fields) schemaElements(field, node[field], out);
    return;
  }
  switch (node) {
    case 'string':
    case 'json':
      out.push({ name, repetition_type: 'OPTIONAL', type: 'BYTE_ARRAY', converted_type: 'UTF8' });
      return;
    case 'int32':
      out.push({ name, repetition_type: 'OPTIONAL', type: 'INT32' });
      return;
    case 'int64':
      out.push({ name, repetition_type: 'OPTIONAL', type: 'INT64' });
      return;
    case 'boolean':
      out.push({ name, repetition_type: 'OPTIONAL', type: 'BOOLEAN' });
      return;
  }
}

export function ocsfParquetSchema(): SchemaElement[] {
  const fields = Object.keys(OCSF_PARQUET_SCHEMA);
  const out: SchemaElement[] = [{ name: 'schema', num_children: fields.length }];
  for (const field of fields) schemaElements(field, OCSF_PARQUET_SCHEMA[field], out);
  return out;
}

type Codec = { codec: 'ZSTD' | 'GZIP'; compress: (input: Uint8Array) => Uint8Array };

function bestCodec(): Codec {
  const zstd = (zlib as { zstdCompressSync?: (input: Uint8Array) => Buffer }).zstdCompressSync;
  if (zstd) return { codec: 'ZSTD', compress: (input) => zstd(input) };
  return { codec: 'GZIP', compress: (input) => zlib.gzipSync(input) };
}

/** hyparquet-writer is an ES module: loaded once, when a sink writes Parquet. */
export async function loadParquetEncoder(version: string): Promise<ParquetEncoder> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const schema = ocsfParquetSchema();
  const fields = Object.keys(OCSF_PARQUET_SCHEMA);
  const { codec, compress } = bestCodec();
  return {
    encode(items) {
      const rows = items
        .map((item, index) => ({ row: parquetRow(item.json), time: item.timeMs ?? 0, index }))
        .sort((a, b) => a.time - b.time || a.index - b.index)
        .map((r) => r.row);
      const buffer = parquetWriteBuffer({
        columnData: fields.map((name) => ({ name, data: rows.map((row) => row[name]) })),
        schema,
        codec,
        compressors: { [codec]: compress },
        rowGroupSize: 100_000,
        pageSize: 1024 * 1024,
        createdBy: `claude-audit-forwarder ${version}`,
      });
      return Buffer.from(buffer);
    },
  };
}
