import { describe, expect, it } from 'vitest';
import type { SampleLog } from './sample-log.js';
import { Head } from './head.js';

const labels = { __name__: 'bench_cpu_seconds_total', cpu: '0', mode: 'idle' };
const HOUR = 3600_000;

/** A counter 10 s apart from `start`, values with two decimals (what an exposition file holds). */
function counter(n: number, start: number, step = 10_000): { ts: number[]; vs: number[] } {
  const ts: number[] = [];
  const vs: number[] = [];
  let v = 3.5;
  for (let i = 0; i < n; i++) {
    v += ((i * 13) % 100) / 10;
    ts.push(start + i * step);
    vs.push(Math.round(v * 100) / 100);
  }
  return { ts, vs };
}

/** Everything the head keeps of the series: closed chunks as they are, the open chunk, the newest sample and the counters. */
function state(head: Head, ref: number) {
  const s = head.series(ref)!;
  const chunks = [];
  for (let i = 0; i < s.chunkCount; i++) chunks.push([s.chunkMinT(i), s.chunkMaxT(i), s.chunkEncoding(i), Buffer.from(s.chunkBytes(i)).toString('hex')]);
  const open = s.app === null ? null : Buffer.from(s.app.view()).toString('hex');
  const oooChunks = (s.oooChunks ?? []).map((c) => Buffer.from(c.bytes).toString('hex'));
  return { chunks, open, minT: s.minT, maxT: s.maxT, headMaxT: head.maxT, stats: { ...head.stats }, oooT: s.oooT, oooV: s.oooV, oooChunks, backfillHeld: head.backfillHeld };
}

/** What the head holds after `ts`/`vs` arrive in `cuts` pieces, each appended as a run (the rest one by one), or each sample one by one. */
function load(ts: number[], vs: number[], cuts: number[], asRuns: boolean, minValidTime = -Infinity) {
  const head = new Head();
  head.minValidTime = minValidTime;
  const logged: string[] = [];
  head.log = { series: () => undefined, sample: (r, t, v, stale) => logged.push(`${r} ${t} ${v} ${stale}`), histogram: () => undefined, deletion: () => undefined } satisfies SampleLog;
  const ref = head.ref(labels);
  const bounds = [0, ...cuts, ts.length];
  for (let k = 0; k + 1 < bounds.length; k++) {
    let i = bounds[k];
    // As the store's shard does: in-order runs, and the older part of a backfilled series as runs too.
    if (asRuns) {
      i = head.appendRunRef(ref, ts, vs, i, bounds[k + 1]);
      while (i < bounds[k + 1]) {
        const j = head.appendBackfillRunRef(ref, ts, vs, i, bounds[k + 1]);
        if (j === i) break;
        i = head.appendRunRef(ref, ts, vs, j, bounds[k + 1]);
      }
    }
    for (; i < bounds[k + 1]; i++) {
      try {
        head.appendRef(ref, ts[i], vs[i]);
      } catch {
        // counted by the head, as for one by one
      }
    }
  }
  return { state: state(head, ref), logged };
}

describe('a run of samples appended in one call', () => {
  const same = (ts: number[], vs: number[], cuts: number[] = [], minValidTime?: number) => {
    const runs = load(ts, vs, cuts, true, minValidTime);
    const single = load(ts, vs, cuts, false, minValidTime);
    expect(runs.state).toEqual(single.state);
    expect(runs.logged).toEqual(single.logged);
    return runs.state;
  };

  it('stores the chunks that appending its samples one by one stores, across the chunk range boundary', () => {
    const { ts, vs } = counter(500, 2 * HOUR * 1000 + 110 * 60_000);
    const s = same(ts, vs);
    expect(s.chunks.length).toBeGreaterThanOrEqual(4);
    expect(s.open).not.toBeNull();
    expect(s.stats.samplesAppended).toBe(500);
  });

  it('stores the same when the run arrives in pieces, each continuing the open chunk', () => {
    const { ts, vs } = counter(500, 2 * HOUR * 1000 + 110 * 60_000);
    same(ts, vs, [37, 120, 121, 240, 359, 480]);
  });

  it('stores the same for runs of whole chunks, leaving the last one open', () => {
    for (const n of [1, 2, 119, 120, 121, 240]) {
      const { ts, vs } = counter(n, 0);
      expect(same(ts, vs).open).not.toBeNull();
    }
  });

  it('stops at a sample that is not newer than the one before, which then goes one by one', () => {
    const { ts, vs } = counter(300, 0);
    ts[150] = ts[149];
    vs[150] = vs[149]; // a duplicate, ignored
    ts[200] = ts[10]; // older: out of order
    const s = same(ts, vs);
    expect(s.stats.duplicatesIgnored).toBe(1);
    expect(s.stats.outOfOrderAppended).toBeGreaterThan(0);
  });

  it('takes nothing older than the head\'s range or than the series\' newest, and no timestamp that is not an integer', () => {
    const head = new Head();
    const ref = head.ref(labels);
    const { ts, vs } = counter(10, 100_000);
    head.minValidTime = 150_000;
    expect(head.appendRunRef(ref, ts, vs, 0, 10)).toBe(0);
    expect(head.appendRunRef(ref, ts, vs, 5, 10)).toBe(10);
    expect(head.appendRunRef(ref, ts, vs, 5, 10)).toBe(5);
    expect(head.appendRunRef(ref, [200_000, 200_000.5, 300_000], [1, 2, 3], 0, 3)).toBe(1);
    expect(head.appendRunRef(ref + 1, ts, vs, 0, 10)).toBe(0);
    expect(head.stats.samplesAppended).toBe(6);
    same(ts, vs, [], 150_000);
  });

  it('keeps the older part of a backfilled series as one by one keeps it, its full buffers sealed as chunks', () => {
    for (const older of [1, 60, 119, 120, 121, 250]) {
      const { ts, vs } = counter(older + 200, 0);
      const s = same(ts, vs, [], ts[older]);
      expect(s.stats.outOfOrderAppended).toBe(older);
      expect(s.backfillHeld).toBe(older);
      expect(s.oooChunks).toHaveLength(Math.floor(older / 120));
    }
  });

  it('continues a backfill that arrives in pieces, and stops where a sample is not newer than the backfill before', () => {
    const { ts, vs } = counter(400, 0);
    same(ts, vs, [50, 130, 131, 300], ts[260]);
    ts[100] = ts[90]; // a backfilled timestamp again with a smaller value: refused one by one
    vs[100] = vs[90] - 1;
    const s = same(ts, vs, [50, 130], ts[260]);
    expect(s.stats.duplicateErrors).toBe(1);
  });

  it('backfills a series older than its in-order samples, and takes nothing a lookup would find', () => {
    const head = new Head();
    const ref = head.ref(labels);
    head.appendRef(ref, 500_000, 1);
    const { ts, vs } = counter(60, 0);
    expect(head.appendBackfillRunRef(ref, ts, vs, 0, 60)).toBe(50);
    expect(head.series(ref)!.oooT).toHaveLength(50);
    expect(head.appendBackfillRunRef(ref, ts, vs, 10, 20)).toBe(10);
    const fresh = head.ref({ ...labels, cpu: '1' });
    head.minValidTime = 1_000_000;
    expect(head.appendBackfillRunRef(fresh, [5.5], [1], 0, 1)).toBe(0);
    expect(head.appendBackfillRunRef(fresh, [1_000_000], [1], 0, 1)).toBe(0);
    expect(head.stats.outOfOrderAppended).toBe(50);
  });
});
