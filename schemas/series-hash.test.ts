import { describe, expect, it } from 'vitest';
import { canonicalBytes, seriesHash } from './series-hash.js';
import { canonicalLabels } from './labels.js';

describe('seriesHash', () => {
  it('is XXH64 with seed 0 of the canonical bytes', () => {
    // XXH64 reference value of the empty input.
    expect(seriesHash({})).toBe(0xef46db3751d8e999n);
  });

  it('writes canonical bytes as sorted name 0xFF value 0xFF in UTF-8', () => {
    const bytes = canonicalBytes({ b: 'é', a: '1' });
    expect([...bytes]).toEqual([0x61, 0xff, 0x31, 0xff, 0x62, 0xff, 0xc3, 0xa9, 0xff]);
  });

  it('does not depend on the order labels were written in', () => {
    expect(seriesHash({ a: '1', b: '2' })).toBe(seriesHash({ b: '2', a: '1' }));
  });

  it('tells apart label sets whose concatenations coincide', () => {
    expect(seriesHash({ a: 'bc' })).not.toBe(seriesHash({ ab: 'c' }));
    expect(canonicalLabels({ a: '1\u00ffb\u00ff2' })).not.toBe(canonicalLabels({ a: '1', b: '2' }));
    expect(seriesHash({ a: '1\u00ffb\u00ff2' })).not.toBe(seriesHash({ a: '1', b: '2' }));
  });
});
