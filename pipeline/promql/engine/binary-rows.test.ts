import { describe, expect, it } from 'vitest';
import { parseExpr } from '../parser/parser.js';
import { walk } from '../parser/walk.js';
import type { VectorSelector } from '../parser/ast.js';
import { MemoryQueryable } from '../promqltest/memory-storage.js';
import { PromqlTooManySamplesError } from '../errors.js';
import { binaryRows } from './binary-rows.js';
import { Engine } from './engine.js';
import type { SelectedSeries } from './eval-context.js';
import { jobContext } from './eval-job.js';

/**
 * Filesystems' free and total bytes per host and mount (gaps, NaN, infinities, a zero size, a
 * staleness marker), a mount only one side has, and `dup`: two names whose labels collide once
 * the name is dropped.
 */
function dataSet(): MemoryQueryable {
  const s = new MemoryQueryable();
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let h = 0; h < 6; h++) {
    for (const mount of ['/', '/var', '/home']) {
      for (let i = 0; i < 120; i++) {
        const r = rnd();
        if (r < 0.08) continue;
        const labels = { instance: `h${h}`, mount };
        const size = h === 2 && mount === '/var' && i > 100 ? 0 : 1000 + h * 10;
        s.append({ __name__: 'fs_size', ...labels }, i * 15_000 + h * 700, size);
        const stale = h === 4 && mount === '/' && i === 50;
        const free = r < 0.1 ? NaN : r < 0.11 ? Infinity : Math.round(rnd() * size);
        if (rnd() < 0.9) s.append({ __name__: 'fs_free', ...labels }, i * 15_000 + 300, stale ? NaN : free, stale);
      }
    }
  }
  for (let i = 0; i < 120; i++) s.append({ __name__: 'fs_size', instance: 'h9', mount: '/only-size' }, i * 15_000, 5);
  for (const name of ['dup_a', 'dup_b']) for (let i = 0; i < 120; i++) s.append({ __name__: name, job: 'x' }, i * 15_000, i + (name === 'dup_a' ? 0 : 60));
  return s;
}

const FAST = [
  'fs_free / fs_size',
  '1 - max by (instance) (fs_free / fs_size)',
  'sum by (mount) ((fs_free) - fs_size offset 1m)',
  'fs_free % on (instance, mount) fs_size',
  'fs_free ^ ignoring (mount) fs_size',
  'fs_free atan2 fs_size',
  'fs_free > fs_size / 2 or fs_free',
  'fs_free * fs_size',
  'fs_free > fs_size',
  'count by (instance) (fs_free <= fs_size)',
  'fs_free != bool fs_size',
  'topk(2, fs_free / fs_size)',
];

/** Shapes whose answer could differ, or that need what the series-major path does not do: step by step. */
const FALLBACK = [
  // Signatures not unique on a side: duplicate-series and many-to-one errors arise per step.
  'fs_free / on (instance) fs_size',
  'fs_free / ignoring (mount) fs_size',
  '{__name__=~"dup_.*"} + on (job) fs_size',
  'fs_size - on (job) {__name__=~"dup_.*"}',
  'fs_free / on (instance) group_left fs_size',
  'fs_free / on (instance, mount) group_left fs_size',
  'dup_a + on (job) {__name__=~"dup_.*"}',
  '{__name__=~"dup_.*"} + on (job) dup_a',
  'fs_free / on (instance, mount) group_right (job) fs_size',
  'fs_free and fs_size',
  'fs_free unless fs_size',
  'fs_free / fs_size @ 300',
  'fs_free / fs_size smoothed',
  'fs_free / rate(fs_size[1m])',
  'fs_free / 2',
];

