import { describe, expect, it } from 'vitest';
import { RestoreChunkTable } from './restore-chunk-table.js';

/** Chunk numbers of series `ref`, first to last. */
function chain(t: RestoreChunkTable, ref: number): number[] {
  const out: number[] = [];
  for (let i = t.first(ref); i >= 0; i = t.next(i)) out.push(i);
  return out;
}

describe('restore chunk table', () => {
  it("chains a series' chunks in the order they were attached, over several records and buffers", () => {
    const t = new RestoreChunkTable();
    const a = t.addBuffer(Buffer.from([0, 2, 0xaa, 0xbb, 0, 1, 0xcc]));
    const b = t.addBuffer(Buffer.from([9, 0, 3, 0xdd]));
    let from = t.count;
    t.push(a, 0, 4, 2, 10, 20);
    t.push(a, 4, 3, 1, 30, 40);
    t.attach(7, from);
    from = t.count;
    t.push(b, 1, 3, 1, 50, 60);
    t.attach(3, from);
    from = t.count;
    t.push(b, 0, 1, 2, 70, 80);
    t.attach(7, from);
    expect(chain(t, 7)).toEqual([0, 1, 3]);
    expect(chain(t, 3)).toEqual([2]);
    expect(t.refs).toEqual([7, 3]);
    expect([t.encoding(1), t.minT(1), t.maxT(1), t.offset(1), t.length(1)]).toEqual([1, 30, 40, 4, 3]);
    expect(Array.from(t.bytes(2))).toEqual([0, 3, 0xdd]);
    expect(t.source(2)).toBe(t.source(3));
    expect([t.sampleCount(0), t.sampleCount(1), t.sampleCount(2), t.sampleCount(3)]).toEqual([2, 1, 3, 0]);
  });

  it('has no chunk for a series nothing was attached to, and attaches nothing from an empty record', () => {
    const t = new RestoreChunkTable();
    t.attach(5, t.count);
    expect(t.first(5)).toBe(-1);
    expect(t.first(100_000)).toBe(-1);
    expect(t.refs).toEqual([]);
  });

  it('keeps every chunk and chain while it grows past its first capacity, for refs beyond its first size', () => {
    const t = new RestoreChunkTable();
    const buf = t.addBuffer(new Uint8Array(8));
    for (let i = 0; i < 5000; i++) {
      const from = t.count;
      t.push(buf, i % 8, 0, 1, i, i + 0.5);
      t.attach(i % 3 === 0 ? 1 : 4000 + (i % 3), from); // ref 1 first, then refs past the first size
    }
    const long = chain(t, 1);
    expect(long.length).toBe(1667);
    expect(long.every((c, k) => t.minT(c) === 3 * k && t.maxT(c) === 3 * k + 0.5 && t.offset(c) === (3 * k) % 8)).toBe(true);
    expect(chain(t, 4001).length + chain(t, 4002).length).toBe(3333);
    expect(t.refs).toEqual([1, 4001, 4002]);
  });
});
