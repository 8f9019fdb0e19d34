import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { compressSync as lz4Compress, uncompressSync as lz4Uncompress } from 'lz4-napi';
import { z } from 'zod';

/**
 * Compression of record batches on the bus: a property of how the bus stores and moves a batch,
 * never of the record value a consumer gets (that stays the Avro single-object encoding). gzip at
 * level 1 is the default: on the system benchmark's samples-topic records it made them 2.25 times
 * smaller for about 0.2-0.5 µs of compression and 0.05-0.3 µs of decompression per sample
 * (`npm run bench -- record-compression`); Kafka compresses with its own gzip codec.
 */
export const BUS_COMPRESSIONS = ['none', 'gzip', 'lz4'] as const;
export type BusCompression = (typeof BUS_COMPRESSIONS)[number];

export const busCompressionSchema = z
  .enum(BUS_COMPRESSIONS)
  .default('gzip')
  .describe('Compression of record batches on the bus (embedded log files, Kafka record batches): none, gzip (smallest) or lz4 (a third of gzip\'s CPU, a third more bytes). Consumers read every codec, so it can be changed at any time; records already written stay as they were.');

/** Values shorter than this are stored as they are: gzip's own 18 bytes would outweigh any gain. */
export const MIN_COMPRESSED_VALUE_BYTES = 128;

/** Level 1: most of level 6's size at two thirds of its CPU on sample batches (label strings and doubles). */
export const GZIP_OPTIONS = { level: constants.Z_BEST_SPEED } as const;

/**
 * Returns undefined when compression would not make the value smaller. Synchronous on purpose:
 * node:zlib's thread-pool variants cost 3 to 8 times the CPU per record of a few KB (a stream and
 * a task hand-off per call), which is what samples per CPU-second counts.
 */
export function compressValue(codec: BusCompression, value: Buffer): Buffer | undefined {
  if (codec === 'none' || value.length < MIN_COMPRESSED_VALUE_BYTES) return undefined;
  // lz4: an LZ4 block after its uncompressed length (u32 LE), lz4_flex's size-prepended format.
  const out = codec === 'gzip' ? gzipSync(value, GZIP_OPTIONS) : lz4Compress(value);
  return out.length < value.length ? out : undefined;
}

export function decompressValue(codec: Exclude<BusCompression, 'none'>, stored: Buffer): Buffer {
  switch (codec) {
    case 'gzip':
      return gunzipSync(stored);
    case 'lz4':
      return lz4Uncompress(stored);
  }
}
