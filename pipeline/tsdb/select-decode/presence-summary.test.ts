import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Block } from '../block/index.js';
import { decimalPresence, encodeDecimal } from '../chunks/index.js';
import { persistHeadRange } from '../compact/index.js';
import { Head } from '../head/index.js';
import { MergeQuerier } from '../merge-querier.js';
import type { LabelMatcher, Series } from '../querier.js';
import { TsdbQuerier } from '../tsdb-querier.js';
import { DecodePool } from './decode-pool.js';
import { gapsWithin } from './presence-summary.js';

const H = 3600_000;
const LOOKBACK = 300_000;
const ALL: LabelMatcher[] = [{ type: '=~', name: '__name__', value: 'm.*' }];
const workers = new DecodePool({ size: 2, inPlaceBelow: 0, minPart: 1 });

afterAll(async () => {
  await workers.close();
});

function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
    return s / 2 ** 32;
  };
}

/** Gaps that missed scrapes leave, around the lookback: some pass it by a millisecond, some fall short by one. */
const GAPS = [LOOKBACK - 1, LOOKBACK, LOOKBACK + 1, 2 * LOOKBACK, 60_000];

/**
 * Series over 6 h scraped every 15 s (some with jitter), some with a missed-scrape gap of one of
 * GAPS, some with staleness markers, some starting or ending inside the range; values decimal
 * (blocks write decimal chunks) or any float (XOR), into a head.
 */
function scrapedHead(seed: number, count: number): Head {
  const rnd = random(seed);
  const head = new Head();
  for (let i = 0; i < count; i++) {
    const labels = { __name__: i % 2 === 0 ? 'm_counter' : 'm_gauge', i: String(i) };
    const jitter = i % 3 === 0;
    const gapAt = i % 3 === 1 ? Math.floor(rnd() * 6 * H) : -1;
    const gap = GAPS[Math.floor(i / 3) % GAPS.length];
    const staleAt = i % 5 === 2 ? Math.floor(rnd() * 6 * H) : -1;
    const from = i % 6 === 3 ? Math.floor(rnd() * 3 * H) : 0;
    const to = i % 7 === 4 ? 3 * H + Math.floor(rnd() * 3 * H) : 6 * H;
    let v = 0;
    for (let t = from; t < to;) {
      const stale = staleAt >= 0 && t >= staleAt && t < staleAt + 15_000;
      v = i % 2 === 0 ? v + Math.floor(rnd() * 10) : rnd() * 100;
      head.append(labels, t, stale ? NaN : v, stale);
      const step = gapAt >= 0 && t <= gapAt && t + 15_000 > gapAt ? gap : 15_000;
      t += step + (jitter ? Math.floor(rnd() * 200) - 100 : 0);
    }
  }
  return head;
}

async function select(q: TsdbQuerier, start: number, end: number, presenceLookback?: number): Promise<Series[]> {
  return (await q.select(ALL, { start, end, timestampsOnly: true, ...(presenceLookback === undefined ? {} : { presenceLookback }) })).series;
}

/** Each series summed up exactly when its full read allows, and then to that read's first and last timestamps and count. */
function expectSummedUpAsReadInFull(full: readonly Series[], summed: readonly Series[]): { summaries: number; fallbacks: number } {
  expect(summed.map((s) => s.labels)).toEqual(full.map((s) => s.labels));
  let summaries = 0;
  let fallbacks = 0;
  full.forEach((f, i) => {
    const s = summed[i];
    const n = f.timestamps.length;
    const clean = f.stale === null && gapsWithin(f.timestamps, n, LOOKBACK);
    if (clean) {
      expect(s.presence, `series ${JSON.stringify(f.labels)}`).toEqual({ first: f.timestamps[0], last: f.timestamps[n - 1], samples: n });
      expect(s.timestamps.length).toBe(0);
      summaries++;
    } else {
      expect(s.presence ?? null).toBeNull();
      expect(Array.from(s.timestamps)).toEqual(Array.from(f.timestamps));
      expect(s.stale === null ? null : Array.from(s.stale)).toEqual(f.stale === null ? null : Array.from(f.stale));
      fallbacks++;
    }
  });
  return { summaries, fallbacks };
}

