// Test tables ported from Prometheus (Apache-2.0, Copyright The Prometheus Authors):
// model/histogram/generic_test.go (TestGetBound), github.com/prometheus/prometheus main,
// snapshot of 2026-08 (the version test/conformance/testdata/promql/SOURCES.md records).
import { describe, expect, it } from 'vitest';
import { BOUNDARY_FRACTIONS, bucketBound, exponentialBound, isKnownSchema, isValidSchema, targetIndex } from './schema.js';

/** 2^(k/256 - 1) to 200 bits, rounded to the nearest double. */
function exactFraction(k: number): number {
  const P = 200n;
  const one = 1n << P;
  const sqrt = (n: bigint): bigint => {
    let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
    for (;;) {
      const y = (x + n / x) >> 1n;
      if (y >= x) return x;
      x = y;
    }
  };
  let root = 2n * one;
  let x = one;
  for (let j = 0; j < 8; j++) {
    root = sqrt(root << P);
    if ((k >> (7 - j)) & 1) x = (x * root) >> P;
  }
  return Number(x >> (P - 60n)) / 2 ** 61;
}

describe('exponential bucket boundaries', () => {
  it.each([
    { index: -1, schema: -1, want: 0.25 },
    { index: 0, schema: -1, want: 1 },
    { index: 1, schema: -1, want: 4 },
    { index: 512, schema: -1, want: Number.MAX_VALUE },
    { index: 513, schema: -1, want: Infinity },
    { index: -1, schema: 0, want: 0.5 },
    { index: 0, schema: 0, want: 1 },
    { index: 1, schema: 0, want: 2 },
    { index: 1024, schema: 0, want: Number.MAX_VALUE },
    { index: 1025, schema: 0, want: Infinity },
    { index: -1, schema: 2, want: 0.8408964152537144 },
    { index: 0, schema: 2, want: 1 },
    { index: 1, schema: 2, want: 1.189207115002721 },
    { index: 4096, schema: 2, want: Number.MAX_VALUE },
    { index: 4097, schema: 2, want: Infinity },
  ])('bucket $index of schema $schema ends at $want', ({ index, schema, want }) => {
    expect(exponentialBound(index, schema)).toBe(want);
  });

  it('holds 256 fractions within four ulps of 2^(k/256-1) each, ascending from 0.5', () => {
    expect(BOUNDARY_FRACTIONS).toHaveLength(256);
    expect(BOUNDARY_FRACTIONS[0]).toBe(0.5);
    for (let k = 0; k < 256; k++) {
      const exact = exactFraction(k);
      expect(Math.abs(BOUNDARY_FRACTIONS[k] - exact), `fraction ${k}`).toBeLessThanOrEqual(4 * Number.EPSILON * 0.5);
      if (k > 0) expect(BOUNDARY_FRACTIONS[k]).toBeGreaterThan(BOUNDARY_FRACTIONS[k - 1]);
    }
  });

  it('gives every schema the boundaries of the finer schemas at the shared indices', () => {
    for (let schema = -4; schema < 8; schema++) {
      for (let index = -40; index <= 40; index++) {
        expect(exponentialBound(index, schema), `schema ${schema} index ${index}`).toBe(exponentialBound(index * 2, schema + 1));
      }
    }
  });

  it('reaches powers of two exactly and tiny values without underflowing to zero too early', () => {
    expect(exponentialBound(3, -4)).toBe(2 ** 48);
    expect(exponentialBound(-5, 0)).toBe(1 / 32);
    expect(exponentialBound(-1074, 0)).toBe(2 ** -1074);
    expect(exponentialBound(-1075, 0)).toBe(0);
  });
});

describe('custom bucket boundaries', () => {
  it('run from -Inf below the first bound to +Inf above the last', () => {
    const bounds = [1, 5, 10];
    expect([-1, 0, 1, 2, 3].map((i) => bucketBound(i, -53, bounds))).toEqual([-Infinity, 1, 5, 10, Infinity]);
  });

  it('reject indices outside the bounds', () => {
    expect(() => bucketBound(4, -53, [1, 2])).toThrow(/bucket index 4 out of bounds for 2 custom bounds/);
  });
});

describe('schemas', () => {
  it('accept -4..8 and -53, and know the reserved ranges an ingester reduces', () => {
    expect([-5, -4, 0, 8, 9, -53].map(isValidSchema)).toEqual([false, true, true, true, false, true]);
    expect([-10, -9, 52, 53, -53].map(isKnownSchema)).toEqual([false, true, true, false, true]);
  });

  it('map an index to the coarser schema bucket that contains it', () => {
    // Schema 1 buckets -1 and 0 ((0.5,0.707], (0.707,1]) fall into schema 0 bucket 0 ((0.5,1]).
    expect([-1, 0, 1, 2, 3].map((i) => targetIndex(i, 1, 0))).toEqual([0, 0, 1, 1, 2]);
    expect(targetIndex(5, 3, 0)).toBe(1);
  });
});
