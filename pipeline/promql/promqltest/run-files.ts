import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { canonicalLabels, type Labels } from '../../../schemas/labels.js';
import { classicHistogramsAsNhcb } from './classic-to-nhcb.js';
import type { LabelMatcher } from '../../tsdb/querier.js';
import { Engine } from '../engine/engine.js';
import { formatMetric } from '../engine/format-metric.js';
import { compileSelectorRegexp, GoRegexp } from '../../../schemas/regexp/index.js';
import type { Expr } from '../parser/ast.js';
import { parseExpr } from '../parser/parser.js';
import { children, walk } from '../parser/walk.js';
import type { Queryable } from '../../tsdb/querier.js';
import type { QueryResult } from '../engine/types.js';
import { compareResult } from './compare.js';
import { memoryTestStorage, type TestStorage, type TestStorageFactory } from './test-storage.js';
import { TestFileError } from './errors.js';
import { parseTestFile, type AnnotationExpectation, type Command, type EvalCommand, type LoadCommand } from './test-file.js';
import { isHistogramValue } from './series-notation.js';

/** Files testing features behind feature flags upstream (FORMAT.md §7). */
export const EXPERIMENTAL_FILES = new Set([
  'duration_expression.test', 'extended_vectors.test', 'fill-modifier.test', 'info.test',
  'start_timestamps.test', 'type_and_unit.test',
]);

export type CaseStatus = 'pass' | 'fail';

export interface CaseResult {
  readonly file: string;
  readonly line: number;
  readonly expr: string;
  readonly status: CaseStatus;
  readonly experimental: boolean;
  /** The case reads or expects native histograms (FORMAT.md §7's rule); counted apart. */
  readonly nativeHistogram: boolean;
  readonly reason?: string;
}

export interface PromqlTestSummary {
  /** Float cases of stable (non-experimental) files. */
  passed: number;
  failed: number;
  /** Cases that touch native histograms (any file), and how they fared. */
  nativeHistogram: number;
  nativeHistogramPassed: number;
  nativeHistogramFailed: number;
  /** Float cases in experimental-feature files, and how they fared. */
  experimental: number;
  experimentalPassed: number;
  experimentalFailed: number;
  /** `load` commands the storage refused (file:line and why). */
  readonly loadErrors: string[];
  readonly cases: CaseResult[];
}

