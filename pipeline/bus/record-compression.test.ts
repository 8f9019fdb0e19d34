import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { busCompressionSchema, compressValue, decompressValue, MIN_COMPRESSED_VALUE_BYTES } from './record-compression.js';

describe('bus record compression', () => {
  it('is lz4 unless configured, takes none and gzip, and refuses a codec it does not have, naming the ones it has', () => {
    expect(busCompressionSchema.parse(undefined)).toBe('lz4');
    expect(busCompressionSchema.parse('gzip')).toBe('gzip');
    expect(busCompressionSchema.parse('none')).toBe('none');
    const bad = busCompressionSchema.safeParse('zstd');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0].message).toMatch(/"none"\|"gzip"\|"lz4"/);
  });

  for (const codec of ['gzip', 'lz4'] as const) {
    it(`gives back exactly the value it compressed with ${codec}, in fewer bytes`, () => {
      const value = Buffer.from('{__name__="up",instance="host-001:9100",job="node"} 1\n'.repeat(50));
      const stored = compressValue(codec, value);
      expect(stored).toBeDefined();
      expect(stored!.length).toBeLessThan(value.length / 5);
      expect(decompressValue(codec, stored!).equals(value)).toBe(true);
    });
  }

  it('leaves a value as it is when compression would not pay: too short, incompressible, or compression off', () => {
    expect(compressValue('gzip', Buffer.alloc(MIN_COMPRESSED_VALUE_BYTES - 1, 0x61))).toBeUndefined();
    expect(compressValue('gzip', randomBytes(4096))).toBeUndefined();
    expect(compressValue('lz4', randomBytes(4096))).toBeUndefined();
    expect(compressValue('none', Buffer.alloc(4096, 0x61))).toBeUndefined();
  });

  it('refuses stored bytes that are not what the codec wrote instead of handing out garbage', () => {
    expect(() => decompressValue('gzip', Buffer.from('not gzip at all'))).toThrow(/header/);
    expect(() => decompressValue('lz4', Buffer.from([64, 0, 0, 0, 0xf0, 1, 2, 3]))).toThrow();
  });
});
