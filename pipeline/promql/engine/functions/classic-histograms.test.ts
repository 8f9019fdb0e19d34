import { describe, expect, it } from 'vitest';
import { MemoryQueryable } from '../../promqltest/memory-storage.js';
import { Engine } from '../engine.js';

const LES = ['0.1', '0.5', '1', '2.5', '+Inf'];

/** A bucket count that sometimes breaks monotonicity, is NaN, or leaves the series out. */
function randomCount(rnd: () => number, base: number): number | null {
  const r = rnd();
  if (r < 0.05) return null;
  if (r < 0.08) return NaN;
  if (r < 0.15) return Math.max(0, base - Math.floor(rnd() * 3));
  return base;
}

function randomStore(seed: number): MemoryQueryable {
  let x = seed;
  const rnd = (): number => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  const s = new MemoryQueryable();
  for (let h = 0; h < 6; h++) {
    for (let t = 0; t <= 600; t += 30) {
      let cumulative = 0;
      for (const le of LES) {
        cumulative += Math.floor(rnd() * 4);
        const c = randomCount(rnd, cumulative);
        if (c !== null) s.append({ __name__: 'lat_bucket', handler: `h${h % 3}`, job: `j${h}`, le }, t * 1000, c);
      }
      // A malformed bound, warned about and skipped.
      if (rnd() < 0.1) s.append({ __name__: 'lat_bucket', handler: `h${h % 3}`, job: `j${h}`, le: 'x' }, t * 1000, 1);
    }
  }
  return s;
}

/** Each step of a range query evaluated as an instant query: a fresh evaluation per step. */
async function perStep(s: MemoryQueryable, query: string, start: number, end: number, step: number): Promise<{ points: Map<string, number>; warnings: string[]; infos: string[] }> {
  const points = new Map<string, number>();
  const warnings = new Set<string>();
  const infos = new Set<string>();
  for (let t = start; t <= end; t += step) {
    const r = await new Engine().instantQuery(s, query, t);
    if (r.value.resultType !== 'vector') throw new Error(`${query} gave a ${r.value.resultType}`);
    for (const x of r.value.result) points.set(`${JSON.stringify(x.metric)}@${t}`, x.v);
    for (const w of r.warnings) warnings.add(w);
    for (const i of r.infos) infos.add(i);
  }
  return { points, warnings: [...warnings].sort(), infos: [...infos].sort() };
}

async function ranged(s: MemoryQueryable, query: string, start: number, end: number, step: number): Promise<{ points: Map<string, number>; warnings: string[]; infos: string[] }> {
  const r = await new Engine().rangeQuery(s, query, start, end, step);
  if (r.value.resultType !== 'matrix') throw new Error(`${query} gave a ${r.value.resultType}`);
  const points = new Map<string, number>();
  for (const m of r.value.result) m.timestamps.forEach((t, i) => points.set(`${JSON.stringify(m.metric)}@${t}`, m.values[i]));
  return { points, warnings: [...r.warnings].sort(), infos: [...r.infos].sort() };
}

describe('classic histograms grouped once per query', () => {
  const queries = [
    'histogram_quantile(0.9, lat_bucket)',
    'histogram_quantile(0.5, sum by (le, handler) (lat_bucket))',
    'histogram_fraction(0, 1, lat_bucket)',
    'histogram_quantiles(lat_bucket, "q", 0.25, 0.99)',
  ];
  for (const query of queries) {
    it(`answers ${query} over a range as step-by-step instant queries do, on random buckets`, async () => {
      for (const seed of [1, 7, 42]) {
        const s = randomStore(seed);
        const want = await perStep(s, query, 0, 600_000, 30_000);
        const got = await ranged(s, query, 0, 600_000, 30_000);
        expect(want.points.size).toBeGreaterThan(0);
        // The data reaches the annotated paths: malformed bounds (and, for quantiles, forced monotonicity).
        expect(want.warnings.some((w) => w.includes('malformed value of "x"'))).toBe(true);
        if (query.startsWith('histogram_quantile')) expect(want.infos.some((i) => i.includes('fixed for monotonicity'))).toBe(true);
        expect(got.points).toEqual(want.points);
        expect(got.warnings).toEqual(want.warnings);
        expect(got.infos).toEqual(want.infos);
      }
    });
  }
});
