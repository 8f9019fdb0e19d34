import type { QueryValue } from '../engine/types.js';
import { labelsKey } from '../engine/label-keys.js';
import { formatMetric } from '../engine/format-metric.js';
import type { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import type { EvalCommand } from './test-file.js';
import { compareHistogram } from './histogram-compare.js';
import { almostEqual } from './float-tolerance.js';
import { isHistogramValue, type ExpectedValue } from './series-notation.js';

/** One expected point against one result point (a float, or a histogram when `h` is set). */
function comparePoint(ev: ExpectedValue, v: number, h: FloatHistogram | null | undefined): string | null {
  if (isHistogramValue(ev)) {
    if (h == null) return `expected a histogram ${ev.histogram.testExpression()}, got the float ${v}`;
    return compareHistogram(ev, h);
  }
  if (h != null) return `expected the float ${String(ev)}, got the histogram ${h.testExpression()}`;
  if (typeof ev !== 'number') return `expected ${String(ev)}, got ${v}`;
  return almostEqual(v, ev) ? null : `expected ${ev}, got ${v}`;
}

/** Compares a query result with an eval's expectations; returns a failure description or null. */
export function compareResult(cmd: EvalCommand, v: QueryValue, at: number | null): string | null {
  if (cmd.expectString !== null) {
    if (v.resultType !== 'string') return `expected string, got ${v.resultType}`;
    return v.result.v === cmd.expectString ? null : `expected string ${JSON.stringify(cmd.expectString)}, got ${JSON.stringify(v.result.v)}`;
  }
  if (cmd.scalar !== null && at !== null) {
    if (v.resultType !== 'matrix') return `expected matrix in range mode, got ${v.resultType}`;
    const row = v.result.find((r) => Object.keys(r.metric).length === 0);
    const idx = row ? row.timestamps.indexOf(at) : -1;
    if (!row || idx < 0) return `missing scalar point at ${at} (range mode)`;
    return almostEqual(row.values[idx], cmd.scalar) ? null : `expected scalar ${cmd.scalar}, got ${row.values[idx]} (range mode)`;
  }
  if (cmd.scalar !== null) {
    if (v.resultType !== 'scalar') return `expected scalar ${cmd.scalar}, got ${v.resultType}`;
    return almostEqual(v.result.v, cmd.scalar) ? null : `expected scalar ${cmd.scalar}, got ${v.result.v}`;
  }
  const expected = new Map<string, { metric: string; values: EvalCommand['series'][number]['values'] }>();
  const order: string[] = [];
  for (const s of cmd.series) {
    const k = labelsKey(s.labels);
    expected.set(k, { metric: formatMetric(s.labels), values: s.values });
    order.push(k);
  }
  if (cmd.instant && cmd.rangeVector === null && at === null) {
    if (v.resultType !== 'vector') return `expected vector, got ${v.resultType}`;
    if (v.result.length !== expected.size) {
      return `expected ${expected.size} series, got ${v.result.length}: ${v.result.map((s) => formatMetric(s.metric) + ' ' + s.v).join(', ')}`;
    }
    for (let i = 0; i < v.result.length; i++) {
      const s = v.result[i];
      const k = labelsKey(s.metric);
      const e = expected.get(k);
      if (!e) return `unexpected series ${formatMetric(s.metric)} ${s.v}`;
      if (cmd.ordered && order[i] !== k) return `expected ${e.metric} at position ${order.indexOf(k)}, got it at ${i}`;
      const c = comparePoint(e.values[0], s.v, s.h);
      if (c !== null) return `${c} for ${e.metric}`;
    }
    return null;
  }
  if (v.resultType !== 'matrix') return `expected matrix, got ${v.resultType}`;
  const times = cmd.rangeVector ?? { start: cmd.start, step: cmd.step, end: cmd.end };
  let seen = 0;
  for (const s of v.result) {
    const k = labelsKey(s.metric);
    const e = expected.get(k);
    if (at !== null) {
      // Cross-check of an instant eval: only the point at `at` matters.
      const idx = s.timestamps.indexOf(at);
      if (!e) {
        if (idx >= 0) return `unexpected series ${formatMetric(s.metric)} at ${at}`;
        continue;
      }
      seen++;
      if (idx < 0) return `missing point at ${at} for ${e.metric}`;
      const c = comparePoint(e.values[0], s.values[idx], s.histograms?.[idx]);
      if (c !== null) return `${c} for ${e.metric} (range mode)`;
      continue;
    }
    if (!e) return `unexpected series ${formatMetric(s.metric)}`;
    seen++;
    const pts: [number, ExpectedValue][] = [];
    e.values.forEach((val, i) => {
      if (typeof val === 'number' || isHistogramValue(val)) pts.push([times.start + i * times.step, val]);
    });
    if (pts.length !== s.timestamps.length) {
      return `expected ${pts.length} points for ${e.metric}, got ${s.timestamps.length}: ${s.timestamps.map((t, i) => `${s.values[i]}@${t / 1000}`).join(' ')}`;
    }
    for (let i = 0; i < pts.length; i++) {
      if (pts[i][0] !== s.timestamps[i]) return `expected point at ${pts[i][0]} for ${e.metric}, got ${s.timestamps[i]}`;
      const c = comparePoint(pts[i][1], s.values[i], s.histograms?.[i]);
      if (c !== null) return `${c} at ${pts[i][0] / 1000}s for ${e.metric}`;
    }
  }
  if (seen !== expected.size) return `expected ${expected.size} series, got ${seen} matching`;
  for (let i = 1; i < v.result.length; i++) {
    if (labelsKey(v.result[i - 1].metric) === labelsKey(v.result[i].metric)) return 'duplicate series in matrix';
  }
  return null;
}
