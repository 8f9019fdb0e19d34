import { gunzipSync, gzipSync } from 'node:zlib';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { installGzipCodec } from './gzip-codec.js';

const { CompressionCodecs, CompressionTypes } = kafkajs;

describe('Kafka gzip codec', () => {
  it('replaces kafkajs gzip with level 1 batches that standard gunzip reads, and reads gzip from any producer', async () => {
    installGzipCodec();
    const codec = CompressionCodecs[CompressionTypes.GZIP]();
    const batch = Buffer.from('node_cpu_seconds_total{cpu="0",mode="idle"} 1234.5\n'.repeat(200));
    const compressed: Buffer = await codec.compress({ buffer: batch });
    // Byte 8 of a gzip header (XFL) is 4 when the fastest level wrote it, 0 for zlib's default.
    expect(compressed[8]).toBe(4);
    expect(gunzipSync(compressed).equals(batch)).toBe(true);
    const fromOtherProducer = gzipSync(batch, { level: 9 });
    expect((await codec.decompress(fromOtherProducer)).equals(batch)).toBe(true);
  });
});
