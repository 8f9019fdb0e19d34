import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Table } from './crc32.js';

describe('crc32', () => {
  it('matches the standard check value for "123456789"', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32Table(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('gives the same result from the native and the table implementation, also when continued', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.uint8Array({ maxLength: 200 }), (a, b) => {
        expect(crc32Table(a)).toBe(crc32(a));
        expect(crc32Table(b, crc32Table(a))).toBe(crc32(Buffer.concat([a, b])));
      }),
    );
  });
});
