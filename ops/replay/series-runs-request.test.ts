import { describe, expect, it } from 'vitest';
import { readSeriesRuns } from '../../connectors/import/series-runs-body.js';
import { seriesRunsBodies } from './series-runs-request.js';
import type { WriteSample } from './write-request.js';

function read(body: Buffer) {
  const runs: { labels: Record<string, string>; timestamps: number[]; values: number[]; stale: readonly number[] | undefined }[] = [];
  readSeriesRuns(body, (labels, ts, vs, _line, stale) => runs.push({ labels, timestamps: Array.from(ts), values: Array.from(vs), stale }), (err) => {
    throw err;
  });
  return runs;
}

/** The one body of a write small enough for one. */
function oneBody(samples: readonly WriteSample[]) {
  const { bodies, unfit } = seriesRunsBodies(samples, 10_000);
  expect(unfit).toEqual([]);
  expect(bodies).toHaveLength(1);
  return read(bodies[0]!.body);
}

describe('seriesRunsBodies', () => {
  it('groups samples into one run per label set in time order, and the import endpoint reads back values and staleness markers', () => {
    const sum = { __name__: 'job:up:sum', job: 'api' };
    expect(oneBody([
      { labels: sum, t: 120_000, value: 3, stale: false },
      { labels: { job: 'api', __name__: 'job:up:sum' }, t: 60_000, value: 2.5, stale: false },
      { labels: { __name__: 'ALERTS', alertname: 'Hot', alertstate: 'firing' }, t: 60_000, value: 1, stale: false },
      { labels: sum, t: 180_000, value: Number.NaN, stale: true },
      { labels: sum, t: 240_000, value: Number.NaN, stale: false },
      { labels: { __name__: 'big_ts', l: 'é' }, t: 4_102_444_800_000, value: -1e300, stale: false },
    ])).toEqual([
      { labels: sum, timestamps: [60_000, 120_000, 180_000, 240_000], values: [2.5, 3, NaN, NaN], stale: [2] },
      { labels: { __name__: 'ALERTS', alertname: 'Hot', alertstate: 'firing' }, timestamps: [60_000], values: [1], stale: undefined },
      { labels: { __name__: 'big_ts', l: 'é' }, timestamps: [4_102_444_800_000], values: [-1e300], stale: undefined },
    ]);
  });

  it('keeps each run to the samples of its own write when the same label object is written again', () => {
    const labels = { __name__: 'r' };
    oneBody([{ labels, t: 1, value: 1, stale: false }]);
    expect(oneBody([{ labels, t: 2, value: 2, stale: true }])).toEqual([{ labels, timestamps: [2], values: [NaN], stale: [0] }]);
  });

  it('makes one run per series of samples written instant by instant, and fills each body to the limit, a run that does not fit going on in the next', () => {
    const a = { __name__: 'r', i: 'a' };
    const b = { __name__: 'r', i: 'b' };
    const samples: WriteSample[] = [];
    for (let t = 1; t <= 4; t++) {
      samples.push({ labels: a, t, value: t, stale: false });
      samples.push({ labels: b, t, value: -t, stale: t === 3 });
    }
    const { bodies, unfit } = seriesRunsBodies(samples, 3);
    expect(unfit).toEqual([]);
    expect(bodies.map((x) => read(x.body))).toEqual([
      [{ labels: a, timestamps: [1, 2, 3], values: [1, 2, 3], stale: undefined }],
      [{ labels: a, timestamps: [4], values: [4], stale: undefined }, { labels: b, timestamps: [1, 2], values: [-1, -2], stale: undefined }],
      [{ labels: b, timestamps: [3, 4], values: [NaN, -4], stale: [0] }],
    ]);
    // Each body's samples, for remote_write should the server refuse series runs: every sample once.
    expect(bodies.map((x) => x.samples.map((s) => `${s.labels['i']}${s.t}`))).toEqual([['a1', 'a2', 'a3'], ['a4', 'b1', 'b2'], ['b3', 'b4']]);
  });

  it('leaves samples whose labels a series run cannot carry (a UTF-8 label name, an empty value) to remote_write, and the others in bodies', () => {
    const dotted = { labels: { __name__: 'r', 'k8s.pod': 'a' }, t: 1, value: 1, stale: false };
    const empty = { labels: { __name__: 'r', pod: '' }, t: 1, value: 2, stale: false };
    const plain = { labels: { __name__: 'r', pod: 'b' }, t: 1, value: 3, stale: false };
    const { bodies, unfit } = seriesRunsBodies([dotted, plain, empty], 10_000);
    expect(unfit).toEqual([dotted, empty]);
    expect(bodies.map((x) => read(x.body))).toEqual([[{ labels: plain.labels, timestamps: [1], values: [3], stale: undefined }]]);
  });
});
