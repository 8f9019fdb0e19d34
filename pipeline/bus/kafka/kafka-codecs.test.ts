import { gunzipSync, gzipSync } from 'node:zlib';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { installKafkaCodecs } from './kafka-codecs.js';

const { CompressionCodecs, CompressionTypes } = kafkajs;
const batch = Buffer.from('node_cpu_seconds_total{cpu="0",mode="idle"} 1234.5\n'.repeat(200));

describe('Kafka record batch codecs', () => {
  it('replaces kafkajs gzip with level 1 batches that standard gunzip reads, and reads gzip from any producer', async () => {
    installKafkaCodecs();
    const codec = CompressionCodecs[CompressionTypes.GZIP]();
    const compressed: Buffer = await codec.compress({ buffer: batch });
    // Byte 8 of a gzip header (XFL) is 4 when the fastest level wrote it, 0 for zlib's default.
    expect(compressed[8]).toBe(4);
    expect(gunzipSync(compressed).equals(batch)).toBe(true);
    expect((await codec.decompress(gzipSync(batch, { level: 9 }))).equals(batch)).toBe(true);
  });

  it('gives kafkajs an LZ4 codec writing LZ4 frames, as Kafka expects', async () => {
    installKafkaCodecs();
    const codec = CompressionCodecs[CompressionTypes.LZ4]();
    const compressed: Buffer = await codec.compress({ buffer: batch });
    expect(compressed.readUInt32LE(0)).toBe(0x184d2204); // the LZ4 frame magic number
    expect(compressed.length).toBeLessThan(batch.length / 10);
    expect((await codec.decompress(compressed)).equals(batch)).toBe(true);
  });
});