describe('presence summaries of a select (SelectHints.presenceLookback)', () => {
  it('sum up exactly the series without markers or gaps past the lookback, from blocks of decimal and XOR chunks and the head, at any range edges', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'presence-'));
    try {
      const head = scrapedHead(7, 120);
      const blocks = [0, 2 * H].map((t) => Block.open(join(dir, persistHeadRange(head, dir, t, t + 2 * H).ulid)));
      head.truncate(4 * H);
      let summaries = 0;
      let fallbacks = 0;
      for (const [start, end] of [[0, 6 * H], [H + 7_500, 5 * H - 7_500], [2 * H - 1, 2 * H + 1], [4 * H - 300_000, 6 * H], [3 * H + 1234, 3 * H + 400_000]]) {
        const q = new TsdbQuerier(blocks, head, start, end, workers);
        const got = expectSummedUpAsReadInFull(await select(q, start, end), await select(q, start, end, LOOKBACK));
        summaries += got.summaries;
        fallbacks += got.fallbacks;
      }
      expect(summaries).toBeGreaterThan(100);
      expect(fallbacks).toBeGreaterThan(50);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("read a series in full where a block overlaps the head (the samples would need sorting), with the same samples", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'presence-'));
    try {
      const head = scrapedHead(11, 40);
      const block = Block.open(join(dir, persistHeadRange(head, dir, 0, 4 * H).ulid));
      const q = new TsdbQuerier([block], head, 0, 6 * H, workers);
      const full = await select(q, 0, 6 * H);
      const summed = await select(q, 0, 6 * H, LOOKBACK);
      expect(summed.map((s) => s.labels)).toEqual(full.map((s) => s.labels));
      summed.forEach((s, i) => {
        expect(s.presence ?? null).toBeNull();
        expect(Array.from(s.timestamps)).toEqual(Array.from(full[i].timestamps));
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leave a head-only select (open chunks read from resume points, closed ones) summed up as its full read allows', async () => {
    const head = scrapedHead(3, 60);
    for (const [start, end] of [[0, 6 * H], [5 * H + 1, 6 * H], [2 * H + 500, 2 * H + 900_000]]) {
      const q = new TsdbQuerier([], head, start, end, workers);
      const got = expectSummedUpAsReadInFull(await select(q, start, end), await select(q, start, end, LOOKBACK));
      expect(got.summaries).toBeGreaterThan(0);
    }
  });
});

describe('presence summaries merged (MergeQuerier)', () => {
  it('are read again in full for a series two shards hold, and pass through for series one shard holds', async () => {
    const early = new Head();
    const late = new Head();
    for (let t = 0; t < 2 * H; t += 15_000) {
      early.append({ __name__: 'm_both' }, t, 1);
      early.append({ __name__: 'm_one' }, t, 1);
    }
    for (let t = 2 * H + 600_000; t < 4 * H; t += 15_000) late.append({ __name__: 'm_both' }, t, 1);
    const merged = new MergeQuerier([new TsdbQuerier([], early, 0, 4 * H, workers), new TsdbQuerier([], late, 0, 4 * H, workers)]);
    const { series } = await merged.select(ALL, { start: 0, end: 4 * H, timestampsOnly: true, presenceLookback: LOOKBACK });
    expect(series.map((s) => [s.labels.__name__, s.presence ?? null, s.timestamps.length])).toEqual([
      ['m_both', null, 480 + 440],
      ['m_one', null, 480],
    ]);
    const apart = await new MergeQuerier([new TsdbQuerier([], early, 0, 4 * H, workers)]).select(ALL, { start: 0, end: 4 * H, presenceLookback: LOOKBACK });
    expect(apart.series.map((s) => s.presence)).toEqual([{ first: 0, last: 2 * H - 15_000, samples: 480 }, { first: 0, last: 2 * H - 15_000, samples: 480 }]);
  });
});

describe('decimalPresence', () => {
  it('finds the range, gaps and markers of a decimal chunk as its decoding does, regular or not', () => {
    const rnd = random(5);
    for (let c = 0; c < 200; c++) {
      const n = 1 + Math.floor(rnd() * 300);
      const ts: number[] = [];
      let t = 1_700_000_000_000 + Math.floor(rnd() * 1000);
      const irregular = c % 2 === 1;
      for (let i = 0; i < n; i++) {
        ts.push(t);
        t += 15_000 + (irregular ? Math.floor(rnd() * 5) * (rnd() < 0.05 ? 100_000 : 7) : 0);
      }
      const stale = ts.map((_, i) => (c % 5 === 0 && i === Math.floor(n / 2) ? 1 : 0));
      const bytes = encodeDecimal(ts, ts.map((_, i) => i), stale)!;
      const mint = ts[0] + Math.floor((rnd() - 0.2) * (ts[n - 1] - ts[0]));
      const maxt = mint + Math.floor(rnd() * 1.2 * (ts[n - 1] - ts[0] + 1));
      const kept = ts.map((x, i) => [x, stale[i]] as const).filter(([x]) => x >= mint && x <= maxt);
      const run = new Float64Array(3);
      const got = decimalPresence(bytes, mint, maxt, run);
      if (kept.length === 0) expect(got).toBe(0);
      else if (kept.some(([, s]) => s === 1)) expect(got).toBe(-1);
      else {
        let gap = 0;
        for (let i = 1; i < kept.length; i++) gap = Math.max(gap, kept[i][0] - kept[i - 1][0]);
        expect(got).toBe(kept.length);
        expect(Array.from(run)).toEqual([kept[0][0], kept[kept.length - 1][0], gap]);
      }
    }
  });
});