describe('binaryRows', () => {
  /** The context of a range query over `query` whose selectors each select `series`. */
  /** `series` for every selector, or per selector name. */
  const rowsOf = (query: string, series: SelectedSeries[] | Record<string, SelectedSeries[]>) => {
    const expr = parseExpr(query);
    const selections = new Map<VectorSelector, SelectedSeries[]>();
    walk(expr, (e) => { if (e.type === 'vector_selector') selections.set(e, Array.isArray(series) ? series : series[e.name ?? '']); });
    const ctx = jobContext({
      query, expr, start: 0, end: 540_000, interval: 60_000, selections, infoSeries: new Map(), warnings: [], deadline: Infinity,
      settings: { lookbackDelta: 300_000, defaultSubqueryStep: 60_000, maxSamples: 1e9, seriesMajor: true },
    });
    return binaryRows(expr, ctx);
  };
  const fs = (instance: string, mount: string): SelectedSeries => ({ labels: { __name__: 'fs', instance, mount }, ts: [0], vs: [1], stale: null, rts: [0], rvs: [1] });
  const unique = [fs('a', '/'), fs('a', '/var'), fs('b', '/')];

  it('computes one-to-one arithmetic and comparisons of two selectors, with or without on/ignoring', () => {
    for (const q of ['fs + fs', 'fs / fs', '(fs) > bool fs', 'fs <= fs', 'fs - on (instance, mount) fs', 'fs * ignoring (x) fs', 'fs atan2 fs']) {
      expect(rowsOf(q, unique)?.metrics.length, q).toBe(3);
    }
  });

  it('declines the shapes it does not compute', () => {
    for (const q of ['fs and fs', 'fs or fs', 'fs unless fs', 'fs / on (instance) group_left fs', 'fs / on (instance, mount) group_left fs', 'fs / on (instance, mount) group_right fs', 'fs / 2', 'fs / fs @ 60', 'fs / fs smoothed', 'rate(fs[1m]) / fs', 'fs </ fs']) {
      expect(rowsOf(q, unique), q).toBeNull();
    }
  });

  it('declines signatures that repeat on a side', () => {
    expect(rowsOf('fs / on (instance) fs', unique)).toBeNull();
    expect(rowsOf('fs / ignoring (mount) fs', unique)).toBeNull();
    expect(rowsOf('fs / on (mount) fs', [fs('a', '/'), fs('a', '/var')])).not.toBeNull();
    // Repeated on one side only, either side.
    const twoHosts = [fs('a', '/'), fs('b', '/')];
    const oneHost = [fs('a', '/')];
    expect(rowsOf('x / on (mount) y', { x: oneHost, y: twoHosts })).toBeNull();
    expect(rowsOf('x / on (mount) y', { x: twoHosts, y: oneHost })).toBeNull();
    expect(rowsOf('x / on (mount) y', { x: oneHost, y: oneHost })).not.toBeNull();
  });

  it('keeps the left series that have a partner, in selection order', () => {
    const rows = rowsOf('fs / on (mount) fs', [fs('b', '/var'), fs('a', '/')]);
    expect(rows?.metrics).toEqual([{ mount: '/var' }, { mount: '/' }]);
    expect(rows?.dropName).toEqual([true, true]);
    expect(rowsOf('fs > fs', unique)?.dropName).toEqual([false, false, false]);
  });
});

describe('series-major binary operators', () => {
  const store = dataSet();
  const seriesMajor = new Engine();
  const stepByStep = new Engine({ seriesMajor: false });
  const ranges = [[0, 1_800_000, 30_000], [37_000, 1_700_000, 61_000], [600_000, 600_000, 15_000]];

  it.each([...FAST, ...FALLBACK])('answers %s as step-by-step evaluation does', async (q) => {
    for (const [start, end, step] of ranges) {
      const a = await seriesMajor.rangeQuery(store, q, start, end, step).catch((e: Error) => e);
      const b = await stepByStep.rangeQuery(store, q, start, end, step).catch((e: Error) => e);
      expect(a, `${q} ${start}..${end}/${step}`).toEqual(b);
    }
  });

  it('fails where step-by-step evaluation fails: a duplicate series on a side', async () => {
    await expect(seriesMajor.rangeQuery(store, '{__name__=~"dup_.*"} + on (job) fs_size', 0, 600_000, 60_000)).rejects.toThrow('found duplicate series');
  });

  it('counts both sides\' samples, matched or not, as step-by-step evaluation does', async () => {
    const q = 'max by (instance) (fs_free / fs_size)';
    // Small steps: the limit binds in the evaluation's count, past what the selects load.
    const fails = (e: Engine) => e.rangeQuery(store, q, 0, 1_800_000, 1_000).then(() => false, (err: unknown) => {
      if (err instanceof PromqlTooManySamplesError) return true;
      throw err;
    });
    // The least limit step-by-step evaluation passes: one sample fewer fails.
    let lo = 1;
    let hi = 1e6;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (await fails(new Engine({ maxSamples: mid, seriesMajor: false }))) lo = mid + 1;
      else hi = mid;
    }
    expect(await fails(new Engine({ maxSamples: lo }))).toBe(false);
    expect(await fails(new Engine({ maxSamples: lo - 1 }))).toBe(true);
  });
});
