import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compressSync } from 'snappy';
import { loadCodec } from '../../../src/sinks/kafka/codecs';

/** snappy-java's SnappyOutputStream framing, as Java producers write it. */
function xerialFrame(chunks: readonly Buffer[]): Buffer {
  const header = Buffer.alloc(16);
  Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]).copy(header);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  const parts: Buffer[] = [header];
  for (const chunk of chunks) {
    const block = compressSync(chunk);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(block.length);
    parts.push(len, block);
  }
  return Buffer.concat(parts);
}

test('snappy reads both plain blocks (what we write) and xerial-framed ones (what Java writes)', async () => {
  const codec = loadCodec('snappy');
  const a = Buffer.from('{"id":"activity_1"}'.repeat(50));
  const b = Buffer.from('{"id":"activity_2"}'.repeat(70));
  assert.deepEqual(await codec.decompress(await codec.compress(a)), a);
  assert.deepEqual(await codec.decompress(xerialFrame([a, b])), Buffer.concat([a, b]));
  await assert.rejects(codec.decompress(xerialFrame([a]).subarray(0, 30)), /truncated xerial snappy block/);
});

test('lz4 round-trips through the frame format', async () => {
  const codec = loadCodec('lz4');
  const data = Buffer.from('{"type":"sso_login_succeeded"}'.repeat(4000));
  const packed = await codec.compress(data);
  assert.equal(packed.readUInt32LE(0), 0x184d2204, 'LZ4 frame magic');
  assert.ok(packed.length < data.length / 10);
  assert.deepEqual(await codec.decompress(packed), data);
});
