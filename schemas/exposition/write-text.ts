import type { Labels } from '../labels.js';
import { METRIC_NAME } from '../labels.js';
import type { ExpositionFormat } from './errors.js';
import type { Exemplar, MetricType } from './parser.js';

/** A sample to write; `ExpositionSample` from the parser fits. */
export interface WritableSample {
  readonly labels: Labels;
  readonly value: number;
  /** Milliseconds. */
  readonly timestamp?: number;
  /** Written in OpenMetrics only. */
  readonly exemplar?: Exemplar;
}

/** A family to write; `ExpositionFamily` from the parser fits. */
export interface WritableFamily {
  readonly name: string;
  readonly type: MetricType;
  readonly help?: string;
  readonly unit?: string;
  readonly samples: readonly WritableSample[];
}

export interface WriteTextOptions {
  /** Default `prometheus` (text format 0.0.4, `text/plain; version=0.0.4`). */
  readonly format?: ExpositionFormat;
}

export const PROMETHEUS_TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** Types the 0.0.4 text format has; the others are written as the closest it knows. */
const TEXT_TYPE: Record<MetricType, string> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  summary: 'summary',
  unknown: 'untyped',
  info: 'gauge',
  stateset: 'gauge',
  gaugehistogram: 'untyped',
};

/**
 * Renders families as an exposition. Samples are written in the order given, labels in their
 * object order, `__name__` as the metric name. In OpenMetrics a counter family named `x_total`
 * is announced as `x` (its samples keep their names), timestamps become seconds and the output
 * ends with `# EOF`.
 */
export function writeText(families: readonly WritableFamily[], options: WriteTextOptions = {}): string {
  const om = options.format === 'openmetrics';
  let out = '';
  for (const f of families) {
    if (om) {
      const name = f.type === 'counter' && f.name.endsWith('_total') ? f.name.slice(0, -6) : f.name;
      out += `# TYPE ${name} ${f.type}\n`;
      if (f.unit) out += `# UNIT ${name} ${f.unit}\n`;
      if (f.help) out += `# HELP ${name} ${escapeOpenMetricsHelp(f.help)}\n`;
    } else {
      if (f.help) out += `# HELP ${f.name} ${escapeTextHelp(f.help)}\n`;
      out += `# TYPE ${f.name} ${TEXT_TYPE[f.type]}\n`;
    }
    for (const s of f.samples) {
      out += sampleName(s.labels, f.name) + labelSet(s.labels, true) + ' ' + formatValue(s.value);
      if (s.timestamp !== undefined) out += ' ' + (om ? formatSeconds(s.timestamp) : String(Math.trunc(s.timestamp)));
      if (om && s.exemplar) {
        const e = s.exemplar;
        out += ' # ' + (labelSet(e.labels, false) || '{}') + ' ' + formatValue(e.value);
        if (e.timestamp !== undefined) out += ' ' + formatSeconds(e.timestamp);
      }
      out += '\n';
    }
  }
  if (om) out += '# EOF\n';
  return out;
}

function sampleName(labels: Labels, fallback: string): string {
  return labels[METRIC_NAME] ?? fallback;
}

function labelSet(labels: Labels, skipName: boolean): string {
  let out = '';
  for (const k in labels) {
    if (skipName && k === METRIC_NAME) continue;
    out += (out === '' ? '{' : ',') + k + '="' + escapeLabelValue(labels[k]) + '"';
  }
  return out === '' ? '' : out + '}';
}

/** Go's float formatting for the special values; the shortest round-tripping decimal otherwise. */
export function formatValue(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  return Object.is(v, -0) ? '-0' : String(v);
}

function formatSeconds(ms: number): string {
  return String(ms / 1000);
}

/** Label values: `\`, `"` and newline are escaped, in both formats. */
export function escapeLabelValue(v: string): string {
  if (!/[\\"\n]/.test(v)) return v;
  return v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : '\\' + c));
}

/** Text-format help: only `\` and newline are escaped (a `"` stays as it is). */
export function escapeTextHelp(v: string): string {
  return v.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

/** OpenMetrics help escapes `"` too. */
export function escapeOpenMetricsHelp(v: string): string {
  return escapeLabelValue(v);
}
