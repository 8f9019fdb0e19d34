import { describe, expect, it } from 'vitest';
import { partitionForHash } from './partition.js';
import { SeriesPartitioner } from './series-partitioner.js';

describe('partitionForHash', () => {
  it('matches the reference jump consistent hash vectors', () => {
    // Published vectors of Lamping & Veach's algorithm (as used by its Go implementations).
    expect(partitionForHash(1n, 1)).toBe(0);
    expect(partitionForHash(42n, 57)).toBe(43);
    expect(partitionForHash(0xdead10ccn, 1)).toBe(0);
    expect(partitionForHash(0xdead10ccn, 666)).toBe(361);
    expect(partitionForHash(256n, 1024)).toBe(520);
  });

  it('moves only the series that go to new partitions when the count grows', () => {
    let moved = 0;
    for (let i = 0n; i < 10_000n; i++) {
      const h = (i * 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
      const before = partitionForHash(h, 8);
      const after = partitionForHash(h, 10);
      if (before !== after) {
        moved++;
        expect(after).toBeGreaterThanOrEqual(8);
      }
    }
    expect(moved / 10_000).toBeGreaterThan(0.15);
    expect(moved / 10_000).toBeLessThan(0.25);
  });

  it('rejects a partition count that is not a positive integer', () => {
    expect(() => partitionForHash(1n, 0)).toThrow(/positive integer/);
    expect(() => new SeriesPartitioner(1.5)).toThrow(/positive integer/);
  });
});

describe('SeriesPartitioner', () => {
  it('places a label set on the same partition whatever the key order', () => {
    const p = new SeriesPartitioner(16);
    const a = p.partitionOf({ __name__: 'up', job: 'node', instance: 'a:9100' });
    const b = new SeriesPartitioner(16).partitionOf({ instance: 'a:9100', job: 'node', __name__: 'up' });
    expect(a).toBe(b);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(16);
  });

  it('spreads series evenly over partitions', () => {
    const p = new SeriesPartitioner(8);
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[p.partitionOf({ __name__: 'm', i: String(i) })]++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
  });
});
