import { errorMessage } from '../../util/errors';

/**
 * Compression codecs Kafka clients must bring themselves (gzip is built into every client).
 * Both wrap maintained napi-rs packages that ship prebuilt binaries through npm (no build at
 * install time). They are loaded only when configured, so a platform without a prebuilt
 * binary still runs every other setting.
 *
 * zstd is not offered: the maintained bindings (zstd-napi, @mongodb-js/zstd) fetch prebuilt
 * binaries from GitHub or compile at install time, and Node 20's zlib has no zstd.
 */
export interface Codec {
  compress(data: Buffer): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

export type ExternalCodecName = 'snappy' | 'lz4';

/**
 * Java producers frame snappy data the way snappy-java's SnappyOutputStream does ("xerial"
 * framing): a 16-byte header, then blocks each preceded by a 4-byte big-endian length.
 * Kafka (and librdkafka, and Java consumers) also accept a plain snappy block, which is
 * what we write; reading handles both so a topic written by Java producers decodes too.
 */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;

async function unframeXerial(data: Buffer, uncompress: (block: Buffer) => Promise<Buffer>): Promise<Buffer> {
  const blocks: Buffer[] = [];
  let offset = XERIAL_HEADER_BYTES;
  while (offset + 4 <= data.length) {
    const length = data.readUInt32BE(offset);
    offset += 4;
    if (offset + length > data.length) throw new Error('truncated xerial snappy block');
    blocks.push(await uncompress(data.subarray(offset, offset + length)));
    offset += length;
  }
  return Buffer.concat(blocks);
}

function snappyCodec(): Codec {
  // Loaded lazily on purpose (see above); the cast keeps the package's own types.
  const snappy = require('snappy') as typeof import('snappy');
  const uncompress = async (block: Buffer): Promise<Buffer> => {
    const out = await snappy.uncompress(block);
    return Buffer.isBuffer(out) ? out : Buffer.from(out);
  };
  return {
    compress: (data) => snappy.compress(data),
    decompress: (data) =>
      data.length >= XERIAL_HEADER_BYTES && data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)
        ? unframeXerial(data, uncompress)
        : uncompress(data),
  };
}

/** Kafka's LZ4 is the LZ4 frame format (KIP-57 fixed its header checksum for v1+ messages). */
function lz4Codec(): Codec {
  const lz4 = require('lz4-napi') as typeof import('lz4-napi');
  return {
    compress: (data) => lz4.compressFrame(data),
    decompress: (data) => lz4.decompressFrame(data),
  };
}

const loaded = new Map<ExternalCodecName, Codec>();

/** The codec, or an Error saying why this platform cannot use it. */
export function loadCodec(name: ExternalCodecName): Codec {
  const cached = loaded.get(name);
  if (cached) return cached;
  let codec: Codec;
  try {
    codec = name === 'snappy' ? snappyCodec() : lz4Codec();
  } catch (err) {
    const pkg = name === 'snappy' ? 'snappy' : 'lz4-napi';
    throw new Error(
      `compression: ${name} needs the npm package "${pkg}" and its prebuilt binary for this platform, which did not load (${errorMessage(err)}); use compression: gzip or none`,
      { cause: err },
    );
  }
  loaded.set(name, codec);
  return codec;
}
