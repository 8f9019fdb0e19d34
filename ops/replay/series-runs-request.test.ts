import { describe, expect, it } from 'vitest';
import { readSeriesRuns } from '../../connectors/import/series-runs-body.js';
import { encodeSeriesRuns } from './series-runs-request.js';

function read(body: Buffer) {
  const runs: { labels: Record<string, string>; timestamps: number[]; values: number[]; stale: readonly number[] | undefined }[] = [];
  readSeriesRuns(body, (labels, ts, vs, _line, stale) => runs.push({ labels, timestamps: Array.from(ts), values: Array.from(vs), stale }), (err) => {
    throw err;
  });
  return runs;
}

describe('encodeSeriesRuns', () => {
  it('groups samples into one run per label set in time order, and the import endpoint reads back values and staleness markers', () => {
    const sum = { __name__: 'job:up:sum', job: 'api' };
    const body = encodeSeriesRuns([
      { labels: sum, t: 120_000, value: 3, stale: false },
      { labels: { job: 'api', __name__: 'job:up:sum' }, t: 60_000, value: 2.5, stale: false },
      { labels: { __name__: 'ALERTS', alertname: 'Hot', alertstate: 'firing' }, t: 60_000, value: 1, stale: false },
      { labels: sum, t: 180_000, value: Number.NaN, stale: true },
      { labels: sum, t: 240_000, value: Number.NaN, stale: false },
      { labels: { __name__: 'big_ts', l: 'é' }, t: 4_102_444_800_000, value: -1e300, stale: false },
    ]);
    expect(read(body!)).toEqual([
      { labels: sum, timestamps: [60_000, 120_000, 180_000, 240_000], values: [2.5, 3, NaN, NaN], stale: [2] },
      { labels: { __name__: 'ALERTS', alertname: 'Hot', alertstate: 'firing' }, timestamps: [60_000], values: [1], stale: undefined },
      { labels: { __name__: 'big_ts', l: 'é' }, timestamps: [4_102_444_800_000], values: [-1e300], stale: undefined },
    ]);
  });

  it('keeps each run to the samples of its own body when the same label object is written again', () => {
    const labels = { __name__: 'r' };
    encodeSeriesRuns([{ labels, t: 1, value: 1, stale: false }]);
    expect(read(encodeSeriesRuns([{ labels, t: 2, value: 2, stale: true }])!)).toEqual([{ labels, timestamps: [2], values: [NaN], stale: [0] }]);
  });

  it('leaves samples whose labels a series run cannot carry (a UTF-8 label name) to remote_write', () => {
    expect(encodeSeriesRuns([{ labels: { __name__: 'r', 'k8s.pod': 'a' }, t: 1, value: 1, stale: false }])).toBeUndefined();
  });
});
