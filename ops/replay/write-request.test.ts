import { snappyBlockUncompress } from '../../schemas/snappy-block.js';
import { describe, expect, it } from 'vitest';
import { WriteRequestReader } from '../../connectors/remote-write/index.js';
import { encodeWriteRequest } from './write-request.js';

describe('encodeWriteRequest', () => {
  it('groups samples by series in time order, and the remote_write receiver decodes labels, values and staleness markers', () => {
    const body = encodeWriteRequest([
      { labels: { __name__: 'job:up:sum', job: 'api' }, t: 120_000, value: 3, stale: false },
      { labels: { job: 'api', __name__: 'job:up:sum' }, t: 60_000, value: 2.5, stale: false },
      { labels: { __name__: 'ALERTS', alertname: 'Hot', alertstate: 'firing' }, t: 60_000, value: 1, stale: false },
      { labels: { __name__: 'job:up:sum', job: 'api' }, t: 180_000, value: Number.NaN, stale: true },
      { labels: { __name__: 'big_ts', l: 'é' }, t: 4_102_444_800_000, value: -1e300, stale: false },
    ]);
    const decoded = new WriteRequestReader().read(snappyBlockUncompress(body));
    expect(decoded.samples).toBe(5);
    const byName = new Map(decoded.allSeries().map((s) => [s.labels['__name__'], s]));
    const sum = byName.get('job:up:sum')!;
    expect(sum.labels).toEqual({ __name__: 'job:up:sum', job: 'api' });
    expect(sum.timestamps).toEqual([60_000, 120_000, 180_000]);
    expect(sum.values.slice(0, 2)).toEqual([2.5, 3]);
    expect(sum.stale).toEqual([2]);
    expect(byName.get('ALERTS')!.labels).toEqual({ __name__: 'ALERTS', alertname: 'Hot', alertstate: 'firing' });
    const big = byName.get('big_ts')!;
    expect(big.labels['l']).toBe('é');
    expect(big.timestamps).toEqual([4_102_444_800_000]);
    expect(big.values).toEqual([-1e300]);
  });
});
