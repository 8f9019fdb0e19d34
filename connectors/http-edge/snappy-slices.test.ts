import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import { describe, expect, it } from 'vitest';
import { SnappyCorruptError, SnappyStream, snappyUncompressInSlices } from './snappy-slices.js';
import { snappyDecodedLength, withSnappyBody } from './decompress.js';
import { InvalidPushError, PayloadTooLargeError } from './errors.js';

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
  const compressed = snappyBlockCompress(input);
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
    const compressed = inputs.map((b) => snappyBlockCompress(b));
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
    const good = snappyBlockCompress(Buffer.from('hello world'));
    const truncated = good.subarray(0, good.length - 3);
    await expect(snappyUncompressInSlices(truncated, 11)).rejects.toThrow(SnappyCorruptError);
  });

  it('refuses a literal that runs past the end of the input', async () => {
    const bad = Buffer.from([20, (19 << 2) | 0, 0x61, 0x62]);
    await expect(snappyUncompressInSlices(bad, 20)).rejects.toThrow('literal of 20 bytes runs past the input at byte 2');
  });

  it('decodes front to back a slice per step, the decoded prefix final before the end is reached', () => {
    const input = sample(300_000, 9);
    const compressed = snappyBlockCompress(input);
    const stream = new SnappyStream(compressed, snappyDecodedLength(compressed));
    let steps = 0;
    while (!stream.done) {
      stream.step(10_000);
      steps++;
      expect(stream.out.subarray(0, stream.decoded).equals(input.subarray(0, stream.decoded))).toBe(true);
    }
    expect(stream.decoded).toBe(input.length);
    expect(steps).toBeGreaterThanOrEqual(30);
  });
});

describe('SnappyStream output', () => {
  it('grows as decoding goes instead of taking the declared length at once, and ends at exactly that length', () => {
    const input = Buffer.alloc(40_000_000, 0x62);
    const compressed = snappyBlockCompress(input);
    const stream = new SnappyStream(compressed, snappyDecodedLength(compressed));
    stream.step(1 << 20);
    expect(stream.out.length).toBeLessThan(input.length / 4);
    while (!stream.done) stream.step(1 << 20);
    expect(stream.out.length).toBe(input.length);
    expect(stream.out.equals(input)).toBe(true);
  });
});

describe('withSnappyBody', () => {
  const big = sample(5_000_000, 4);
  const compressed = snappyBlockCompress(big);

  it('hands the reader a large body that grows as it asks for more, to the whole body', async () => {
    const seen: number[] = [];
    const out = await withSnappyBody(compressed, 0, async (body) => {
      while (body.available < body.length) {
        seen.push(body.available);
        await body.more();
      }
      return body.bytes;
    });
    expect(out.equals(big)).toBe(true);
    expect(seen.length).toBeGreaterThan(3);
  });

  it('decodes only as much of a large body as the reader asked for', async () => {
    const decoded = await withSnappyBody(compressed, 0, async (body) => {
      await body.more();
      return body.available;
    });
    expect(decoded).toBeLessThan(big.length / 2);
    expect(decoded).toBeGreaterThan(0);
  });

  it('hands a small body over whole', async () => {
    const small = Buffer.from('a small body');
    const got = await withSnappyBody(snappyBlockCompress(small), 0, (body) => Promise.resolve([body.available, body.bytes.toString()]));
    expect(got).toEqual([small.length, 'a small body']);
  });

  it('refuses a body whose header declares more than the limit before decoding any of it', async () => {
    let read = false;
    const attempt = withSnappyBody(compressed, 1_000_000, () => {
      read = true;
      return Promise.resolve(0);
    });
    await expect(attempt).rejects.toThrow(PayloadTooLargeError);
    expect(read).toBe(false);
  });

  it('refuses corrupt input met while growing with a decode error naming snappy', async () => {
    const truncated = compressed.subarray(0, compressed.length >> 1);
    const attempt = withSnappyBody(truncated, 0, async (body) => {
      while (body.available < body.length) await body.more();
    });
    await expect(attempt).rejects.toThrow(InvalidPushError);
    await expect(attempt).rejects.toThrow(/snappy: corrupt input/);
  });
});
