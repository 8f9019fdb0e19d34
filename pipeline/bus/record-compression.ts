import { promisify } from 'node:util';
import { constants, gunzip, gzip } from 'node:zlib';
import { z } from 'zod';

/**
 * Compression of record batches on the bus: a property of how the bus stores and moves a batch,
 * never of the record value a consumer gets (that stays the Avro single-object encoding). gzip at
 * level 1 is the default: on the system benchmark's samples-topic records it made them 2.2 times
 * smaller for about 0.5 µs of compression and 0.15 µs of decompression per sample
 * (`npm run bench -- record-compression`); Kafka compresses with its own gzip codec.
 */
export const BUS_COMPRESSIONS = ['none', 'gzip'] as const;
export type BusCompression = (typeof BUS_COMPRESSIONS)[number];

export const busCompressionSchema = z
  .enum(BUS_COMPRESSIONS)
  .default('gzip')
  .describe('Compression of record batches on the bus (embedded log files, Kafka record batches): none or gzip. Consumers read either, so it can be changed at any time; records already written stay as they were.');

/** Values shorter than this are stored as they are: gzip's own 18 bytes would outweigh any gain. */
export const MIN_COMPRESSED_VALUE_BYTES = 128;

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
/** Level 1: most of level 6's size at half its CPU on sample batches (label strings and doubles). */
const GZIP_OPTIONS = { level: constants.Z_BEST_SPEED };

/**
 * Compresses off the event loop (zlib runs on libuv's thread pool), so a second core shares the
 * work. Resolves with undefined when compression would not make the value smaller.
 */
export async function compressValue(codec: BusCompression, value: Buffer): Promise<Buffer | undefined> {
  if (codec === 'none' || value.length < MIN_COMPRESSED_VALUE_BYTES) return undefined;
  const out = await gzipAsync(value, GZIP_OPTIONS);
  return out.length < value.length ? out : undefined;
}

export async function decompressValue(codec: Exclude<BusCompression, 'none'>, stored: Buffer): Promise<Buffer> {
  switch (codec) {
    case 'gzip':
      return gunzipAsync(stored);
  }
}
