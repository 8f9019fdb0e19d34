import type { Labels } from '../labels.js';
import { isValidMetricName, METRIC_NAME } from '../labels.js';
import type { ExpositionFormat } from './errors.js';
import { escapeExposedName, escapeLabels, type NameEscapingScheme } from './name-escaping.js';
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
  /**
   * How names that are not legacy ones are written: `allow-utf-8` (the default) quotes them
   * (`{"my.metric","a.b"="x"}`), the others escape them into legacy names.
   */
  readonly escaping?: NameEscapingScheme;
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
  const escaping = options.escaping ?? 'allow-utf-8';
  let out = '';
  for (const family of families) {
    const f = escaping === 'allow-utf-8' ? family : escapeFamily(family, escaping);
    if (om) {
      const name = quoteName(f.type === 'counter' && f.name.endsWith('_total') ? f.name.slice(0, -6) : f.name);
      out += `# TYPE ${name} ${f.type}\n`;
      if (f.unit) out += `# UNIT ${name} ${f.unit}\n`;
      if (f.help) out += `# HELP ${name} ${escapeOpenMetricsHelp(f.help)}\n`;
    } else {
      const name = quoteName(f.name);
      if (f.help) out += `# HELP ${name} ${escapeTextHelp(f.help)}\n`;
      out += `# TYPE ${name} ${TEXT_TYPE[f.type]}\n`;
    }
    for (const s of f.samples) {
      out += seriesText(s.labels, f.name) + ' ' + formatValue(s.value);
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

function escapeFamily(f: WritableFamily, scheme: NameEscapingScheme): WritableFamily {
  return {
    ...f,
    name: escapeExposedName(f.name, scheme),
    samples: f.samples.map((s) => ({ ...s, labels: escapeLabels(s.labels, scheme) })),
  };
}

/** A name as the text formats write it: a legacy one as it is, any other quoted. */
export function quoteName(name: string): string {
  return isValidMetricName(name) ? name : '"' + escapeLabelValue(name) + '"';
}

/** Name and labels of a sample; a name that is not a legacy one goes first inside the braces. */
function seriesText(labels: Labels, fallback: string): string {
  const name = labels[METRIC_NAME] ?? fallback;
  if (isValidMetricName(name)) return name + labelSet(labels, true);
  const rest = labelSet(labels, true);
  return '{' + quoteName(name) + (rest === '' ? '}' : ',' + rest.slice(1));
}

function labelSet(labels: Labels, skipName: boolean): string {
  let out = '';
  for (const k in labels) {
    if (skipName && k === METRIC_NAME) continue;
    out += (out === '' ? '{' : ',') + quoteName(k) + '="' + escapeLabelValue(labels[k]) + '"';
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
