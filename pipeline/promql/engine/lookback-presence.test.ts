import { describe, expect, it } from 'vitest';
import { gapsWithin } from '../../tsdb/select-decode/presence-summary.js';
import { lookbackSpan } from './lookback-presence.js';

const LOOKBACK = 300_000;

/** Step-by-step evaluation's answer: the latest sample at or before each step, within the lookback. */
function presenceByScan(ts: readonly number[], start: number, interval: number, offset: number, lookback: number, steps: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < steps; k++) {
    const ref = start + k * interval - offset;
    let idx = -1;
    for (let i = 0; i < ts.length && ts[i] <= ref; i++) idx = i;
    out.push(idx >= 0 && ts[idx] > ref - lookback ? 1 : 0);
  }
  return out;
}

function bySpan(ts: readonly number[], start: number, interval: number, offset: number, lookback: number, steps: number): { present: number[] } | null {
  const span = new Int32Array([-7, -7]);
  if (!lookbackSpan(Float64Array.from(ts), start, interval, offset, lookback, steps, span)) {
    expect([...span]).toEqual([-7, -7]);
    return null;
  }
  const present = Array.from({ length: steps }, (_, k) => (k >= span[0] && k < span[1] ? 1 : 0));
  expect(span[0]).toBeLessThanOrEqual(span[1]);
  return { present };
}

function scrape(from: number, count: number, every: number, jitter = () => 0): number[] {
  return Array.from({ length: count }, (_, i) => from + i * every + jitter());
}

describe('lookbackSpan', () => {
  it('marks a regular series present from its first sample to a lookback past its last', () => {
    const ts = scrape(1_000_000, 100, 15_000);
    const got = bySpan(ts, 900_000, 60_000, 0, LOOKBACK, 40)!;
    const want = presenceByScan(ts, 900_000, 60_000, 0, LOOKBACK, 40);
    expect(got.present).toEqual(want);
    expect(want.slice(0, 3)).toEqual([0, 0, 1]);
    expect(want.at(-1)).toBe(0);
  });

  it('matches step-by-step evaluation where a step falls exactly on the first sample or a lookback past the last', () => {
    const ts = scrape(600_000, 20, 30_000);
    const last = ts.at(-1)!;
    for (const start of [600_000, 540_000, last + LOOKBACK - 60_000 * 5, 600_001, 599_999]) {
      expect(bySpan(ts, start, 60_000, 0, LOOKBACK, 30)!.present).toEqual(presenceByScan(ts, start, 60_000, 0, LOOKBACK, 30));
    }
  });

  it('applies the offset to every step', () => {
    const ts = scrape(3_600_000, 200, 10_000);
    expect(bySpan(ts, 3_000_000, 30_000, 1_200_000, LOOKBACK, 120)!.present).toEqual(presenceByScan(ts, 3_000_000, 30_000, 1_200_000, LOOKBACK, 120));
  });

  it('matches step-by-step evaluation over jittered scrapes and fractional step times', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let round = 0; round < 50; round++) {
      const every = 5_000 + Math.floor(rnd() * 60_000);
      const ts = scrape(1_000_000 + Math.floor(rnd() * 100_000), 1 + Math.floor(rnd() * 300), every, () => Math.floor(rnd() * 2_000));
      const start = 900_000 + rnd() * 200_000;
      const interval = 1_000 + Math.floor(rnd() * 120_000);
      const got = bySpan(ts, start, interval, 0, LOOKBACK, 200);
      if (got === null) continue;
      const want = presenceByScan(ts, start, interval, 0, LOOKBACK, 200);
      expect(got.present).toEqual(want);
      }
  });

  it('leaves a series with a gap longer than the lookback to the step-by-step path, setting nothing', () => {
    const ts = [...scrape(0, 50, 15_000), ...scrape(50 * 15_000 + LOOKBACK, 50, 15_000)];
    expect(bySpan(ts, 0, 60_000, 0, LOOKBACK, 10)).toBeNull();
  });

  it('takes a gap of exactly the lookback as no gap, as step-by-step evaluation does', () => {
    const ts = [0, LOOKBACK, 2 * LOOKBACK];
    const got = bySpan(ts, 0, 10_000, 0, LOOKBACK, 100)!;
    expect(got.present).toEqual(presenceByScan(ts, 0, 10_000, 0, LOOKBACK, 100));
  });

  it('marks no step of an empty series and a single sample for one lookback', () => {
    expect(bySpan([], 0, 60_000, 0, LOOKBACK, 5)!.present).toEqual([0, 0, 0, 0, 0]);
    expect(bySpan([120_000], 0, 60_000, 0, LOOKBACK, 10)!.present).toEqual(presenceByScan([120_000], 0, 60_000, 0, LOOKBACK, 10));
  });
});

describe('gapsWithin', () => {
  it('finds one long gap inside a stride of otherwise regular samples', () => {
    const ts = scrape(0, 1000, 15_000);
    expect(gapsWithin(Float64Array.from(ts), ts.length, LOOKBACK)).toBe(true);
    // Samples 500..505 missing: a gap of 6 scrapes, within the lookback.
    const short = ts.filter((_, i) => i < 500 || i > 505);
    expect(gapsWithin(Float64Array.from(short), short.length, LOOKBACK)).toBe(true);
    // Samples 500..520 missing: 21 scrapes (315 s) between two samples.
    const long = ts.filter((_, i) => i < 500 || i > 520);
    expect(gapsWithin(Float64Array.from(long), long.length, LOOKBACK)).toBe(false);
  });

  it('finds a long gap wherever it falls in a stride', () => {
    for (let at = 1; at < 40; at++) {
      const ts = Array.from({ length: 1000 }, (_, i) => i * 15_000 + (i >= at ? LOOKBACK : 0));
      expect(gapsWithin(Float64Array.from(ts), ts.length, LOOKBACK)).toBe(false);
    }
  });

  it('finds a long gap among the last samples, past the last whole stride', () => {
    const ts = [...scrape(0, 999, 1_000), 999_000 + LOOKBACK + 1];
    expect(gapsWithin(Float64Array.from(ts), ts.length, LOOKBACK)).toBe(false);
  });
});
