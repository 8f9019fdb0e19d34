import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { compressSync as lz4Compress, uncompressSync as lz4Uncompress } from 'lz4-napi';
import { z } from 'zod';

/**
 * Compression of record batches on the bus: a property of how the bus stores and moves a batch,
 * never of the record value a consumer gets (that stays the Avro single-object encoding). lz4 is
 * the default, chosen by measurement (`npm run bench -- system` at 2,000 series x 2 h, same run):
 * it took the data directory of `tidemark up` from 32.4 to 24.2 bytes per sample for 9 % fewer
 * samples per CPU-second, where gzip (level 1) reached 22.5 for 30 % fewer. Per record
 * (`npm run bench -- record-compression`): lz4 27.7 -> 16.5 B/sample for about 0.1 µs to compress
 * and 0.03 µs to inflate, gzip 27.7 -> 12.3 for about 0.5 and 0.15-0.25 µs, paid again by every
 * consumer that reads the record.
 */
export const BUS_COMPRESSIONS = ['none', 'gzip', 'lz4'] as const;
export type BusCompression = (typeof BUS_COMPRESSIONS)[number];

export const busCompressionSchema = z
  .enum(BUS_COMPRESSIONS)
  .default('lz4')
  .describe('Compression of record batches on the bus (embedded log files, Kafka record batches): none, lz4 (the default: about a fifth of gzip\'s CPU per record) or gzip (a quarter fewer bytes than lz4). Consumers read every codec, so it can be changed at any time; records already written stay as they were.');

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
