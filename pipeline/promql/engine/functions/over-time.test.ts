import { describe, expect, it } from 'vitest';
import { MemoryQueryable } from '../../promqltest/memory-storage.js';
import { Engine } from '../engine.js';
import { kahanSumInc } from '../kahan.js';

/** Prometheus' avg_over_time of one window, step by step (kahanSumInc, then an incremental mean once the sum overflows). */
function prometheusAvg(vs: readonly number[]): number {
  const acc = { s: 0, c: 0 };
  let sum = vs[0];
  let count = 1;
  let mean = 0;
  let c = 0;
  let incremental = false;
  for (let i = 1; i < vs.length; i++) {
    const f = vs[i];
    count = i + 1;
    if (!incremental) {
      kahanSumInc(f, sum, c, acc);
      if (acc.s !== Infinity && acc.s !== -Infinity) {
        sum = acc.s;
        c = acc.c;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const q = (count - 1) / count;
    kahanSumInc(f / count, q * mean, q * c, acc);
    mean = acc.s;
    c = acc.c;
  }
  return incremental ? mean + c : sum / count + c / count;
}

describe('avg_over_time', () => {
  it('gives Prometheus\' answer bit for bit, before and after a window\'s sum overflows', async () => {
    // Windows of 4 samples (1m at 15s): sums that stay finite, that overflow at each position,
    // that cancel (compensation matters), and that hold NaN or infinities.
    const series: Record<string, number[]> = {
      plain: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1 / 3, 2 / 3, 1e-9, 7],
      cancel: [1e16, 1, -1e16, 1, 3.5, -3.5, 1e100, 1, -1e100, 0.25, 1e-300, 5],
      overflow: [1.5e308, 1.5e308, 1, 2, -1.7e308, -1.7e308, -1.7e308, 1e308, 1.7e308, 3, 1.7e308, 1.7e308],
      special: [1, NaN, 2, 3, Infinity, 4, -Infinity, 5, 6, Infinity, Infinity, 7],
    };
    const s = new MemoryQueryable();
    for (const [name, values] of Object.entries(series)) values.forEach((v, i) => s.append({ __name__: 'x', s: name }, (i + 1) * 15_000, v));
    const r = await new Engine().rangeQuery(s, 'avg_over_time(x[1m])', 15_000, 180_000, 15_000);
    if (r.value.resultType !== 'matrix') throw new Error(r.value.resultType);
    expect(r.value.result.length).toBe(4);
    for (const { metric, timestamps, values } of r.value.result) {
      const vs = series[metric.s];
      const want = timestamps.map((t) => {
        const hi = t / 15_000;
        return prometheusAvg(vs.slice(Math.max(0, hi - 4), hi));
      });
      expect(values.map((v) => (Object.is(v, -0) ? '-0' : String(v)))).toEqual(want.map((v) => (Object.is(v, -0) ? '-0' : String(v))));
    }
  });
});
