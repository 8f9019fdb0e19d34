import { ExpositionParseError } from './errors.js';
import { type ExpositionFamily, parseExposition } from './parse-exposition.js';

/** A lint finding, as `promtool check metrics` prints it: `<metric> <text>`. */
export interface LintProblem {
  readonly metric: string;
  readonly text: string;
}

export type CheckMetricsResult =
  | { readonly ok: true; readonly problems: readonly LintProblem[] }
  | { readonly ok: false; readonly line: number; readonly column: number; readonly message: string };

export interface CheckMetricsOptions {
  /** Parse as OpenMetrics 1.0 (strict rules) instead of the text format 0.0.4. */
  readonly openMetrics?: boolean;
}

/**
 * `tidemark check metrics [--openmetrics]`: parses an exposition and lints it as promtool's
 * promlint does. `ok: false` is a parse error (promtool exits 1); `ok: true` with problems is a
 * valid exposition with lint findings (promtool prints them and exits 3).
 */
export function checkMetrics(input: string | Uint8Array, options: CheckMetricsOptions = {}): CheckMetricsResult {
  let families: ExpositionFamily[];
  try {
    families = parseExposition(input, { format: options.openMetrics ? 'openmetrics' : 'prometheus' }).families;
  } catch (e) {
    if (e instanceof ExpositionParseError) return { ok: false, line: e.line, column: e.column, message: e.message };
    throw e;
  }
  return { ok: true, problems: lintFamilies(families, options.openMetrics === true) };
}

/** promlint's non-base units and the base unit to use instead. */
const NON_BASE_UNITS: Record<string, string> = {};
for (const [base, prefixed] of [
  ['seconds', ['minutes', 'hours', 'days', 'weeks', 'milliseconds', 'microseconds', 'nanoseconds', 'picoseconds', 'kiloseconds', 'megaseconds']],
  ['bytes', ['kilobytes', 'megabytes', 'gigabytes', 'terabytes', 'petabytes', 'kibibytes', 'mebibytes', 'gibibytes', 'tebibytes', 'pebibytes']],
  ['meters', ['kilometers', 'centimeters', 'millimeters', 'micrometers', 'nanometers']],
  ['grams', ['kilograms', 'milligrams', 'micrograms']],
  ['volts', ['kilovolts', 'millivolts', 'microvolts']],
  ['amperes', ['kiloamperes', 'milliamperes', 'microamperes']],
  ['joules', ['kilojoules', 'millijoules', 'megajoules']],
] as const) {
  for (const p of prefixed) NON_BASE_UNITS[p] = base;
}

const ABBREVIATED_UNITS = new Set(['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd']);
const CAMEL = /[a-z][A-Z]/;

/** promlint's checks, with its wording; sorted by metric, then text, as promtool prints them. */
export function lintFamilies(families: readonly ExpositionFamily[], openMetrics: boolean): LintProblem[] {
  const out: LintProblem[] = [];
  for (const f of families) {
    if (f.samples.length === 0) continue;
    const name = f.name;
    const add = (text: string) => out.push({ metric: name, text });
    if (f.help === '') add('no help text');
    const isHist = f.type === 'histogram' || f.type === 'gaugehistogram';
    // OpenMetrics already demands `_total` and names the family without it.
    if (!openMetrics && f.type === 'counter' && !name.endsWith('_total')) add('counter metrics should have "_total" suffix');
    if (!openMetrics && f.type !== 'counter' && name.endsWith('_total')) add('non-counter metrics should not have "_total" suffix');
    if (!isHist && name.endsWith('_bucket')) add('non-histogram metrics should not have "_bucket" suffix');
    if (!isHist && f.type !== 'summary') {
      if (name.endsWith('_count')) add('non-histogram and non-summary metrics should not have "_count" suffix');
      if (name.endsWith('_sum')) add('non-histogram and non-summary metrics should not have "_sum" suffix');
    }
    if (!isHist && f.samples.some((s) => 'le' in s.labels)) add('non-histogram metrics should not have "le" label');
    if (f.type !== 'summary' && f.samples.some((s) => 'quantile' in s.labels)) add('non-summary metrics should not have "quantile" label');
    const tokens = name.split('_');
    for (const t of ['counter', 'gauge', 'histogram', 'summary']) {
      if (tokens.includes(t)) add(`metric name should not include type '${t}'`);
    }
    for (const t of tokens) {
      const base = NON_BASE_UNITS[t];
      if (base) add(`use base unit "${base}" instead of "${t}"`);
    }
    if (tokens.some((t) => ABBREVIATED_UNITS.has(t))) add('metric names should not contain abbreviated units');
    if (name.includes(':')) add("metric names should not contain ':'");
    if (CAMEL.test(name)) add("metric names should be written in 'snake_case' not 'camelCase'");
    if (f.samples.some((s) => Object.keys(s.labels).some((l) => CAMEL.test(l)))) add("label names should be written in 'snake_case' not 'camelCase'");
  }
  return out.sort((a, b) => (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
}
