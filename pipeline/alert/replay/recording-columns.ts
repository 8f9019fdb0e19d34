/**
 * A recording rule over a chunk of instants, series by series: a range answer already holds each
 * input series' column, and the rule's output is that column under the renamed labels, with a
 * staleness marker at the first instant a series is missing after one where it was present. The
 * instant-by-instant evaluator builds an input vector, an output sample and a staleness map per
 * instant; this builds only the output samples, in the same order (instant by instant, series in
 * answer order, then the markers in the previous instant's order) and with the same state left
 * behind for the next chunk.
 */
import type { Labels } from '../../../schemas/index.js';
import { labelKey } from '../rules/label-key.js';
import type { RecordingRule } from '../rules/recording-rule.js';
import type { GroupOutput, GroupRule } from '../rules/rule-group.js';
import type { RangeSeries } from './range-series.js';

/**
 * The rule's outputs at `instants` (evaluated at `instant - offsetMs`) from the range answer
 * `series`, with `state.previous` read for the first instant's markers and replaced by the last
 * instant's series. Undefined, with `state` untouched, when the chunk needs the instant-by-instant
 * evaluator: native histograms, two input series renamed to one label set (an error at the
 * instants they share), or more series than the group's `limit` (an error at some instants).
 */
export function recordingRuleColumns(
  rule: RecordingRule, state: GroupRule, series: readonly RangeSeries[], instants: readonly number[], offsetMs: number, limit: number,
): GroupOutput[] | undefined {
  const n = series.length;
  if (limit > 0 && n > limit) return undefined;
  const labels: Labels[] = [];
  const keys: string[] = [];
  const indexByKey = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const s = series[i]!;
    if (s.histograms !== undefined && s.histograms.length > 0) return undefined;
    const l = rule.outputLabels(s.labels);
    const key = labelKey(l);
    if (indexByKey.has(key)) return undefined;
    indexByKey.set(key, i);
    keys.push(key);
    labels.push(l);
  }
  const out: GroupOutput[] = [];
  // Per series: the next point of its column, and the last instant (index) it was present at.
  const cursor = new Int32Array(n);
  const presentAt = new Int32Array(n).fill(-1);
  let present: number[] = [];
  for (let k = 0; k < instants.length; k++) {
    const t = instants[k]! - offsetMs;
    const previousPresent = present;
    present = [];
    for (let i = 0; i < n; i++) {
      const { timestamps, values } = series[i]!;
      let c = cursor[i]!;
      // A point off the instants' grid is one no instant's vector holds.
      while (c < timestamps.length && timestamps[c]! < t) c++;
      if (c < timestamps.length && timestamps[c] === t) {
        out.push({ labels: labels[i]!, t, value: values[c]!, stale: false });
        present.push(i);
        presentAt[i] = k;
        c++;
      }
      cursor[i] = c;
    }
    if (k === 0) {
      // The previous chunk's series, in its order: absent now unless this answer has them at `t`.
      for (const [key, l] of state.previous) {
        const i = indexByKey.get(key);
        if (i === undefined || presentAt[i] !== 0) out.push({ labels: l, t, value: Number.NaN, stale: true });
      }
    } else {
      for (const i of previousPresent) if (presentAt[i] !== k) out.push({ labels: labels[i]!, t, value: Number.NaN, stale: true });
    }
  }
  const previous = new Map<string, Labels>();
  for (const i of present) previous.set(keys[i]!, labels[i]!);
  state.previous = previous;
  state.status.health = 'ok';
  state.status.lastError = '';
  state.status.lastEvaluation = instants[instants.length - 1]!;
  return out;
}

