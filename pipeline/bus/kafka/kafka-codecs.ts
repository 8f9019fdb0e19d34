import { gzipSync, unzipSync } from 'node:zlib';
import kafkajs from 'kafkajs';
import { GZIP_OPTIONS } from '../record-compression.js';

const { CompressionCodecs, CompressionTypes } = kafkajs;

/**
 * kafkajs' own gzip codec compresses at zlib's default level 6 on the thread pool; for record
 * batches of a few KB that costs several times the CPU of level 1 on the calling thread (see
 * ../record-compression.ts), and samples per CPU-second is what ingest is measured by. kafkajs keeps
 * one codec per type for the whole process, so this replaces it there: batches stay standard gzip
 * that any Kafka client reads, and decompression (of any producer's gzip batches) is synchronous too.
 */
export function installGzipCodec(): void {
  CompressionCodecs[CompressionTypes.GZIP] = () => ({
    compress: async (encoder: { buffer: Buffer }) => gzipSync(encoder.buffer, GZIP_OPTIONS),
    decompress: async (buffer: Buffer) => unzipSync(buffer),
  });
}