const TIME_DEPENDENT = /\b(start|end|range|step)\s*\(/;

function checkAnnotations(kind: string, exp: AnnotationExpectation, got: string[]): string | null {
  if (exp.none && got.length > 0) return `expected no ${kind} annotations, got ${JSON.stringify(got)}`;
  const any = exp.any || exp.msgs.length > 0 || exp.regexes.length > 0;
  if (!any) return null;
  if (got.length === 0) return `expected ${kind} annotations, got none`;
  if (exp.any) return null;
  for (const m of exp.msgs) if (!got.includes(m)) return `expected ${kind} ${JSON.stringify(m)}, got ${JSON.stringify(got)}`;
  for (const r of exp.regexes) if (!got.some((g) => GoRegexp.compile(r).test(g))) return `expected ${kind} matching /${r}/, got ${JSON.stringify(got)}`;
  for (const g of got) {
    if (!exp.msgs.includes(g) && !exp.regexes.some((r) => GoRegexp.compile(r).test(g))) return `unexpected ${kind} ${JSON.stringify(g)}`;
  }
  return null;
}

async function run(engine: Engine, store: Queryable, cmd: EvalCommand): Promise<QueryResult> {
  return cmd.instant
    ? engine.instantQuery(store, cmd.expr, cmd.start)
    : engine.rangeQuery(store, cmd.expr, cmd.start, cmd.end, cmd.step);
}

/** Functions whose result depends on the evaluation time itself (no @-invariance check). */
const AT_UNSAFE = new Set([
  'time', 'timestamp', 'minute', 'hour', 'day_of_month', 'day_of_week', 'day_of_year', 'days_in_month',
  'month', 'year', 'predict_linear', 'start', 'end', 'range', 'step',
]);

/**
 * FORMAT.md §6.4.1: pins every top-level selector and subquery to `@ t`; null when the
 * expression uses time-dependent functions (or nothing needed pinning).
 */
function pinToEvalTime(text: string, t: number): Expr | null {
  const expr = parseExpr(text);
  let unsafe = false;
  walk(expr, (e) => {
    if (e.type === 'call' && AT_UNSAFE.has(e.func)) unsafe = true;
  });
  if (unsafe) return null;
  let changed = false;
  const visit = (e: Expr): void => {
    if (e.type === 'vector_selector' || e.type === 'subquery') {
      if (e.at === null) {
        e.at = { kind: 'time', ms: t };
        changed = true;
      }
      return;
    }
    if (e.type === 'matrix_selector') return visit(e.vector);
    for (const c of children(e)) visit(c);
  };
  visit(expr);
  return changed ? expr : null;
}

function atCheckTimes(t: number): number[] {
  return t === 0 ? [-1000, 0, 1000] : [-10 * t, 0, t / 5, t, 10 * t];
}

/** Runs one eval; returns null when it passes, else why it failed. */
export async function runEval(engine: Engine, store: Queryable, cmd: EvalCommand): Promise<string | null> {
  let res: QueryResult;
  try {
    res = await run(engine, store, cmd);
  } catch (err) {
    const msg = (err as Error).message;
    if (!cmd.fail) return `unexpected error: ${msg}`;
    if (cmd.failMsg !== null && msg !== cmd.failMsg) return `expected error ${JSON.stringify(cmd.failMsg)}, got ${JSON.stringify(msg)}`;
    if (cmd.failRegex !== null && !GoRegexp.compile(cmd.failRegex).test(msg)) return `expected error matching /${cmd.failRegex}/, got ${JSON.stringify(msg)}`;
    const pinned = cmd.instant ? pinToEvalTime(cmd.expr, cmd.start) : null;
    if (pinned) {
      // FORMAT.md §6.4.3: every @-pinned variant must fail as well.
      for (const at of atCheckTimes(cmd.start)) {
        try {
          await engine.instantQuery(store, { text: cmd.expr, expr: pinned }, at);
          return `@-modifier variant at ${at}ms succeeded; expected it to fail`;
        } catch {
          // expected
        }
      }
    }
    return null;
  }
  if (cmd.fail) return 'expected the query to fail, it succeeded';
  const annos = checkAnnotations('warn', cmd.warn, res.warnings) ?? checkAnnotations('info', cmd.info, res.infos);
  if (annos) return annos;
  const cmp = compareResult(cmd, res.value, null);
  if (cmp) return cmp;
  if (cmd.instant && !cmd.ordered && cmd.rangeVector === null && cmd.expectString === null && !TIME_DEPENDENT.test(cmd.expr)) {
    // Range-mode cross-check (FORMAT.md §6.4): the same query as a range query around t.
    const t = cmd.start;
    let rr: QueryResult;
    try {
      rr = await engine.rangeQuery(store, cmd.expr, t - 60_000, t + 60_000, 60_000);
    } catch (err) {
      return `range-mode cross-check failed: ${(err as Error).message}`;
    }
    const c = compareResult(cmd, rr.value, t);
    if (c) return `range-mode cross-check: ${c}`;
  }
  if (cmd.instant) {
    const pinned = pinToEvalTime(cmd.expr, cmd.start);
    if (pinned) {
      for (const at of atCheckTimes(cmd.start)) {
        let r: QueryResult;
        try {
          r = await engine.instantQuery(store, { text: cmd.expr, expr: pinned }, at);
        } catch (err) {
          return `@-modifier invariance check at ${at}ms failed: ${(err as Error).message}`;
        }
        const c = compareResult(cmd, r.value, null);
        if (c) return `@-modifier invariance check at ${at}ms: ${c}`;
      }
    }
  }
  return null;
}

/**
 * Appends a `load` command's samples: series in the order the file lists them (a series listed
 * twice in one block keeps its last line, FORMAT.md §3.1), each series' samples ascending.
 * Successive loads add to what is stored.
 */
async function applyLoad(file: string, store: TestStorage, cmd: LoadCommand, hist: HistogramIndex): Promise<void> {
  const lines = new Map<string, LoadCommand['series'][number]>();
  for (const s of cmd.series) {
    const key = canonicalLabels(s.labels);
    lines.delete(key);
    lines.set(key, s);
  }
  for (const s of lines.values()) {
    let hasHist = false;
    s.values.forEach((v, i) => {
      const t = i * cmd.interval;
      if (v === null) return;
      const offset = s.startOffsets?.[i] ?? null;
      const st = offset === null ? 0 : t + offset;
      try {
        if (isHistogramValue(v)) {
          hasHist = true;
          store.appendHistogram(s.labels, t, v.histogram, st);
        } else if (v === 'stale') store.append(s.labels, t, NaN, true);
        else store.append(s.labels, t, v, false, st);
      } catch (err) {
        throw new TestFileError(file, cmd.line, `load: the ${store.name} storage refused ${formatMetric(s.labels)} at ${t}ms: ${(err as Error).message}`, { cause: err });
      }
    });
    const name = s.labels.__name__;
    if (hasHist) hist.series.push(s.labels);
    if (cmd.nhcb && name && name.endsWith('_bucket')) hist.names.add(name.slice(0, -'_bucket'.length));
  }
  if (cmd.nhcb) {
    for (const c of classicHistogramsAsNhcb([...lines.values()], cmd.interval)) {
      for (const p of c.points) {
        try {
          store.appendHistogram(c.labels, p.t, p.h);
        } catch (err) {
          throw new TestFileError(file, cmd.line, `load_with_nhcb: the ${store.name} storage refused ${formatMetric(c.labels)} at ${p.t}ms: ${(err as Error).message}`, { cause: err });
        }
      }
      hist.series.push(c.labels);
    }
  }
  await store.loaded();
}

function matches(m: LabelMatcher, l: Labels): boolean {
  const v = l[m.name] ?? '';
  switch (m.type) {
    case '=': return v === m.value;
    case '!=': return v !== m.value;
    case '=~': return compileSelectorRegexp(m.value).test(v);
    case '!~': return !compileSelectorRegexp(m.value).test(v);
  }
}

/** FORMAT.md §7's rule, made exact: the output has histograms or a selector reaches a histogram series. */
function touchesHistograms(cmd: EvalCommand, hist: HistogramIndex): boolean {
  if (cmd.histogramOutput) return true;
  let expr: Expr;
  try {
    expr = parseExpr(cmd.expr);
  } catch {
    // Unparsable here (e.g. a histogram-only operator): fall back to the names it mentions.
    const names = new Set(hist.series.map((l) => l.__name__));
    for (const m of cmd.expr.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) if (names.has(m[0]) || hist.names.has(m[0])) return true;
    return false;
  }
  let found = false;
  walk(expr, (e) => {
    if (found || e.type !== 'vector_selector') return;
    if (e.name !== null && hist.names.has(e.name)) found = true;
    else if (hist.series.some((l) => e.matchers.every((m) => matches(m, l)))) found = true;
  });
  return found;
}

interface HistogramIndex {
  readonly names: Set<string>;
  readonly series: Labels[];
}

export interface PromqlTestOptions {
  /** Where each file is loaded (a fresh storage per file); default the in-memory one. */
  readonly storage?: TestStorageFactory;
  /** The engine evaluating every case; default `new Engine()`. */
  readonly engine?: Engine;
}

/** Runs promqltest files, printing each case's result and a total through `out`. */
export async function runPromqlTestFiles(paths: string[], out: (line: string) => void, options: PromqlTestOptions = {}): Promise<PromqlTestSummary> {
  const engine = options.engine ?? new Engine();
  const openStorage = options.storage ?? memoryTestStorage;
  const sum: PromqlTestSummary = { passed: 0, failed: 0, nativeHistogram: 0, nativeHistogramPassed: 0, nativeHistogramFailed: 0, experimental: 0, experimentalPassed: 0, experimentalFailed: 0, loadErrors: [], cases: [] };
  let storageName = '';
  for (const path of paths) {
    const file = basename(path);
    const experimental = EXPERIMENTAL_FILES.has(file);
    const cmds = parseTestFile(file, await readFile(path, 'utf8'));
    const store = await openStorage();
    storageName = store.name;
    try {
      await runCommands(file, experimental, cmds, store, engine, sum, out);
    } finally {
      await store.close();
    }
  }
  const loads = sum.loadErrors.length > 0 ? `; load errors: ${sum.loadErrors.length}` : '';
  out(`total${storageName === '' ? '' : ` (${storageName} storage)`}: ${sum.passed} passed, ${sum.failed} failed; native-histogram cases: ${sum.nativeHistogram} (${sum.nativeHistogramPassed} passed, ${sum.nativeHistogramFailed} failed); experimental-feature cases: ${sum.experimental} (${sum.experimentalPassed} passed, ${sum.experimentalFailed} failed)${loads}`);
  return sum;
}

async function runCommands(file: string, experimental: boolean, cmds: Command[], store: TestStorage, engine: Engine, sum: PromqlTestSummary, out: (line: string) => void): Promise<void> {
  const hist: HistogramIndex = { names: new Set(), series: [] };
  for (const cmd of cmds) {
    if (cmd.kind === 'clear') {
      await store.clear();
      hist.names.clear();
      hist.series.length = 0;
      continue;
    }
    if (cmd.kind === 'load') {
      try {
        await applyLoad(file, store, cmd, hist);
      } catch (err) {
        // The cases after it run on what was loaded, and fail or pass as they may; the load
        // itself is reported, as upstream fails a file whose load fails.
        const msg = (err as Error).message;
        sum.loadErrors.push(msg);
        out(`LOAD-ERROR ${msg}`);
      }
      continue;
    }
    const nativeHistogram = touchesHistograms(cmd, hist);
    const base = { file, line: cmd.line, expr: cmd.expr, experimental, nativeHistogram };
    let reason: string | null;
    try {
      reason = await runEval(engine, store.queryable, cmd);
    } catch (err) {
      reason = `runner error: ${(err as Error).message}`;
    }
    const tag = experimental ? ' [experimental]' : '';
    if (nativeHistogram) {
      // Counted apart from float cases whatever the file, so both totals stay comparable.
      sum.nativeHistogram++;
      if (reason === null) sum.nativeHistogramPassed++;
      else sum.nativeHistogramFailed++;
      sum.cases.push({ ...base, status: reason === null ? 'pass' : 'fail', ...(reason === null ? {} : { reason }) });
      out(`NATIVE-HISTOGRAM ${reason === null ? 'PASS' : 'FAIL'} ${file}:${cmd.line} ${cmd.expr}${tag}${reason === null ? '' : `: ${reason}`}`);
      continue;
    }
    if (reason === null) {
      if (experimental) { sum.experimental++; sum.experimentalPassed++; } else sum.passed++;
      sum.cases.push({ ...base, status: 'pass' });
      out(`PASS ${file}:${cmd.line} ${cmd.expr}${tag}`);
    } else {
      if (experimental) { sum.experimental++; sum.experimentalFailed++; } else sum.failed++;
      sum.cases.push({ ...base, status: 'fail', reason });
      out(`FAIL ${file}:${cmd.line} ${cmd.expr}${tag}: ${reason}`);
    }
  }
}
