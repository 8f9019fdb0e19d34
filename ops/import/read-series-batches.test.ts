import { describe, expect, it } from 'vitest';
import { readSeriesRuns } from '../../connectors/import/series-runs-body.js';
import { jsonLinesBatch, ReadSeriesBatcher, type ReadSeriesBatch } from './read-series-batches.js';
import type { ReadSeries } from './remote-read-response.js';
import { vmJsonLine } from './remote-read-source.js';

const series = (name: string, n: number, extra: Record<string, string> = {}): ReadSeries => ({
  labels: { __name__: name, ...extra },
  timestamps: Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 1000),
  values: Array.from({ length: n }, (_, i) => (i === 1 ? NaN : i * 0.5)),
});

/** What the server reads from a batch's body: each run's labels and samples, numbered. */
function runsOf(batch: ReadSeriesBatch): { run: number; labels: Record<string, string>; timestamps: number[]; values: number[] }[] {
  const out: { run: number; labels: Record<string, string>; timestamps: number[]; values: number[] }[] = [];
  readSeriesRuns(batch.body, (labels, timestamps, values, run) => out.push({ run, labels, timestamps: Array.from(timestamps), values: Array.from(values) }), (err) => {
    throw err;
  });
  return out;
}

describe('ReadSeriesBatcher', () => {
  it('cuts series into series-runs bodies at the series bound, numbering series from 1 across batches', () => {
    const batcher = new ReadSeriesBatcher(1 << 20, 2);
    const all = [series('a', 3), series('b', 2, { job: 'x' }), series('c', 1)];
    expect(batcher.add(all[0])).toBeUndefined();
    const first = batcher.add(all[1])!;
    expect(batcher.add(all[2])).toBeUndefined();
    const second = batcher.flush()!;
    expect(batcher.flush()).toBeUndefined();
    expect([first.firstLine, first.lines, second.firstLine, second.lines]).toEqual([1, 2, 3, 1]);
    expect(runsOf(first)).toEqual([
      { run: 1, labels: all[0].labels, timestamps: all[0].timestamps, values: all[0].values },
      { run: 2, labels: all[1].labels, timestamps: all[1].timestamps, values: all[1].values },
    ]);
    expect(runsOf(second).map((r) => r.labels)).toEqual([all[2].labels]);
    // A bad run is reported by its number in the body: the unit's series it is.
    expect(second.lineOf(1)).toBe(3);
  });

  it('cuts at about the byte bound, 16 bytes a sample', () => {
    const batcher = new ReadSeriesBatcher(4000, 1000);
    expect(batcher.add(series('a', 100))).toBeUndefined();
    const batch = batcher.add(series('b', 200));
    expect(batch?.lines).toBe(2);
  });

  it('numbers on after the series a resumed run passes over', () => {
    const batcher = new ReadSeriesBatcher(1 << 20, 10);
    batcher.skip();
    batcher.skip();
    batcher.add(series('c', 1));
    const batch = batcher.flush()!;
    expect([batch.firstLine, batch.lines, batch.lineOf(1)]).toEqual([3, 1, 3]);
  });

  it('leaves empty label values out, and sends a batch with a series without a name as JSON lines', () => {
    const batcher = new ReadSeriesBatcher(1 << 20, 10);
    batcher.add(series('a', 2, { empty: '' }));
    const named = batcher.flush()!;
    expect(named.linesOnly).toBe(false);
    expect(runsOf(named)[0].labels).toEqual({ __name__: 'a' });
    batcher.add(series('b', 1));
    batcher.add({ labels: { job: 'x' }, timestamps: [1], values: [2] });
    expect(batcher.flush()!.linesOnly).toBe(true);
  });
});

describe('jsonLinesBatch', () => {
  it('writes the batch\'s series as JSON lines, numbered as the runs are', () => {
    const batcher = new ReadSeriesBatcher(1 << 20, 10);
    batcher.skip();
    const all = [series('a', 2), series('b', 3)];
    for (const s of all) batcher.add(s);
    const lines = jsonLinesBatch(batcher.flush()!);
    expect(lines.body).toBe(all.map(vmJsonLine).join('\n') + '\n');
    expect(lines.bytes.toString('utf8')).toBe(lines.body);
    expect([lines.firstLine, lines.lines, lines.carried]).toEqual([2, 2, 0]);
  });
});
