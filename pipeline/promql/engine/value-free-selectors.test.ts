import { afterAll, describe, expect, it } from 'vitest';
import { Head } from '../../tsdb/head/index.js';
import { DecodePool } from '../../tsdb/select-decode/index.js';
import { TsdbQuerier } from '../../tsdb/tsdb-querier.js';
import type { VectorSelector } from '../parser/ast.js';
import { parseExpr } from '../parser/parser.js';
import { walk } from '../parser/walk.js';
import { MemoryQueryable } from '../promqltest/memory-storage.js';
import { Engine } from './engine.js';
import { presenceSelectors, valueFreeSelectors } from './value-free-selectors.js';

const workers = new DecodePool({ size: 2, inPlaceBelow: 0, minPart: 1 });

afterAll(async () => {
  await workers.close();
});

/** The metric names of the selectors `valueFreeSelectors` (or `presenceSelectors`) picks in `q`. */
function picked(q: string, pick = valueFreeSelectors): string[] {
  const e = parseExpr(q);
  const free = pick(e);
  const names: string[] = [];
  walk(e, (x) => {
    if (x.type === 'vector_selector' && free.has(x as VectorSelector)) names.push((x as VectorSelector).name ?? '');
  });
  return names;
}

describe('valueFreeSelectors', () => {
  it('picks the selectors that count, group, count_over_time and present_over_time read', () => {
    expect(picked('count by (job) ({job=~"n.*|a.*"})')).toEqual(['']);
    expect(picked('group((up))')).toEqual(['up']);
    expect(picked('count_over_time(up[5m]) + present_over_time(x[1m])')).toEqual(['up', 'x']);
    expect(picked('sum(rate(a[5m])) / count(b)')).toEqual(['b']);
  });

  it('leaves every selector whose values an operator reads', () => {
    expect(picked('sum(up)')).toEqual([]);
    expect(picked('count(up > 0)')).toEqual([]);
    expect(picked('count(rate(x[5m]))')).toEqual([]);
    expect(picked('count_values("v", up)')).toEqual([]);
    expect(picked('up + count(up)')).toEqual(['up']);
  });
});

describe('presenceSelectors', () => {
  it('picks the instant selectors count and group take directly, not smoothed ones or ranges', () => {
    expect(picked('count by (job) ({job=~"n.*|a.*"})', presenceSelectors)).toEqual(['']);
    expect(picked('group((up offset 5m))', presenceSelectors)).toEqual(['up']);
    expect(picked('count_over_time(up[5m]) + count(x smoothed)', presenceSelectors)).toEqual([]);
    expect(picked('count(up > 0) + count_values("v", x) + sum(y)', presenceSelectors)).toEqual([]);
  });
});

const H = 3600_000;

/**
 * The same scraped series in a TSDB head (whose selects sum series up for presence) and in memory
 * (read in full): every 15 s, some with a missed scrape of about the lookback (5 min), some with
 * staleness markers, some starting or stopping inside the range.
 */
function storages(): { head: Head; memory: MemoryQueryable } {
  const head = new Head();
  const memory = new MemoryQueryable();
  let seed = 9;
  const rnd = (): number => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return seed / 2 ** 32;
  };
  for (let i = 0; i < 60; i++) {
    const labels = { __name__: i % 2 === 0 ? 'm_up' : 'm_load', job: `j${i % 3}`, i: String(i) };
    const gapAt = i % 4 === 1 ? Math.floor(rnd() * 6 * H) : -1;
    const gap = [299_999, 300_000, 300_001, 900_000][Math.floor(i / 4) % 4];
    const staleAt = i % 5 === 2 ? Math.floor(rnd() * 6 * H) : -1;
    const from = i % 6 === 3 ? Math.floor(rnd() * 3 * H) : 0;
    const to = i % 7 === 4 ? 3 * H + Math.floor(rnd() * 3 * H) : 6 * H;
    for (let t = from; t < to;) {
      const stale = staleAt >= 0 && t >= staleAt && t < staleAt + 15_000;
      const v = stale ? NaN : Math.floor(rnd() * 100);
      head.append(labels, t, v, stale);
      memory.append(labels, t, v, stale);
      t += gapAt >= 0 && t <= gapAt && t + 15_000 > gapAt ? gap : 15_000;
    }
  }
  return { head, memory };
}

describe('count and group of an instant selector over presence summaries', () => {
  it('answer as step-by-step evaluation over the samples read in full, with offset and @, in range and instant queries', async () => {
    const { head, memory } = storages();
    const tsdb = { querier: (mint: number, maxt: number) => new TsdbQuerier([], head, mint, maxt, workers) };
    const seriesMajor = new Engine();
    const stepByStep = new Engine({ seriesMajor: false });
    const queries = [
      'count by (job) ({__name__=~"m.*"})',
      'group by (__name__) ({__name__=~"m.*"})',
      'count(m_up offset 7m)',
      'count by (job) (m_load @ 10800)',
      'group(m_up) + count(m_load)',
    ];
    for (const q of queries) {
      for (const [start, end, step] of [[0, 6 * H, 60_000], [1234, 5 * H, 37_000]]) {
        // Answers alike (loadedSamples differs: the TSDB charges its chunks' sample bounds).
        const want = (await stepByStep.rangeQuery(memory, q, start, end, step)).value;
        expect((await seriesMajor.rangeQuery(tsdb, q, start, end, step)).value, `${q} from ${start}`).toEqual(want);
        expect((await stepByStep.rangeQuery(tsdb, q, start, end, step)).value, `${q} from ${start}, step by step`).toEqual(want);
      }
      for (const t of [0, 2 * H + 1, 4 * H + 299_999, 6 * H + 200_000]) {
        expect((await seriesMajor.instantQuery(tsdb, q, t)).value, `${q} at ${t}`).toEqual((await stepByStep.instantQuery(memory, q, t)).value);
      }
    }
  });
});
