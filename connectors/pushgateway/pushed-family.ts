import type { ExpositionFamily, ParsedExposition } from '../../schemas/exposition/index.js';
import { InvalidPushError } from '../http-edge/index.js';
import { METRIC_NAME, type Labels } from '../../schemas/labels.js';
import type { HistogramValue } from '../../schemas/sample.js';

/** The metric types of the Pushgateway's data model (client_model's MetricFamily). */
export type PushedType = 'counter' | 'gauge' | 'untyped' | 'histogram' | 'summary';

/**
 * One metric of a family as the Pushgateway holds it: labels (sorted by name, grouping labels and
 * `instance` set; `le`/`quantile` are not labels here), and the value or the histogram/summary.
 */
export interface PushedMetric {
  labels: Record<string, string>;
  /** counter, gauge, untyped. */
  value?: number;
  /** histogram and summary. */
  sum?: number;
  count?: number;
  /** histogram: [upper bound, cumulative count] in pushed order. */
  buckets?: Array<[number, number]>;
  /** summary: [quantile, value] in pushed order. */
  quantiles?: Array<[number, number]>;
  /** histogram pushed in protobuf with native-histogram data: that native histogram. */
  native?: HistogramValue;
}

export interface PushedFamily {
  readonly name: string;
  readonly type: PushedType;
  /** Undefined when the push had no HELP line. */
  readonly help?: string;
  readonly metrics: PushedMetric[];
}

export const PUSH_TIME_METRIC = 'push_time_seconds';
export const PUSH_FAILURE_TIME_METRIC = 'push_failure_time_seconds';
export const PUSH_TIME_HELP = 'Last Unix time when changing this group in the Pushgateway succeeded.';
export const PUSH_FAILURE_TIME_HELP = 'Last Unix time when changing this group in the Pushgateway failed.';

export interface ConvertedPush {
  readonly families: Map<string, PushedFamily>;
  /** Some sample carried a timestamp: the Pushgateway rejects such pushes. */
  readonly hasTimestamps: boolean;
  readonly sampleCount: number;
}

/**
 * Turns a parsed exposition into the Pushgateway's families (histogram and summary samples
 * folded into one metric per label set, a protobuf native histogram kept beside its classic buckets), with the grouping labels forced onto every metric and an
 * empty `instance` added where missing (the Pushgateway's sanitizeLabels). OpenMetrics counters
 * become families named by their `_total` samples; `_created` samples are dropped (the 0.0.4 model
 * has no place for them).
 */
export function convertPush(parsed: ParsedExposition, grouping: Labels): ConvertedPush {
  const families = new Map<string, PushedFamily>();
  let hasTimestamps = false;
  for (const s of parsed.samples) if (s.timestamp !== undefined) hasTimestamps = true;
  const add = (name: string, type: PushedType, help: string): PushedFamily => {
    let f = families.get(name);
    if (f === undefined) {
      f = { name, type, help: help === '' ? undefined : help, metrics: [] };
      families.set(name, f);
    }
    return f;
  };
  for (const f of parsed.families) {
    if (f.samples.length === 0) continue;
    switch (f.type) {
      case 'histogram':
      case 'summary':
        foldComplex(add(f.name, f.type, f.help), f, grouping);
        break;
      case 'counter':
      case 'gauge':
      case 'unknown':
      case 'info':
      case 'stateset':
      case 'gaugehistogram':
        for (const s of f.samples) {
          const name = s.labels[METRIC_NAME];
          if (f.type === 'counter' && name.endsWith('_created') && name !== f.name) continue;
          const type: PushedType = f.type === 'counter' ? 'counter' : f.type === 'unknown' || f.type === 'gaugehistogram' ? 'untyped' : 'gauge';
          add(name, type, f.help).metrics.push({ labels: sanitize(s.labels, grouping), value: s.value });
        }
        break;
    }
  }
  families.delete(PUSH_TIME_METRIC);
  families.delete(PUSH_FAILURE_TIME_METRIC);
  return { families, hasTimestamps, sampleCount: parsed.samples.length };
}

function foldComplex(family: PushedFamily, f: ExpositionFamily, grouping: Labels): void {
  const byKey = new Map<string, PushedMetric>();
  const special = f.type === 'histogram' ? 'le' : 'quantile';
  for (const s of f.samples) {
    const name = s.labels[METRIC_NAME];
    const suffix = name.slice(f.name.length);
    if (suffix === '_created') continue;
    const own: Record<string, string> = {};
    for (const k in s.labels) if (k !== METRIC_NAME && k !== special) own[k] = s.labels[k];
    const labels = sanitize(own, grouping);
    const key = JSON.stringify(labels);
    let m = byKey.get(key);
    if (m === undefined) {
      m = f.type === 'histogram' ? { labels, sum: 0, count: 0, buckets: [] } : { labels, sum: 0, count: 0, quantiles: [] };
      byKey.set(key, m);
      family.metrics.push(m);
    }
    if (s.histogram !== undefined) {
      // The native histogram comes before its classic series, which then overwrite count and sum with the same values.
      m.native = s.histogram;
      m.count = s.histogram.count;
      m.sum = s.histogram.sum;
    } else if (suffix === '_sum') m.sum = s.value;
    else if (suffix === '_count') m.count = s.value;
    else {
      const bound = parseGoFloat(s.labels[special], special, name);
      if (f.type === 'histogram') m.buckets?.push([bound, s.value]);
      else m.quantiles?.push([bound, s.value]);
    }
  }
}

/** Grouping labels override pushed ones; `instance` is added (empty) when missing; names sorted. */
export function sanitize(labels: Labels, grouping: Labels): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const k in labels) if (k !== METRIC_NAME) merged[k] = labels[k];
  for (const k in grouping) merged[k] = grouping[k];
  if (!('instance' in merged)) merged.instance = '';
  const out: Record<string, string> = {};
  for (const k of Object.keys(merged).sort()) out[k] = merged[k];
  return out;
}

function parseGoFloat(text: string | undefined, label: string, metric: string): number {
  const t = (text ?? '').trim();
  const lower = t.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === 'nan') return Number.NaN;
  const v = t === '' ? Number.NaN : Number(t);
  if (Number.isNaN(v)) {
    throw new InvalidPushError(`expected float as value for '${label}' label of metric ${metric}, got ${JSON.stringify(text ?? '')}`, 'invalid_label_value', {
      label,
    });
  }
  return v;
}

/** A gauge family holding one timestamp metric of a group (push_time_seconds and its failure twin). */
export function timestampFamily(name: string, help: string, grouping: Labels, ms: number): PushedFamily {
  return { name, type: 'gauge', help, metrics: [{ labels: sanitize({}, grouping), value: ms / 1000 }] };
}
