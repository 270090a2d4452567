import { gzipSync } from 'node:zlib';
import type { S3Record } from './objects';

/** JSON Lines, gzip-compressed: one event per line, in delivery order (readable by Athena, DuckDB, zcat). */
export function jsonlGz(items: readonly S3Record[]): Buffer {
  let total = 0;
  for (const item of items) total += item.size;
  const text = Buffer.allocUnsafe(total);
  let at = 0;
  for (const item of items) {
    at += text.write(item.json, at);
    text[at++] = 0x0a;
  }
  return gzipSync(text.subarray(0, at));
}
