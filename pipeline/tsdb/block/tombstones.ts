import type { Labels } from '../../../schemas/labels.js';
import { compileMatcher } from '../index/index.js';
import type { LabelMatcher } from '../querier.js';

/** A deletion request: samples of matching series in [mint, maxt] are gone. */
export interface Tombstone {
  readonly matchers: readonly LabelMatcher[];
  readonly mint: number;
  readonly maxt: number;
}

/** The deleted intervals (flattened [mint, maxt] pairs) that apply to a series, or null. */
export function deletedIntervals(tombstones: readonly Tombstone[], labels: Labels): number[] | null {
  let out: number[] | null = null;
  for (const ts of tombstones) {
    let all = true;
    for (const m of ts.matchers) {
      if (!compileMatcher(m).matches(labels[m.name] ?? '')) {
        all = false;
        break;
      }
    }
    if (all) (out ??= []).push(ts.mint, ts.maxt);
  }
  return out;
}

export function isDeleted(intervals: readonly number[] | null, t: number): boolean {
  if (intervals === null) return false;
  for (let i = 0; i < intervals.length; i += 2) if (t >= intervals[i] && t <= intervals[i + 1]) return true;
  return false;
}
