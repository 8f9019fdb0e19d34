import { describe, expect, it } from 'vitest';
import { decodePartialRecord, encodePartialRecord, PartialRecordError } from './partial-record.js';
import { newAccumulator } from './window-accumulator.js';

describe('partial records', () => {
  it('carry each window\'s accumulators with their labels, numbers, values and buckets, infinities included', () => {
    const full = newAccumulator({ __name__: 'x', job: 'a' }, { values: true, buckets: true });
    Object.assign(full, { samples: 3, sum: 6.5, min: 1, max: 4.25, lastTs: 60_000, lastV: 4.25, mean: 2.1, m2: 0.5, inc: 7, rateSum: 0.1, rateN: 2, series: 2, alive: true });
    full.values!.push(1, 1.25, 4.25);
    full.buckets!['1.000e+00...1.136e+00'] = 2;
    // Nothing but a live counter: min and max still infinite.
    const empty = newAccumulator({ __name__: 'x', job: 'b' }, { values: false, buckets: false });
    empty.alive = true;
    const record = { partition: 3, rules: [{ rule: '{"match":"x"}', closedThrough: 120_000, windows: [{ end: 60_000, accumulators: [full] }, { end: 120_000, accumulators: [empty] }] }] };
    expect(decodePartialRecord(encodePartialRecord(record))).toEqual(record);
  });

  it('carry a partition that only moved its closed-through point on, and refuse what is no partial record', () => {
    const record = { partition: 0, rules: [{ rule: 'r', closedThrough: Number.NEGATIVE_INFINITY, windows: [] }] };
    expect(decodePartialRecord(encodePartialRecord(record))).toEqual(record);
    expect(() => decodePartialRecord(Buffer.from('{"version":1}'))).toThrow(PartialRecordError);
    expect(() => decodePartialRecord(Buffer.from('not json'))).toThrow(/not valid JSON/);
  });
});
