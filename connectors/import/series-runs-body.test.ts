import { describe, expect, it } from 'vitest';
import type { ImportLineError } from './errors.js';
import { readSeriesRuns, SeriesRunsBodyError, SeriesRunsWriter } from './series-runs-body.js';

function read(body: Buffer) {
  const series: [Record<string, string>, number[], number[], number][] = [];
  const bad: string[] = [];
  const runs = readSeriesRuns(body, (labels, ts, vs, line) => series.push([labels, Array.from(ts), Array.from(vs), line]), (err: ImportLineError) => bad.push(err.message));
  return { runs, series, bad };
}

describe('series-runs body', () => {
  it('reads back the runs written, numbers and non-finite values exactly', () => {
    const w = new SeriesRunsWriter();
    w.add({ labels: { __name__: 'up', job: 'a' }, timestamps: [1_700_000_000_000, 1_700_000_015_000], values: [1, 0.1 + 0.2] });
    w.add({ labels: { __name__: 'temp', room: 'k\u00fc"che' }, timestamps: [-5], values: [NaN] });
    w.add({ labels: { __name__: 'inf' }, timestamps: [1, 2], values: [Infinity, -Infinity] });
    expect(w.runs).toBe(3);
    const { runs, series, bad } = read(w.body());
    expect(runs).toBe(3);
    expect(bad).toEqual([]);
    expect(series).toEqual([
      [{ __name__: 'up', job: 'a' }, [1_700_000_000_000, 1_700_000_015_000], [1, 0.1 + 0.2], 1],
      [{ __name__: 'temp', room: 'k\u00fc"che' }, [-5], [NaN], 2],
      [{ __name__: 'inf' }, [1, 2], [Infinity, -Infinity], 3],
    ]);
  });

  it('carries staleness markers as the marker bits, and tells them from NaN samples', () => {
    const w = new SeriesRunsWriter();
    w.add({ labels: { __name__: 'job:up:sum' }, timestamps: [1, 2, 3, 4], values: [1, NaN, Number.NaN, 2], stale: [2, 3] });
    w.add({ labels: { __name__: 'nan' }, timestamps: [1], values: [NaN] });
    const body = w.body();
    // The values of the first run start after the magic, its 8-byte head, its labels and its 4 timestamps.
    const values = 5 + 8 + Buffer.byteLength('{"__name__":"job:up:sum"}') + 4 * 8;
    expect(body.readBigUInt64LE(values + 16)).toBe(0x7ff0000000000002n);
    expect(body.readBigUInt64LE(values + 24)).toBe(0x7ff0000000000002n);
    expect(body.readBigUInt64LE(values + 8)).not.toBe(0x7ff0000000000002n);
    const stale: (readonly number[] | undefined)[] = [];
    readSeriesRuns(body, (_l, _t, _v, _line, s) => stale.push(s), (err) => {
      throw err;
    });
    expect(stale).toEqual([[2, 3], undefined]);
  });

  it('reports a bad run by its number and hands over the good ones around it', () => {
    const w = new SeriesRunsWriter();
    w.add({ labels: { __name__: 'a' }, timestamps: [1], values: [1] });
    w.add({ labels: { __name__: 'b', '0bad': 'x' }, timestamps: [1], values: [1] });
    w.add({ labels: { __name__: 'c', empty: '' }, timestamps: [1], values: [1] });
    w.add({ labels: { job: 'no-name' }, timestamps: [1], values: [1] });
    w.add({ labels: { __name__: 'd' }, timestamps: [1.5], values: [1] });
    w.add({ labels: { __name__: 'e' }, timestamps: [2], values: [2] });
    const { series, bad } = read(w.body());
    expect(series.map((s) => s[0].__name__)).toEqual(['a', 'e']);
    expect(bad).toEqual([
      'line 2: invalid label name "0bad"',
      'line 3: label "empty" must have a non-empty string value',
      'line 4: labels have no "__name__"',
      'line 5: timestamps[0]: 1.5 is not an integer number of milliseconds',
    ]);
  });

  it('refuses a body that is not one, or ends inside a run, as a whole', () => {
    expect(() => read(Buffer.from('{"metric":{}}'))).toThrow(SeriesRunsBodyError);
    const w = new SeriesRunsWriter();
    w.add({ labels: { __name__: 'a' }, timestamps: [1, 2], values: [1, 2] });
    const body = w.body();
    expect(() => read(body.subarray(0, body.length - 1))).toThrow(/run 1: the body ends before its 2 samples/);
  });
});
