import { gzipSync, unzipSync } from 'node:zlib';
import kafkajs from 'kafkajs';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { GZIP_OPTIONS } from '../record-compression.js';

const { CompressionCodecs, CompressionTypes } = kafkajs;

/**
 * The record batch codecs of kafkajs for this process. Its own gzip compresses at zlib's default
 * level 6 on the thread pool: for batches of a few KB that costs several times the CPU of level 1
 * on the calling thread (see ../record-compression.ts), and samples per CPU-second is what ingest
 * is measured by. It has no LZ4 codec; Kafka's LZ4 is the LZ4 frame format. kafkajs keeps one codec
 * per type for the whole process, so they are replaced there: batches stay standard gzip and LZ4
 * that any Kafka client reads, and batches from any producer are read.
 */
export function installKafkaCodecs(): void {
  CompressionCodecs[CompressionTypes.GZIP] = () => ({
    compress: async (encoder: { buffer: Buffer }) => gzipSync(encoder.buffer, GZIP_OPTIONS),
    decompress: async (buffer: Buffer) => unzipSync(buffer),
  });
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    compress: async (encoder: { buffer: Buffer }) => compressFrameSync(encoder.buffer),
    decompress: async (buffer: Buffer) => decompressFrameSync(buffer),
  });
}
