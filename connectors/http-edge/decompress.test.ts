import { describe, expect, it } from 'vitest';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import { decodeBody, snappyUncompress } from './decompress.js';
import { InvalidPushError, PayloadTooLargeError } from './errors.js';
import { SNAPPY_SLICE_BYTES } from './snappy-slices.js';

/** Label-like text with a counter in it: literals and copies, as a remote_write body compresses. */
function body(bytes: number): Buffer {
  const parts: string[] = [];
  for (let i = 0, n = 0; n < bytes; i++) {
    const line = `node_cpu_seconds_total{cpu="${i % 8}",mode="idle",instance="host-${i}:9100"} ${i * 0.25}\n`;
    parts.push(line);
    n += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}

describe('snappyUncompress (one call, bodies up to a slice)', () => {
  it('decodes what was compressed into a Buffer', () => {
    const input = body(250_000);
    const out = snappyUncompress(snappyBlockCompress(input), 0);
    expect(Buffer.isBuffer(out)).toBe(true);
    expect(out.equals(input)).toBe(true);
  });

  it('refuses a body whose header declares more than the limit', () => {
    expect(() => snappyUncompress(snappyBlockCompress(body(10_000)), 9_999)).toThrow(PayloadTooLargeError);
  });

  it.each([
    ['a truncated body', (c: Buffer) => c.subarray(0, c.length - 100)],
    ['a body with bytes spliced into it', (c: Buffer) => Buffer.concat([c.subarray(0, 3), Buffer.from([0x01 | (4 << 2), 0xff]), c.subarray(3)])],
    ['a header that runs past five bytes', () => Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])],
  ])('refuses %s as corrupt snappy input', (_, corrupt) => {
    const bad = corrupt(snappyBlockCompress(body(10_000)));
    expect(() => snappyUncompress(bad, 0)).toThrow(InvalidPushError);
    expect(() => snappyUncompress(bad, 0)).toThrow(/^snappy: corrupt input/);
  });
});

describe('decodeBody with snappy', () => {
  it('decodes bodies below and above the slice size to the same bytes', async () => {
    for (const n of [1_000, SNAPPY_SLICE_BYTES + 12_345]) {
      const input = body(n);
      expect((await decodeBody(snappyBlockCompress(input), 'snappy', ['snappy'], 0)).equals(input)).toBe(true);
    }
  });
});
