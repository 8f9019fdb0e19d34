// The reduce-resolution table is ported from Prometheus (Apache-2.0, Copyright The Prometheus
// Authors): model/histogram/generic_test.go (TestReduceResolutionHistogram and
// TestReduceResolutionFloatHistogram), github.com/prometheus/prometheus main, 2026-08 snapshot.
import { describe, expect, it } from 'vitest';
import { absoluteToDeltas, addLayouts, compactLayout, deltasToAbsolute, intersectCustomBounds, reduceLayout, spansMatch } from './span.js';

describe('bucket layouts', () => {
  it('reduce to a coarser schema by summing the buckets that merge (absolute counts)', () => {
    const spans = [{ offset: 0, length: 4 }, { offset: 0, length: 0 }, { offset: 3, length: 2 }];
    const reduced = reduceLayout(spans, [1, 3, 1, 2, 1, 1], 0, -1);
    expect(reduced).toEqual({ spans: [{ offset: 0, length: 3 }, { offset: 1, length: 1 }], counts: [1, 4, 2, 2] });
    expect(spans).toHaveLength(3);
  });

  it('reduce delta-encoded buckets to the same result once decoded and re-encoded', () => {
    const spans = [{ offset: 0, length: 4 }, { offset: 0, length: 0 }, { offset: 3, length: 2 }];
    const reduced = reduceLayout(spans, deltasToAbsolute([1, 2, -2, 1, -1, 0]), 0, -1);
    expect(absoluteToDeltas(reduced.counts)).toEqual([1, 3, -2, 0]);
  });

  it('refuse to reduce when spans and buckets disagree', () => {
    expect(() => reduceLayout([{ offset: 0, length: 3 }], [1, 2], 1, 0)).toThrow('spans need 3 buckets, have 2 buckets');
    expect(() => reduceLayout([{ offset: 0, length: 1 }, { offset: -2, length: 1 }], [1, 2], 1, 0)).toThrow('span number 2 with offset -2');
  });

  it('match when they describe the same buckets however the spans are cut', () => {
    expect(spansMatch([{ offset: -2, length: 5 }], [{ offset: -2, length: 2 }, { offset: 0, length: 0 }, { offset: 0, length: 3 }])).toBe(true);
    expect(spansMatch([{ offset: 1, length: 2 }, { offset: 2, length: 1 }], [{ offset: 1, length: 2 }, { offset: 1, length: 0 }, { offset: 1, length: 1 }])).toBe(true);
    expect(spansMatch([{ offset: 1, length: 2 }], [{ offset: 1, length: 3 }])).toBe(false);
    expect(spansMatch([], undefined)).toBe(true);
  });

  it('add bucket by bucket, keeping buckets either side has and leaving out the other side below the zero threshold', () => {
    const sum = addLayouts(0, 0.5, false, [{ offset: 0, length: 2 }], [1, 2], [{ offset: -2, length: 4 }], [7, 7, 1, 1]);
    // Index -2 ends at 0.25 and -1 at 0.5: both inside the zero bucket of width 0.5.
    expect(sum).toEqual({ spans: [{ offset: 0, length: 2 }], counts: [2, 3] });
    expect(addLayouts(0, 0, true, [{ offset: 0, length: 1 }], [5], [{ offset: 2, length: 1 }], [1])).toEqual({ spans: [{ offset: 0, length: 1 }, { offset: 1, length: 1 }], counts: [5, -1] });
  });

  it('compact with explicit empty buckets filling gaps up to the allowed size', () => {
    expect(compactLayout([{ offset: 0, length: 5 }], [1, 0, 0, 2, 0], 2)).toEqual({ spans: [{ offset: 0, length: 4 }], counts: [1, 0, 0, 2] });
    expect(compactLayout([{ offset: 0, length: 5 }], [1, 0, 0, 2, 0], 1)).toEqual({ spans: [{ offset: 0, length: 1 }, { offset: 2, length: 1 }], counts: [1, 2] });
  });

  it('intersect custom bounds to those both lists have', () => {
    expect(intersectCustomBounds([1, 2, 5, 10], [2, 3, 10])).toEqual([2, 10]);
    expect(intersectCustomBounds([1], [])).toEqual([]);
  });
});
