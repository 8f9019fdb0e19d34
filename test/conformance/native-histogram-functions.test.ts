// Runs the histogram functions of schemas/native-histogram/histogram-math.ts on the native
// histograms of upstream's PromQL test files (testdata/promql, Apache-2.0, see its SOURCES.md)
// wherever an instant eval applies one function straight to a selector, and compares with the
// results the files expect. No PromQL engine is involved: the test picks each series' sample
// the way an instant selector does (the latest within the 5m lookback), so it checks the math
// and the notation, not the evaluation around them.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { conformancePath } from './conformance-dir.js';
import { expandHistogramItem } from '../../pipeline/promql/promqltest/histogram-notation.js';
import { expandValues, parseNumber, parseSeriesLabels } from '../../pipeline/promql/promqltest/series-notation.js';
import { parseTestFile } from '../../pipeline/promql/promqltest/test-file.js';
import {
  FloatHistogram,
  histogramAvg,
  histogramCount,
  histogramFraction,
  histogramQuantile,
  histogramStdDev,
  histogramStdVar,
  histogramSum,
} from '../../schemas/native-histogram/index.js';

type Value = FloatHistogram | number | 'stale';
type Labels = Record<string, string>;

const LOOKBACK_MS = 5 * 60_000;
const ITEM_RE = /\{\{[^}]*\}\}(?:[+-]\{\{[^}]*\}\})?(?:x\d+)?|\S+/g;
const NUM = '[+-]?(?:Inf|NaN|[0-9.]+(?:e[+-]?[0-9]+)?)';
const SELECTOR = '([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^{}]*\\})?';
const CALL_RE = new RegExp(`^(histogram_(?:count|sum|avg|stddev|stdvar|quantile|fraction))\\(((?:${NUM}\\s*,\\s*){0,2})${SELECTOR}\\)$`);

function expandItems(rest: string): (Value | null)[] {
  const out: (Value | null)[] = [];
  for (const item of rest.match(ITEM_RE) ?? []) {
    if (item.startsWith('{{')) out.push(...expandHistogramItem(item).histograms);
    else for (const v of expandValues(item)) out.push(typeof v === 'object' && v !== null ? null : v);
  }
  return out;
}

function key(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** FORMAT.md §6.2: relative tolerance 1e-6, NaN equals NaN, an expected 0 allows no error. */
function almostEqual(a: number, b: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const minNormal = 2.2250738585072014e-308;
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || Math.abs(a) + Math.abs(b) < minNormal) return diff < 1e-6 * minNormal;
  return diff / Math.min(Math.abs(a) + Math.abs(b), Number.MAX_VALUE) < 1e-6;
}

interface Case {
  where: string;
  expr: string;
  computed: Map<string, number>;
  expected: Map<string, number>;
}

function casesOf(file: string): Case[] {
  const text = readFileSync(`${conformancePath('promql')}/${file}`, 'utf8');
  const lines = text.split('\n');
  const cases: Case[] = [];
  let store = new Map<string, { labels: Labels; samples: Map<number, Value> }>();
  let unsupported = new Set<string>();
  for (const cmd of parseTestFile(file, text)) {
    if (cmd.kind === 'clear') {
      store = new Map();
      unsupported = new Set();
      continue;
    }
    if (cmd.kind === 'load') {
      for (let i = cmd.line; i < lines.length && lines[i].trim() !== ''; i++) {
        const raw = lines[i].trim();
        if (raw.startsWith('#')) continue;
        const { labels, rest } = parseSeriesLabels(raw);
        const name = labels.__name__ ?? '';
        if (cmd.nhcb || rest.startsWith('@st')) {
          unsupported.add(name.replace(/_(bucket|sum|count)$/, ''));
          continue;
        }
        const entry = store.get(key(labels)) ?? { labels, samples: new Map<number, Value>() };
        expandItems(rest).forEach((v, k) => {
          if (v !== null) entry.samples.set(k * cmd.interval, v);
        });
        store.set(key(labels), entry);
      }
      continue;
    }
    if (!cmd.instant || cmd.fail || cmd.rangeVector !== null || cmd.scalar !== null) continue;
    const m = CALL_RE.exec(cmd.expr.trim());
    if (!m) continue;
    const [, fn, argText, name, matcherText] = m;
    if (unsupported.has(name)) continue;
    const args = argText.split(',').map((a) => a.trim()).filter((a) => a !== '').map((a) => parseNumber(a)!);
    const matchers: Labels = {};
    if (matcherText) {
      const inner = matcherText.slice(1, -1).trim();
      if (inner !== '' && !/^(\s*[a-zA-Z_]\w*="[^"]*"\s*,?)+$/.test(inner)) continue;
      for (const mm of inner.matchAll(/([a-zA-Z_]\w*)="([^"]*)"/g)) matchers[mm[1]] = mm[2];
    }
    const computed = new Map<string, number>();
    let usable = true;
    for (const { labels, samples } of store.values()) {
      if (labels.__name__ !== name || Object.entries(matchers).some(([k, v]) => (labels[k] ?? '') !== v)) continue;
      let latest: number | undefined;
      for (const ts of samples.keys()) if (ts <= cmd.start && ts > cmd.start - LOOKBACK_MS && (latest === undefined || ts > latest)) latest = ts;
      if (latest === undefined) continue;
      const v = samples.get(latest)!;
      if (v === 'stale') continue;
      if (!(v instanceof FloatHistogram)) {
        usable = false;
        break;
      }
      const { __name__: _dropped, ...out } = labels;
      const h = v.copy();
      const result = {
        histogram_count: () => histogramCount(h),
        histogram_sum: () => histogramSum(h),
        histogram_avg: () => histogramAvg(h),
        histogram_stddev: () => histogramStdDev(h),
        histogram_stdvar: () => histogramStdVar(h),
        histogram_quantile: () => histogramQuantile(args[0], h).value,
        histogram_fraction: () => histogramFraction(args[0], args[1], h).value,
      }[fn]!();
      computed.set(key(out), result);
    }
    if (!usable) continue;
    const expected = new Map<string, number>();
    for (const s of cmd.series) {
      if (s.values.length !== 1 || typeof s.values[0] !== 'number') {
        usable = false;
        break;
      }
      expected.set(key(s.labels), s.values[0]);
    }
    if (usable) cases.push({ where: `${file}:${cmd.line}`, expr: cmd.expr, computed, expected });
  }
  return cases;
}

const files = readdirSync(conformancePath('promql')).filter((f) => f.endsWith('.test'));
const cases = files.flatMap(casesOf);

describe('native histogram functions against the upstream PromQL test files', () => {
  it('finds well over a hundred instant evals of a histogram function on a selector to check', () => {
    expect(cases.length).toBeGreaterThan(150);
  });

  it.each(cases.map((c) => [c.where, c.expr, c] as const))('%s %s gives the expected values', (_where, _expr, c) => {
    expect([...c.computed.keys()].sort()).toEqual([...c.expected.keys()].sort());
    for (const [k, want] of c.expected) {
      const got = c.computed.get(k)!;
      expect(almostEqual(got, want), `${k}: got ${got}, want ${want}`).toBe(true);
    }
  });
});
