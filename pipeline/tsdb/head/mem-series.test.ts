import { describe, expect, it } from 'vitest';
import { SampleBuffer } from '../chunks/index.js';
import { DecodePlanner, runDecodeJob } from '../select-decode/index.js';
import { Head } from './head.js';

const labels = { __name__: 'backfilled', job: 'a' };

/** A head whose blocks end at `cutAt`: the series' samples before it are backfill, the rest in order. */
function backfilled(n: number, cutAt: number): Head {
  const head = new Head();
  head.minValidTime = cutAt;
  const ref = head.ref(labels);
  for (let i = 0; i < n; i++) head.appendRef(ref, i * 1000, i, false);
  return head;
}

describe('MemSeries.collect', () => {
  it('hands a backfilled series to the sink oldest first, so the sink has nothing to sort', () => {
    for (const n of [30, 300]) {
      const head = backfilled(n, 150_000);
      const s = head.series(head.ref(labels))!;
      expect(s.hasOutOfOrder).toBe(true);
      const buf = new SampleBuffer();
      s.collect(buf, -Infinity, Infinity);
      expect(buf.unsorted).toBe(false);
      const got = buf.columns();
      expect(Array.from(got.timestamps)).toEqual(Array.from({ length: n }, (_, i) => i * 1000));
      expect(Array.from(got.values)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
  });

  it('reads only the loose out-of-order samples inside the range', () => {
    const head = backfilled(100, 150_000);
    const s = head.series(head.ref(labels))!;
    const buf = new SampleBuffer();
    s.collect(buf, 20_500, 40_000);
    expect(Array.from(buf.columns().timestamps)).toEqual(Array.from({ length: 20 }, (_, i) => 21_000 + i * 1000));
  });

  it('still sorts out-of-order samples that overlap the in-order ones', () => {
    const head = new Head();
    const ref = head.ref(labels);
    for (const t of [10_000, 30_000, 50_000]) head.appendRef(ref, t, t, false);
    for (const t of [20_000, 60_000 - 1_000, 5_000]) head.appendRef(ref, t, t, false);
    const buf = new SampleBuffer();
    head.series(ref)!.collect(buf, -Infinity, Infinity);
    expect(Array.from(buf.columns().timestamps)).toEqual([5_000, 10_000, 20_000, 30_000, 50_000, 59_000]);
  });

  it('gives a decode plan the same samples as a buffer, staleness markers included', () => {
    const head = backfilled(50, 40_000);
    const ref = head.ref(labels);
    head.appendRef(ref, 500, Number.NaN, true);
    const s = head.series(ref)!;
    const direct = new SampleBuffer();
    s.collect(direct, -Infinity, Infinity);
    const planner = new DecodePlanner(-Infinity, Infinity, false);
    planner.beginSeries(s.sampleBound(-Infinity, Infinity));
    s.collect(planner, -Infinity, Infinity);
    expect(planner.endSeries()).toBe(true);
    const { jobs } = planner.jobs(1);
    const r = runDecodeJob(jobs[0]);
    const [slab, at, count, staleAt] = r.counts;
    const want = direct.columns();
    expect(Array.from(new Float64Array(r.slabT[slab], at * 8, count))).toEqual(Array.from(want.timestamps));
    expect(staleAt).toBeGreaterThanOrEqual(0);
    expect(Array.from(r.stale.subarray(staleAt, staleAt + count))).toEqual(Array.from(want.stale!));
  });
});
