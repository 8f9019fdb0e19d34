import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordDecodeError } from './errors.js';
import { LabelSectionMemo } from './label-section-memo.js';
import { FloatHistogram } from './native-histogram/index.js';
import type { SampleBatch, SeriesSamples } from './sample.js';
import { decodeSampleBatch, encodeSampleBatch, encodeSampleBatchV2 } from './sample-batch-codec.js';

const up = { __name__: 'up', instance: 'a:9100', job: 'node' };
const load = { __name__: 'node_load1', instance: 'a:9100', job: 'node' };

/** The scrape at `t` of the same two series, in the same order (what a scrape loop produces). */
function scrape(t: number, v: number): SampleBatch {
  return {
    series: [
      { labels: up, timestamps: [t], values: [1], stale: [] },
      { labels: load, timestamps: [t, t + 1], values: [v, Number.NaN], stale: [1] },
    ],
  };
}

/** A decoded batch's series without the labels objects' identity (plain data). */
const plain = (series: readonly SeriesSamples[]): unknown => JSON.parse(JSON.stringify(series));

describe('label section memo', () => {
  it('gives a record repeating a label section the labels objects decoded before, and the same samples as a full decode', () => {
    const memo = new LabelSectionMemo();
    const first = decodeSampleBatch(encodeSampleBatch(scrape(1000, 0.5), 'a'), memo);
    const second = decodeSampleBatch(encodeSampleBatch(scrape(2000, 0.75), 'a'), memo);
    const third = decodeSampleBatch(encodeSampleBatch(scrape(3000, 1.25), 'b'), memo);
    // Kept from the second sighting on: the first record has no section, the others share one.
    expect(first.labelSection).toBeUndefined();
    expect(second.labelSection).toBeDefined();
    expect(third.labelSection).toBe(second.labelSection);
    expect(third.series[1].labels).toBe(second.series[1].labels);
    const full = decodeSampleBatch(encodeSampleBatch(scrape(3000, 1.25), 'b'));
    expect(plain(third.series)).toEqual(plain(full.series));
    expect(third.series[1].values[1]).toBeNaN();
    expect(third.source).toBe('b');
  });

  it('reads native histograms of a record whose label section it remembers', () => {
    const memo = new LabelSectionMemo();
    const h = new FloatHistogram({ schema: 0, count: 3, sum: 2, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [3] });
    const rec = (t: number): Buffer =>
      encodeSampleBatch({ series: [{ labels: up, timestamps: [t], values: [1], stale: [], histograms: { timestamps: [t], histograms: [h] } }] });
    decodeSampleBatch(rec(1000), memo);
    decodeSampleBatch(rec(2000), memo);
    const got = decodeSampleBatch(rec(3000), memo);
    expect(got.labelSection).toBeDefined();
    expect(got.series[0].histograms?.timestamps).toEqual([3000]);
    expect((got.series[0].histograms?.histograms[0] as FloatHistogram).equals(h)).toBe(true);
  });

  it('does not take the labels of another series list whose section differs, even in one label value', () => {
    const memo = new LabelSectionMemo();
    const other = (t: number): SampleBatch => ({ series: [{ labels: { ...up, instance: 'b:9100' }, timestamps: [t], values: [1], stale: [] }] });
    for (const t of [1000, 2000]) decodeSampleBatch(encodeSampleBatch(scrape(t, 1)), memo);
    const got = decodeSampleBatch(encodeSampleBatch(other(3000)), memo);
    expect(got.series.map((s) => s.labels)).toEqual([{ ...up, instance: 'b:9100' }]);
  });

  it('decodes records of older writers in full, without a section', () => {
    const memo = new LabelSectionMemo();
    for (const t of [1000, 2000, 3000]) {
      const got = decodeSampleBatch(encodeSampleBatchV2(scrape(t, 1), 'old'), memo);
      expect(got.labelSection).toBeUndefined();
      expect(got.series[1].labels).toEqual(load);
    }
  });

  it('starts over once the series it keeps would pass its budget', () => {
    const memo = new LabelSectionMemo(3);
    for (const t of [1000, 2000]) decodeSampleBatch(encodeSampleBatch(scrape(t, 1)), memo);
    const kept = decodeSampleBatch(encodeSampleBatch(scrape(3000, 1)), memo).labelSection;
    expect(kept).toBeDefined();
    const lone = (t: number): SampleBatch => ({ series: [{ labels: { __name__: 'lone' }, timestamps: [t], values: [1], stale: [] }, { labels: { __name__: 'pair' }, timestamps: [t], values: [1], stale: [] }] });
    decodeSampleBatch(encodeSampleBatch(lone(1000)), memo);
    // Two more series would make four of three: everything is forgotten, this one noted again.
    expect(decodeSampleBatch(encodeSampleBatch(lone(2000)), memo).labelSection).toBeUndefined();
    expect(decodeSampleBatch(encodeSampleBatch(scrape(4000, 1)), memo).labelSection).toBeUndefined();
  });

  it('never throws anything but a decode error on a corrupted or truncated record after a remembered section', () => {
    const memo = new LabelSectionMemo();
    for (const t of [1000, 2000]) decodeSampleBatch(encodeSampleBatch(scrape(t, 1), 'src'), memo);
    const good = encodeSampleBatch(scrape(3000, 2), 'src');
    expect(decodeSampleBatch(good, memo).labelSection).toBeDefined();
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(good.length), (pos, byte, cut) => {
        const bad = Buffer.from(good);
        bad[pos] = byte;
        for (const candidate of [bad, bad.subarray(0, cut)]) {
          try {
            decodeSampleBatch(candidate, memo);
          } catch (err) {
            expect(err).toBeInstanceOf(RecordDecodeError);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
