import { describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../schemas/native-histogram/index.js';
import { BINARY_VERSION, decodePartialRecord, encodePartialRecord, PartialRecordError, type PartialRecord } from './partial-record.js';
import { newAccumulator, type WindowAccumulator } from './window-accumulator.js';

const NUMBERS = ['samples', 'hSamples', 'sum', 'min', 'max', 'lastTs', 'lastV', 'mean', 'm2', 'inc', 'rateSum', 'rateN', 'series'] as const;

function fullAndEmpty(): [WindowAccumulator, WindowAccumulator] {
  const full = newAccumulator({ __name__: 'x', job: 'a' }, { values: true, buckets: true });
  Object.assign(full, { samples: 3, sum: 6.5, min: 1, max: 4.25, lastTs: 60_000, lastV: 4.25, mean: 2.1, m2: 0.5, inc: 7, rateSum: 0.1, rateN: 2, series: 2, alive: true });
  full.values!.push(1, 1.25, 4.25);
  full.buckets!['1.000e+00...1.136e+00'] = 2;
  // Nothing but a live counter: min and max still infinite.
  const empty = newAccumulator({ __name__: 'x', job: 'b' }, { values: false, buckets: false });
  empty.alive = true;
  return [full, empty];
}

/** Every number of every accumulator the same double (Object.is: -0 and NaN included). */
function expectSameNumbers(got: PartialRecord, want: PartialRecord): void {
  expect(got.rules.length).toBe(want.rules.length);
  want.rules.forEach((p, i) => {
    expect(Object.is(got.rules[i]!.closedThrough, p.closedThrough)).toBe(true);
    p.windows.forEach((w, j) => {
      w.accumulators.forEach((a, k) => {
        const b = got.rules[i]!.windows[j]!.accumulators[k]!;
        for (const f of NUMBERS) expect([f, Object.is(b[f], a[f])]).toEqual([f, true]);
        expect(b.values?.map((v) => Object.is(v, 0) ? 'zero' : Object.is(v, -0) ? 'negative zero' : v)).toEqual(a.values?.map((v) => Object.is(v, 0) ? 'zero' : Object.is(v, -0) ? 'negative zero' : v));
      });
    });
  });
}

describe('partial records', () => {
  it('carry each window\'s accumulators with their labels, numbers, values and buckets, infinities included', () => {
    const [full, empty] = fullAndEmpty();
    const record = { partition: 3, rules: [{ rule: '{"match":"x"}', closedThrough: 120_000, windows: [{ end: 60_000, accumulators: [full] }, { end: 120_000, accumulators: [empty] }] }] };
    const bytes = encodePartialRecord(record);
    expect(bytes[0]).toBe(BINARY_VERSION);
    expect(decodePartialRecord(bytes)).toEqual(record);
  });

  it('carry every double exactly: negative zero, NaN, fractions and integers beyond 2^53 where counts and timestamps usually are', () => {
    const a = newAccumulator({ __name__: 'x', job: 'ü€' }, { values: true, buckets: false });
    Object.assign(a, {
      samples: 2.5, hSamples: -1, sum: -0, min: Number.NaN, max: 2 ** 53 + 2, lastTs: 1_733_400_000_123.5, lastV: -1e-300, mean: Number.MAX_VALUE,
      m2: Number.MIN_VALUE, inc: 0.1 + 0.2, rateSum: -Infinity, rateN: 2 ** 53 - 1, series: 1, alive: false,
    });
    a.values!.push(-0, 0, Number.NaN, 2 ** 60, -3);
    const record = { partition: 1, rules: [{ rule: 'r', closedThrough: -0, windows: [{ end: 60_000, accumulators: [a] }] }] };
    const got = decodePartialRecord(encodePartialRecord(record));
    expect(got.rules[0]!.windows[0]!.accumulators[0]!.labels).toEqual({ __name__: 'x', job: 'ü€' });
    expectSameNumbers(got, record);
  });

  it('carry an accumulator whose latest sample is a native histogram', () => {
    const a = newAccumulator({ __name__: 'h', job: 'a' }, { values: false, buckets: false });
    a.hSamples = 2;
    a.series = 1;
    a.lastTs = 30_000;
    a.lastH = new FloatHistogram({ counterResetHint: 'gauge', schema: 0, zeroThreshold: 1e-128, zeroCount: 1, count: 7, sum: 12.5, positiveSpans: [{ offset: 0, length: 3 }], positiveBuckets: [1, 2, 3] });
    const record = { partition: 2, rules: [{ rule: 'r', closedThrough: 60_000, windows: [{ end: 60_000, accumulators: [a, fullAndEmpty()[1]] }] }] };
    const got = decodePartialRecord(encodePartialRecord(record)).rules[0]!.windows[0]!.accumulators;
    expect(got[0]!.lastH).toBeInstanceOf(FloatHistogram);
    expect(got[0]!.lastH!.toString()).toBe(a.lastH.toString());
    expect(got[0]!.lastH!.sum).toBe(12.5);
    expect({ ...got[0]!, lastH: null }).toEqual({ ...a, lastH: null });
    expect(got[1]).toEqual(fullAndEmpty()[1]);
  });

  it('carry a partition that only moved its closed-through point on', () => {
    const record = { partition: 0, rules: [{ rule: 'r', closedThrough: Number.NEGATIVE_INFINITY, windows: [] }] };
    expect(decodePartialRecord(encodePartialRecord(record))).toEqual(record);
  });

  it('read the JSON records (version 2) stores published before the binary layout, so a rolling upgrade loses no window', () => {
    // As an earlier store wrote the first test's record.
    const v2 = '{"version":2,"partition":3,"strings":["__name__","x","job","a","b"],"rules":[{"rule":"{\\"match\\":\\"x\\"}","closedThrough":120000,"windows":[[60000,[[[0,1,2,3],3,0,6.5,1,4.25,60000,4.25,2.1,0.5,7,0.1,2,2,1,[1,1.25,4.25],{"1.000e+00...1.136e+00":2}]]],[120000,[[[0,1,2,4],0,0,0,"Infinity","-Infinity","-Infinity",0,0,0,0,0,0,0,1,null,null]]]]}]}';
    const [full, empty] = fullAndEmpty();
    const record = { partition: 3, rules: [{ rule: '{"match":"x"}', closedThrough: 120_000, windows: [{ end: 60_000, accumulators: [full] }, { end: 120_000, accumulators: [empty] }] }] };
    expect(decodePartialRecord(Buffer.from(v2))).toEqual(record);
    expect(decodePartialRecord(Buffer.from(v2))).toEqual(decodePartialRecord(encodePartialRecord(record)));
  });

  it('refuse what is no partial record, a cut one, and one with bytes after its end', () => {
    expect(() => decodePartialRecord(Buffer.from('{"version":1}'))).toThrow(PartialRecordError);
    expect(() => decodePartialRecord(Buffer.from('{not json'))).toThrow(/not valid JSON/);
    expect(() => decodePartialRecord(Buffer.from('not json'))).toThrow(/starts with byte 110/);
    expect(() => decodePartialRecord(Buffer.alloc(0))).toThrow(PartialRecordError);
    const [full, empty] = fullAndEmpty();
    const bytes = encodePartialRecord({ partition: 3, rules: [{ rule: 'r', closedThrough: 120_000, windows: [{ end: 60_000, accumulators: [full, empty] }] }] });
    for (let cut = 1; cut < bytes.length; cut++) expect(() => decodePartialRecord(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(PartialRecordError);
    expect(() => decodePartialRecord(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(/1 bytes after its last rule/);
  });
});
