import { describe, expect, it } from 'vitest';
import { ColumnSlabs, SLAB_SAMPLES } from './column-slabs.js';

describe('ColumnSlabs', () => {
  it('asks for as many pooled slabs as pooledNeeded says, and cuts windows that do not overlap', () => {
    const bounds = [10, SLAB_SAMPLES - 5, 7, 3 * SLAB_SAMPLES, 1, SLAB_SAMPLES, 2, 2];
    let asked = 0;
    const columns = new ColumnSlabs(bounds.reduce((a, b) => a + b, 0), () => {
      asked++;
      return new SharedArrayBuffer(SLAB_SAMPLES * 8);
    });
    const seen: { slab: number; at: number; bound: number }[] = [];
    for (const bound of bounds) {
      columns.cut(bound);
      expect(columns.t.length).toBe(bound);
      expect(columns.v.length).toBe(bound);
      seen.push({ slab: columns.slab, at: columns.at, bound });
    }
    expect(asked).toBe(ColumnSlabs.pooledNeeded(bounds));
    // A window larger than a pooled slab gets a slab of its own, allocated.
    expect(columns.slabT[seen[3].slab].byteLength).toBe(3 * SLAB_SAMPLES * 8);
    expect(columns.pooledT[seen[3].slab]).toBe(-1);
    // Pooled slabs are numbered in the order they were given.
    expect(columns.pooledT.filter((i) => i >= 0).concat(columns.pooledV.filter((i) => i >= 0)).sort((a, b) => a - b)).toEqual([...Array(asked).keys()]);
    for (let i = 1; i < seen.length; i++) {
      if (seen[i].slab === seen[i - 1].slab) expect(seen[i].at).toBeGreaterThanOrEqual(seen[i - 1].at + seen[i - 1].bound);
    }
  });

  it('cuts timestamp slabs only for a select without values: each slab is named as both columns', () => {
    const bounds = [10, SLAB_SAMPLES - 5, 7, 3 * SLAB_SAMPLES, 1];
    let asked = 0;
    const columns = new ColumnSlabs(bounds.reduce((a, b) => a + b, 0), () => {
      asked++;
      return new SharedArrayBuffer(SLAB_SAMPLES * 8);
    }, true);
    for (const bound of bounds) {
      columns.cut(bound);
      expect(columns.t.length).toBe(bound);
      expect(columns.v.length).toBe(bound);
      // Values written are not in the slabs: the timestamps stay as written.
      columns.t.fill(1);
      columns.v.fill(2);
      expect(columns.t.buffer).toBe(columns.slabT[columns.slab]);
      expect(columns.v.buffer).not.toBe(columns.slabT[columns.slab]);
    }
    expect(asked).toBe(ColumnSlabs.pooledNeeded(bounds, true));
    expect(asked).toBe(ColumnSlabs.pooledNeeded(bounds) / 2);
    expect(columns.slabV).toEqual(columns.slabT);
    expect(columns.slabV.every((b, i) => b === columns.slabT[i])).toBe(true);
    expect(columns.pooledV).toEqual(columns.pooledT);
    expect(columns.pooledT.filter((i) => i >= 0)).toEqual([...Array(asked).keys()]);
    for (const slab of columns.slabT) expect(new Float64Array(slab).includes(2)).toBe(false);
  });

  it('allocates what is left of a small select when the pool has nothing, not a whole slab', () => {
    const columns = new ColumnSlabs(30, () => null);
    columns.cut(10);
    columns.cut(20);
    expect(columns.slabT.map((b) => b.byteLength)).toEqual([30 * 8]);
    expect(columns.pooledT).toEqual([-1]);
  });
});
