import { describe, expect, it } from 'vitest';
import { decodeSampleBatch, sampleBatchWriter } from '../../schemas/sample-batch-codec.js';
import { FloatHistogram } from '../../schemas/native-histogram/index.js';
import { seriesSymbolsOf } from '../../schemas/sample-batch-writer.js';
import { PartitionColumns } from './partition-columns.js';

/** Every series the columns encode to, with its sample count, in record order. */
function encoded(cols: PartitionColumns): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  cols.encode(sampleBatchWriter, 5_000, 'test', (record) => {
    for (const s of decodeSampleBatch(record).series) out.push([s.labels.__name__!, s.timestamps.length]);
  });
  cols.reset();
  return out;
}

describe('partition columns', () => {
  it('keep taking samples in later units of work after regrouping a small interleaved one', () => {
    const cols = new PartitionColumns();
    const a = seriesSymbolsOf({ __name__: 'a' });
    const b = seriesSymbolsOf({ __name__: 'b' });
    // A big unit grows the columns.
    let sa = cols.addSeries(a);
    for (let i = 0; i < 1_000; i++) cols.append(sa, i, i, false);
    expect(encoded(cols)).toEqual([['a', 1_000]]);
    // A small push that names a series twice (as a remote_write shard with few series does).
    sa = cols.addSeries(a);
    let sb = cols.addSeries(b);
    for (let i = 0; i < 10; i++) cols.append(i % 2 === 0 ? sa : sb, i, i, false);
    expect(encoded(cols)).toEqual([['a', 5], ['b', 5]]);
    // The next unit outgrows what the regroup left.
    sa = cols.addSeries(a);
    sb = cols.addSeries(b);
    for (let i = 0; i < 300; i++) cols.append(i < 150 ? sa : sb, i, i, false);
    expect(encoded(cols)).toEqual([['a', 150], ['b', 150]]);
  });

  it('encode start timestamps with their samples, through a regroup of interleaved appends too', () => {
    const cols = new PartitionColumns();
    const a = cols.addSeries(seriesSymbolsOf({ __name__: 'a' }));
    const b = cols.addSeries(seriesSymbolsOf({ __name__: 'b' }));
    cols.append(a, 1000, 1, false, 500);
    cols.append(b, 1000, 7, false);
    cols.append(a, 2000, 2, false);
    cols.append(b, 2000, 8, false, 1999);
    const got: Array<[string, number[] | undefined]> = [];
    cols.encode(sampleBatchWriter, 5_000, 'test', (record) => {
      for (const s of decodeSampleBatch(record).series) got.push([s.labels.__name__!, s.startTimestamps]);
    });
    expect(got).toEqual([['a', [500, 0]], ['b', [0, 1999]]]);
  });

  it('encode the start timestamps of histogram samples with them', () => {
    const cols = new PartitionColumns();
    const a = cols.addSeries(seriesSymbolsOf({ __name__: 'h' }));
    const h = new FloatHistogram({ schema: 0, count: 1, sum: 1, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [1] });
    cols.appendHistogram(a, 1000, h);
    cols.appendHistogram(a, 2000, h, 1500);
    const got: (number[] | undefined)[] = [];
    cols.encode(sampleBatchWriter, 5_000, 'test', (record) => {
      for (const s of decodeSampleBatch(record).series) got.push(s.histograms?.startTimestamps);
    });
    expect(got).toEqual([[0, 1500]]);
  });
});

describe('partition columns taking runs', () => {
  /** The records a unit of runs and single samples encodes to, as hex (what goes on the bus). */
  const records = (fill: (cols: PartitionColumns, a: number, b: number) => void): string[] => {
    const cols = new PartitionColumns();
    const a = cols.addSeries(seriesSymbolsOf({ __name__: 'a' }));
    const b = cols.addSeries(seriesSymbolsOf({ __name__: 'b' }));
    fill(cols, a, b);
    const out: string[] = [];
    cols.encode(sampleBatchWriter, 5_000, 'test', (record) => out.push(record.toString('hex')));
    return out;
  };
  const ts = Float64Array.from({ length: 700 }, (_, i) => 1_000 + 10_000 * i);
  const vs = Float64Array.from({ length: 700 }, (_, i) => i / 4);

  it('encode a run appended in one call as the same samples appended one by one, from typed arrays and plain ones, past the buffers\' size', () => {
    const single = records((cols, a, b) => {
      for (let i = 100; i < 700; i++) cols.append(a, ts[i], vs[i], false);
      for (let i = 0; i < 3; i++) cols.append(b, ts[i], vs[i], false);
    });
    expect(records((cols, a, b) => {
      cols.appendRun(a, ts, vs, 100, 700);
      cols.appendRun(b, Array.from(ts), Array.from(vs), 0, 3);
    })).toEqual(single);
  });

  it('encode short runs from typed arrays (copied sample by sample) as the same samples appended one by one', () => {
    const single = records((cols, a, b) => {
      for (let i = 0; i < 40; i++) cols.append(i % 2 === 0 ? a : b, ts[i], vs[i], false);
    });
    expect(records((cols, a, b) => {
      for (let i = 0; i < 40; i++) cols.appendRun(i % 2 === 0 ? a : b, ts, vs, i, i + 1);
    })).toEqual(single);
  });

  it('regroup runs of two series that interleave', () => {
    const single = records((cols, a, b) => {
      for (let i = 0; i < 50; i++) cols.append(a, ts[i], vs[i], false);
      for (let i = 0; i < 50; i++) cols.append(b, ts[i], vs[i], false);
      for (let i = 50; i < 80; i++) cols.append(a, ts[i], vs[i], false);
    });
    expect(records((cols, a, b) => {
      cols.appendRun(a, ts, vs, 0, 50);
      cols.appendRun(b, ts, vs, 0, 50);
      cols.appendRun(a, ts, vs, 50, 80);
    })).toEqual(single);
  });
});
