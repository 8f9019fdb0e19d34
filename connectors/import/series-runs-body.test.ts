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

  it('grows its buffer past the size it was told to expect, runs longer than the one before included', () => {
    const w = new SeriesRunsWriter(16);
    const expected: [Record<string, string>, number[], number[], number][] = [];
    for (let r = 1; r <= 40; r++) {
      const ts = Array.from({ length: r * 10 }, (_, i) => 1_700_000_000_000 + i * 15_000);
      const vs = ts.map((_, i) => i / 3);
      w.add({ labels: { __name__: 'm', run: String(r) }, timestamps: ts, values: vs });
      expected.push([{ __name__: 'm', run: String(r) }, ts, vs, r]);
    }
    expect(read(w.body()).series).toEqual(expected);
  });

  it('hands over the columns of each run, whatever the length of the runs before and after it', () => {
    const w = new SeriesRunsWriter(16);
    const expected: [Record<string, string>, number[], number[], number][] = [];
    [3, 2000, 1, 700, 5].forEach((n, r) => {
      const ts = Array.from({ length: n }, (_, i) => 1_700_000_000_000 + (r + 1) * i * 1_000);
      const vs = ts.map((_, i) => r * 1e6 + i);
      w.add({ labels: { __name__: 'm', run: String(r) }, timestamps: ts, values: vs });
      expected.push([{ __name__: 'm', run: String(r) }, ts, vs, r + 1]);
    });
    expect(read(w.body()).series).toEqual(expected);
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

  it('finds a bad timestamp and staleness markers anywhere in a run, in any run of the body', () => {
    const w = new SeriesRunsWriter();
    const ts = Array.from({ length: 600 }, (_, i) => 1_700_000_000_000 + i * 15_000);
    w.add({ labels: { __name__: 'a' }, timestamps: ts, values: ts.map((_, i) => i), stale: [599] });
    w.add({ labels: { __name__: 'b' }, timestamps: ts.map((t, i) => (i === 417 ? t + 0.5 : t)), values: ts.map(() => 1) });
    w.add({ labels: { __name__: 'c' }, timestamps: ts, values: ts.map((_, i) => (i % 2 === 0 ? NaN : i)), stale: [300, 598] });
    w.add({ labels: { __name__: 'd' }, timestamps: [Number.MAX_SAFE_INTEGER + 1], values: [1] });
    const got: [string, readonly number[] | undefined][] = [];
    const bad: string[] = [];
    readSeriesRuns(w.body(), (labels, _t, _v, _line, stale) => got.push([labels.__name__, stale]), (err) => bad.push(err.message));
    expect(got).toEqual([
      ['a', [599]],
      ['c', [300, 598]],
    ]);
    expect(bad).toEqual([
      `line 2: timestamps[417]: ${ts[417] + 0.5} is not an integer number of milliseconds`,
      `line 4: timestamps[0]: ${Number.MAX_SAFE_INTEGER + 1} is not an integer number of milliseconds`,
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
