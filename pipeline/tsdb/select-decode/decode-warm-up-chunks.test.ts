import { describe, expect, it } from 'vitest';
import { encodeWarmUpChunks, storedWarmUpChunks } from './decode-warm-up-chunks.js';

describe('storedWarmUpChunks', () => {
  it('are the chunks the encoders make today (else: npx tsx pipeline/tsdb/select-decode/write-decode-warm-up-chunks.ts)', () => {
    const made = encodeWarmUpChunks();
    const stored = storedWarmUpChunks();
    expect(stored.chunks.map((c) => [c.encoding, Buffer.from(c.bytes).toString('hex')])).toEqual(made.chunks.map((c) => [c.encoding, Buffer.from(c.bytes).toString('hex')]));
    expect(stored.open.map((c) => [Array.from(c.point), Buffer.from(c.bytes).toString('hex')])).toEqual(made.open.map((c) => [Array.from(c.point), Buffer.from(c.bytes).toString('hex')]));
  });
});
