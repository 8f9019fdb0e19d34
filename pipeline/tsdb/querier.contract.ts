import { describe, expect, it } from 'vitest';
import type { Labels } from '../../schemas/labels.js';
import type { LabelMatcher, Queryable, Series } from './querier.js';

/** One series of contract data: samples every 15 s; `stale` lists indices that are markers. */
export interface ContractSeries {
  readonly labels: Labels;
  readonly timestamps: number[];
  readonly values: number[];
  readonly stale: number[];
}

function series(labels: Labels, from: number, n: number, value: (i: number) => number, stale: number[] = []): ContractSeries {
  const timestamps = Array.from({ length: n }, (_, i) => from + i * 15_000);
  return { labels, timestamps, values: timestamps.map((_, i) => value(i)), stale };
}

const H = 3600_000;
/** Spans more than one 2 h block range so block-backed implementations hold several blocks. */
export const CONTRACT_DATA: readonly ContractSeries[] = [
  series({ __name__: 'up', job: 'node', instance: 'a:9100' }, 0, 1000, () => 1),
  series({ __name__: 'up', job: 'node', instance: 'b:9100' }, 0, 1000, (i) => (i % 2), [500]),
  series({ __name__: 'up', job: 'api', instance: 'c:80' }, H, 200, () => 1),
  series({ __name__: 'node_cpu_seconds_total', job: 'node', instance: 'a:9100', cpu: '0', mode: 'idle' }, 0, 1000, (i) => i * 14.73),
  series({ __name__: 'node_cpu_seconds_total', job: 'node', instance: 'a:9100', cpu: '1', mode: 'idle' }, 0, 1000, (i) => i * 14.91 + 0.01),
  series({ __name__: 'weird', job: 'x', value_kind: 'special' }, 0, 6, (i) => [NaN, Infinity, -Infinity, -0, 1e308, 5e-324][i]),
];

const mt = (name: string, type: LabelMatcher['type'], value: string): LabelMatcher => ({ name, type, value });

function expectSeriesEqual(got: Series, want: ContractSeries, mint: number, maxt: number): void {
  expect(got.labels).toEqual(want.labels);
  const idx = want.timestamps.map((t, i) => [t, i] as const).filter(([t]) => t >= mint && t <= maxt);
  expect(Array.from(got.timestamps)).toEqual(idx.map(([t]) => t));
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k][1];
    const isStale = want.stale.includes(i);
    expect(got.stale !== null && got.stale[k] === 1).toBe(isStale);
    if (!isStale) expect(Object.is(got.values[k], want.values[i])).toBe(true);
  }
}

/**
 * The Querier contract every TSDB querier implementation must pass (head, block, merged).
 * `open` receives the contract data and returns a Queryable holding exactly that data.
 */
