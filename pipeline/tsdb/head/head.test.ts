import { describe, expect, it } from 'vitest';
import { DuplicateSampleError, InvalidSampleError } from '../errors.js';
import { Head, hashLabels } from './head.js';

const up = { __name__: 'up', job: 'node' };

async function samples(head: Head, labels = up) {
  const set = await head.querier(-Infinity, Infinity).select(
    Object.entries(labels).map(([name, value]) => ({ name, type: '=' as const, value })),
    { start: -Infinity, end: Infinity },
  );
  return set.series.length === 0 ? [] : Array.from(set.series[0].timestamps);
}

/** The series' samples as [timestamp, value, stale] (a staleness marker as 'stale'). */
async function points(head: Head, labels = up): Promise<[number, number | 'stale'][]> {
  const set = await head.querier(-Infinity, Infinity).select(
    Object.entries(labels).map(([name, value]) => ({ name, type: '=' as const, value })),
    { start: -Infinity, end: Infinity },
  );
  const s = set.series[0];
  return s === undefined ? [] : Array.from(s.timestamps, (t, i) => [t, s.stale?.[i] === 1 ? 'stale' : s.values[i]]);
}

describe('head', () => {
  it('finds the same series for label sets that differ only in key order', () => {
    const head = new Head();
    const a = head.ref({ job: 'node', __name__: 'up' });
    expect(head.ref({ __name__: 'up', job: 'node' })).toBe(a);
    expect(head.ref({ __name__: 'up', job: 'node', extra: '' })).toBe(a);
    expect(head.numSeries).toBe(1);
  });

  it('hashes a label set the same whatever the order of its names and ignoring empty values', () => {
    const h = hashLabels({ __name__: 'up', instance: 'a:9100', job: 'node' });
    expect(hashLabels({ job: 'node', __name__: 'up', instance: 'a:9100' })).toBe(h);
    expect(hashLabels({ __name__: 'up', extra: '', instance: 'a:9100', job: 'node' })).toBe(h);
    expect(hashLabels({ job: 'node', extra: '', instance: 'a:9100', __name__: 'up' })).toBe(h);
    expect(hashLabels({ __name__: 'up', instance: 'a:9101', job: 'node' })).not.toBe(h);
    // Integer-like names enumerate numerically, not in string order.
    expect(hashLabels({ '10': 'x', '9': 'y' })).toBe(hashLabels({ '9': 'y', '10': 'x' }));
    expect(Number.isInteger(h) && h >= 0 && h < 2 ** 30).toBe(true);
  });

  it('keeps apart two series whose label sets hash alike', async () => {
    const seen = new Map<number, string>();
    let pair: [string, string] | null = null;
    for (let i = 0; pair === null && i < 2_000_000; i++) {
      const v = `v${i}`;
      const h = hashLabels({ a: v });
      const other = seen.get(h);
      if (other !== undefined) pair = [other, v];
      else seen.set(h, v);
    }
    expect(pair).not.toBeNull();
    const [x, y] = pair!;
    const head = new Head();
    const rx = head.ref({ a: x });
    const ry = head.ref({ a: y });
    expect(ry).not.toBe(rx);
    expect(head.ref({ a: x })).toBe(rx);
    expect(head.ref({ a: y, b: '' })).toBe(ry);
    head.appendRef(rx, 1000, 1);
    head.appendRef(ry, 1000, 2);
    expect(await samples(head, { a: x } as unknown as typeof up)).toEqual([1000]);
    expect(head.numSeries).toBe(2);
  });

  it('takes a hinted ref only when that series has exactly the given labels', () => {
    const head = new Head({ chunkRangeMs: 3600_000 });
    const a = head.ref({ job: 'a' });
    const b = head.ref({ job: 'b' });
    expect(head.refHinted({ job: 'a' }, a)).toBe(a);
    expect(head.refHinted({ job: 'a', x: '' }, a)).toBe(a);
    expect(head.refHinted({ job: 'a' }, b)).toBe(a);
    expect(head.refHinted({ job: 'a', extra: '1' }, a)).not.toBe(a);
    expect(head.refHinted({ job: 'b' }, 12345)).toBe(b);
    head.appendRef(a, 1000, 1);
    head.appendRef(b, 4000_000, 1);
    head.truncate(3600_000); // series a leaves the head
    const again = head.refHinted({ job: 'a' }, a);
    expect(again).not.toBe(a);
    expect(head.series(again)!.labels).toEqual({ job: 'a' });
    expect(head.numSeries).toBe(2); // b and the new a (empty series went with the truncation)
  });

  it('ignores a duplicate sample with the same value and counts it', async () => {
    const head = new Head();
    head.append(up, 1000, 1);
    head.append(up, 1000, 1);
    head.append(up, 2000, NaN);
    head.append(up, 2000, NaN);
    expect(head.stats.duplicatesIgnored).toBe(2);
    expect(await samples(head)).toEqual([1000, 2000]);
  });

  it('refuses another value at a stored timestamp that does not take precedence (a smaller one, a value under a staleness marker) with a counted DuplicateSampleError', async () => {
    const head = new Head();
    head.append(up, 1000, 2);
    expect(() => head.append(up, 1000, 1)).toThrow(DuplicateSampleError);
    expect(() => head.append(up, 1000, NaN)).toThrow(DuplicateSampleError);
    head.append(up, 2000, 0, true);
    expect(() => head.append(up, 2000, 5)).toThrow(DuplicateSampleError);
    expect(head.stats.duplicateErrors).toBe(3);
    expect(await points(head)).toEqual([[1000, 2], [2000, 'stale']]);
  });

  it('keeps the value that takes precedence at a timestamp whichever arrived first: a staleness marker, then the larger value', async () => {
    const head = new Head();
    head.append(up, 1000, 1);
    head.append(up, 1000, 2); // the newest in-order sample
    head.append(up, 2000, 1);
    head.append(up, 3000, 1);
    head.append(up, 2000, 0, true); // an older in-order sample
    head.append(up, 500, 1);
    head.append(up, 500, 3); // an out-of-order sample
    head.append(up, 500, 4);
    expect(() => head.append(up, 500, 2)).toThrow(DuplicateSampleError);
    expect(await points(head)).toEqual([[500, 4], [1000, 2], [2000, 'stale'], [3000, 1]]);
  });

  it('takes a sample older than its series\' newest, however old, and returns it merged in order', async () => {
    const head = new Head();
    head.append(up, 5 * 86400_000, 1);
    head.append(up, 1000, 2);
    head.append(up, 3 * 86400_000, 3);
    expect(head.stats.outOfOrderAppended).toBe(2);
    expect(await samples(head)).toEqual([1000, 3 * 86400_000, 5 * 86400_000]);
  });

  it('keeps one value of a timestamp, in order or out of order, refuses one that does not take precedence and ignores an equal one', async () => {
    const head = new Head();
    for (let t = 0; t <= 600_000; t += 30_000) head.append(up, t, t);
    for (let t = 15_000; t < 600_000; t += 30_000) head.append(up, t, -t);
    head.append(up, 555_000, -555_000); // equal to a stored out-of-order sample
    expect(() => head.append(up, 555_000, -600_000)).toThrow(DuplicateSampleError);
    expect(() => head.append(up, 570_000, 5)).toThrow(DuplicateSampleError); // in-order sample exists
    head.append(up, 570_000, 570_000);
    expect(head.stats.outOfOrderAppended).toBe(20);
    expect(head.stats.duplicatesIgnored).toBe(2);
    expect((await points(head)).slice(-4)).toEqual([[555_000, -555_000], [570_000, 570_000], [585_000, -585_000], [600_000, 600_000]]);
  });

  it('keeps more than a chunk of out-of-order samples by encoding them into chunks', async () => {
    const head = new Head();
    head.append(up, 3600_000, 0);
    for (let i = 0; i < 300; i++) head.append(up, 1000 + i * 1000, i);
    const ts = await samples(head);
    expect(ts.length).toBe(301);
    expect(ts[0]).toBe(1000);
    expect(ts[300]).toBe(3600_000);
  });

  it('cuts chunks at 120 samples and at chunk-range boundaries', () => {
    const head = new Head({ chunkRangeMs: 3600_000 });
    for (let i = 0; i < 300; i++) head.append(up, i * 15_000, i);
    const s = head.series(head.ref(up))!;
    // 240 samples per hour: 120 + 120 in hour 0, then 60 in hour 1 (open)
    expect(s.chunks.length).toBe(2);
    expect(s.times[3]).toBeLessThan(3600_000);
    expect(s.app!.minT).toBe(3600_000);
  });

  it('forgets series left empty by a truncation', async () => {
    const head = new Head({ chunkRangeMs: 3600_000 });
    head.append({ a: 'old' }, 1000, 1);
    for (let i = 0; i < 300; i++) head.append(up, i * 15_000, i);
    head.truncate(3600_000);
    expect(head.numSeries).toBe(1);
    expect((await samples(head))[0]).toBe(3600_000);
    expect(await head.querier(-Infinity, Infinity).labelValues('a', [])).toEqual([]);
  });

  it('takes samples older than the persisted range as backfill and counts them until a truncation passes them', async () => {
    const head = new Head({ chunkRangeMs: 3600_000 });
    for (let i = 0; i < 300; i++) head.append(up, i * 15_000, i);
    head.truncate(3600_000);
    expect(head.backfillHeld).toBe(0);
    head.append(up, 1_000, 7);
    head.append({ a: 'new' }, 2_000, 8);
    head.append(up, 3600_000 - 86400_000 * 30, 9);
    expect(head.backfillHeld).toBe(3);
    expect((await samples(head))[0]).toBe(3600_000 - 86400_000 * 30);
    // Still a duplicate within the head (7 takes precedence over 6).
    expect(() => head.append(up, 1_000, 6)).toThrow(DuplicateSampleError);
    expect(head.backfillHeld).toBe(3);
    expect(head.minTimeFrom(3600_000)).toBe(3600_000);
    expect(head.minTime()).toBe(3600_000 - 86400_000 * 30);
    head.truncate(3600_000);
    expect(head.backfillHeld).toBe(0);
    expect(head.minTime()).toBe(3600_000);
  });

  it('finds the oldest sample at or after a bound among out-of-order samples on both sides of it', () => {
    const head = new Head({ chunkRangeMs: 3600_000 });
    head.append(up, 5000_000, 1);
    head.truncate(4000_000);
    head.append(up, 1_000, 2); // backfill, below the bound
    head.append(up, 4500_000, 3); // out of order, above it
    expect(head.minTimeFrom(4000_000)).toBe(4500_000);
    expect(head.minTimeFrom(4600_000)).toBe(5000_000);
    expect(head.minTimeFrom(0)).toBe(1_000);
    expect(head.minTimeFrom(5000_001)).toBe(5000_001);
  });

  it('deletes a time range of matching series', async () => {
    const head = new Head();
    for (let i = 0; i < 10; i++) head.append(up, i * 1000, i);
    head.append({ __name__: 'other' }, 5000, 1);
    head.deleteSeries([{ name: '__name__', type: '=', value: 'up' }], 2000, 5000);
    expect(await samples(head)).toEqual([0, 1000, 6000, 7000, 8000, 9000]);
    expect(await samples(head, { __name__: 'other' } as typeof up)).toEqual([5000]);
  });

  it('refuses non-integer timestamps and empty label sets with InvalidSampleError', () => {
    const head = new Head();
    expect(() => head.append(up, 1.5, 1)).toThrow(InvalidSampleError);
    expect(() => head.append({ a: '' }, 1, 1)).toThrow(InvalidSampleError);
    expect(() => head.appendRef(999, 1, 1)).toThrow(InvalidSampleError);
    expect(head.stats.invalid).toBe(3);
  });

  it('reports accepted samples and new series to the sample log in order', () => {
    const head = new Head();
    const events: string[] = [];
    head.log = {
      series: (ref, l) => events.push(`s${ref}:${l.job}`),
      sample: (ref, t, v, stale) => events.push(`${ref}@${t}=${v}${stale ? 'S' : ''}`),
      histogram: (ref, t, h) => events.push(`${ref}@${t}=${h.toString()}`),
      deletion: () => events.push('del'),
    };
    head.append(up, 1, 2);
    head.append(up, 1, 2);
    head.append(up, 2, 0, true);
    expect(events).toEqual(['s1:node', '1@1=2', '1@2=0S']);
  });
});
