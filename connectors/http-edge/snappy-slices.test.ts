import SnappyJS from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { SnappyCorruptError, snappyUncompressInSlices } from './snappy-slices.js';
import { snappyDecodedLength } from './decompress.js';

function sample(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    // Runs of repeated text with random bytes between them: literals, short and long copies.
    out[i] = i % 997 < 600 ? 'node_cpu_seconds_total{mode="idle"} '.charCodeAt(i % 36) : x & 0xff;
  }
  return out;
}

async function roundTrip(input: Buffer, slice: number): Promise<Buffer> {
  const compressed = Buffer.from(SnappyJS.compress(input));
  return snappyUncompressInSlices(compressed, snappyDecodedLength(compressed), slice);
}

describe('snappyUncompressInSlices', () => {
  it.each([0, 1, 60, 4096, 300_000])('decodes %i bytes to what was compressed, in slices of any size', async (n) => {
    const input = sample(n, n + 1);
    for (const slice of [1, 1000, 1 << 22]) expect((await roundTrip(input, slice)).equals(input)).toBe(true);
  });

  it('decodes a long run of one repeated byte (overlapping copies)', async () => {
    const input = Buffer.alloc(1_000_000, 0x61);
    expect((await roundTrip(input, 65_536)).equals(input)).toBe(true);
  });

  it('lets timers run between slices of a large body', async () => {
    const input = sample(2_000_000, 3);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const out = await roundTrip(input, 1024);
    clearInterval(timer);
    expect(out.equals(input)).toBe(true);
    expect(ticks).toBeGreaterThan(0);
  });

  it('decodes bodies one after another, each to its own output, whichever fails', async () => {
    const inputs = [sample(50_000, 1), sample(70_000, 2), sample(30_000, 3)];
    const compressed = inputs.map((b) => Buffer.from(SnappyJS.compress(b)));
    const bad = snappyUncompressInSlices(Buffer.from([8, (7 << 2) | 2, 5, 0]), 8, 1000);
    const outs = await Promise.all(compressed.map((c) => snappyUncompressInSlices(c, snappyDecodedLength(c), 1000)));
    await expect(bad).rejects.toThrow(SnappyCorruptError);
    outs.forEach((o, i) => expect(o.equals(inputs[i])).toBe(true));
  });

  it('refuses a copy that reaches before the start of the output', async () => {
    // Header: 8 bytes; a 2-byte-offset copy of 8 bytes at offset 5 with nothing written yet.
    const bad = Buffer.from([8, (7 << 2) | 2, 5, 0]);
    await expect(snappyUncompressInSlices(bad, 8)).rejects.toThrow(new SnappyCorruptError('copy offset 5 out of range at output byte 0'));
  });

  it('refuses input that decodes to fewer bytes than its header declares', async () => {
    const good = Buffer.from(SnappyJS.compress(Buffer.from('hello world')));
    const truncated = good.subarray(0, good.length - 3);
    await expect(snappyUncompressInSlices(truncated, 11)).rejects.toThrow(SnappyCorruptError);
  });

  it('refuses a literal that runs past the end of the input', async () => {
    const bad = Buffer.from([20, (19 << 2) | 0, 0x61, 0x62]);
    await expect(snappyUncompressInSlices(bad, 20)).rejects.toThrow('literal of 20 bytes runs past the input at byte 2');
  });
});