export function querierContract(name: string, open: (data: readonly ContractSeries[]) => Promise<{ queryable: Queryable; close(): Promise<void> }>): void {
  describe(`Querier contract: ${name}`, () => {
    async function withQuerier<T>(mint: number, maxt: number, fn: (q: ReturnType<Queryable['querier']>) => Promise<T>): Promise<T> {
      const db = await open(CONTRACT_DATA);
      const q = db.queryable.querier(mint, maxt);
      try {
        return await fn(q);
      } finally {
        await q.close();
        await db.close();
      }
    }

    it('selects series by equality and returns every sample in range in order', async () => {
      await withQuerier(-Infinity, Infinity, async (q) => {
        const set = await q.select([mt('__name__', '=', 'node_cpu_seconds_total')], { start: 0, end: 1e15 });
        expect(set.series.length).toBe(2);
        expectSeriesEqual(set.series[0], CONTRACT_DATA[3], 0, 1e15);
        expectSeriesEqual(set.series[1], CONTRACT_DATA[4], 0, 1e15);
      });
    });

    it('returns series sorted by their canonical labels', async () => {
      await withQuerier(-Infinity, Infinity, async (q) => {
        const set = await q.select([mt('__name__', '=', 'up')], { start: 0, end: 1e15 });
        expect(set.series.map((s) => s.labels.instance)).toEqual(['a:9100', 'b:9100', 'c:80']);
      });
    });

    it('clips samples to the hinted range, inclusive at both ends', async () => {
      await withQuerier(-Infinity, Infinity, async (q) => {
        const set = await q.select([mt('instance', '=', 'a:9100'), mt('__name__', '=', 'up')], { start: 30_000, end: 9_000_000 });
        expect(set.series.length).toBe(1);
        expectSeriesEqual(set.series[0], CONTRACT_DATA[0], 30_000, 9_000_000);
      });
    });

    it('clips to the querier range too and omits series without samples in range', async () => {
      await withQuerier(0, 30 * 60_000, async (q) => {
        const set = await q.select([mt('__name__', '=', 'up')], { start: -1e15, end: 1e15 });
        expect(set.series.map((s) => s.labels.instance)).toEqual(['a:9100', 'b:9100']);
        expectSeriesEqual(set.series[0], CONTRACT_DATA[0], 0, 30 * 60_000);
      });
    });

    it('keeps staleness markers apart from NaN and other special values', async () => {
      await withQuerier(-Infinity, Infinity, async (q) => {
        const stale = await q.select([mt('instance', '=', 'b:9100'), mt('__name__', '=', 'up')], { start: 0, end: 1e15 });
        expectSeriesEqual(stale.series[0], CONTRACT_DATA[1], 0, 1e15);
        const weird = await q.select([mt('__name__', '=', 'weird')], { start: 0, end: 1e15 });
        expectSeriesEqual(weird.series[0], CONTRACT_DATA[5], 0, 1e15);
        expect(weird.series[0].stale).toBeNull();
      });
    });

    it('answers != , =~ and !~ with Prometheus empty-label semantics', async () => {
      await withQuerier(-Infinity, Infinity, async (q) => {
        const names = async (ms: LabelMatcher[]) =>
          (await q.select(ms, { start: 0, end: 1e15, labelsOnly: true })).series.map((s) => `${s.labels.__name__}/${s.labels.instance ?? ''}/${s.labels.cpu ?? ''}`);
        expect(await names([mt('job', '!=', 'node')])).toEqual(['up/c:80/', 'weird//']);
        expect(await names([mt('__name__', '=~', 'node_.*'), mt('cpu', '!~', '0')])).toEqual(['node_cpu_seconds_total/a:9100/1']);
        expect(await names([mt('__name__', '=~', 'up|weird'), mt('cpu', '=', '')])).toEqual(['up/a:9100/', 'up/b:9100/', 'up/c:80/', 'weird//']);
        expect(await names([mt('instance', '=~', '.+:9100'), mt('cpu', '!=', '')])).toEqual(['node_cpu_seconds_total/a:9100/0', 'node_cpu_seconds_total/a:9100/1']);
        expect(await names([mt('job', '=', 'nope')])).toEqual([]);
      });
    });

    it('returns labels only with empty sample columns when asked', async () => {
      await withQuerier(-Infinity, Infinity, async (q) => {
        const set = await q.select([mt('job', '=', 'api')], { start: 0, end: 1e15, labelsOnly: true });
        expect(set.series.length).toBe(1);
        expect(set.series[0].labels).toEqual(CONTRACT_DATA[2].labels);
        expect(set.series[0].timestamps.length).toBe(0);
      });
    });

    it('lists label names and values, optionally restricted by matchers', async () => {
      await withQuerier(-Infinity, Infinity, async (q) => {
        expect(await q.labelNames([])).toEqual(['__name__', 'cpu', 'instance', 'job', 'mode', 'value_kind']);
        expect(await q.labelNames([mt('__name__', '=', 'up')])).toEqual(['__name__', 'instance', 'job']);
        expect(await q.labelValues('instance', [])).toEqual(['a:9100', 'b:9100', 'c:80']);
        expect(await q.labelValues('instance', [mt('job', '=', 'api')])).toEqual(['c:80']);
        expect(await q.labelValues('missing', [])).toEqual([]);
      });
    });
  });
}
