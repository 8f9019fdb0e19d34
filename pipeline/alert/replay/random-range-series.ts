import { seededRandom } from '../../../test/harness/seeded-random.js';
import type { RangeSeries } from './range-series.js';

/**
 * Test data for the per-series replay paths: range answers whose series are present in runs at
 * random instants (each instant flips presence with probability `flip`); series 1 also has a point
 * half a step before each of its instants, off the evaluation grid.
 */
export function randomRangeSeries(labels: readonly Record<string, string>[], instants: readonly number[], opts: { seed: number; stepMs: number; flip: number }): RangeSeries[] {
  const random = seededRandom(opts.seed);
  return labels.map((l, i) => {
    const timestamps: number[] = [];
    const values: number[] = [];
    let present = random() < 0.5;
    for (const t of instants) {
      if (random() < opts.flip) present = !present;
      if (!present) continue;
      if (i === 1) {
        timestamps.push(t - opts.stepMs / 2);
        values.push(-1);
      }
      timestamps.push(t);
      values.push(Math.round(random() * 100));
    }
    return { labels: l, timestamps, values };
  });
}

/** The instant vector a range answer gives at `t`, in answer order: what the instant-by-instant evaluator would have queried. */
export function vectorAt(series: readonly RangeSeries[], t: number): { labels: Record<string, string>; value: number }[] {
  return series.flatMap((s) => {
    const i = s.timestamps.indexOf(t);
    return i < 0 ? [] : [{ labels: s.labels as Record<string, string>, value: s.values[i]! }];
  });
}
