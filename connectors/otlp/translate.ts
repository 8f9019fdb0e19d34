import type { Labels } from '../../schemas/labels.js';
import type { MetricMetadataEntry } from '../../schemas/metric-metadata-codec.js';
import type { OtlpKeyValue, OtlpMetric, OtlpRequest } from './otlp-request.js';

/** One sample of the translated request. */
export interface OtlpSample {
  readonly labels: Labels;
  readonly t: number;
  readonly v: number;
  /** The point carried the "no recorded value" flag: a staleness marker. */
  readonly stale: boolean;
  /** The point's start time (ms) for a cumulative counter's samples; absent or 0 when unknown. */
  readonly st?: number;
}

export interface TranslatedOtlp {
  readonly samples: OtlpSample[];
  readonly metadata: MetricMetadataEntry[];
  /** Metrics not stored, with why (delta temporality, exponential histograms). */
  readonly dropped: Array<{ metric: string; reason: string; points: number }>;
}

// Prometheus' otlptranslator unit names (UnderscoreEscapingWithSuffixes, the default).
const UNITS: Readonly<Record<string, string>> = {
  d: 'days', h: 'hours', min: 'minutes', s: 'seconds', ms: 'milliseconds', us: 'microseconds', ns: 'nanoseconds',
  By: 'bytes', KiBy: 'kibibytes', MiBy: 'mebibytes', GiBy: 'gibibytes', TiBy: 'tibibytes',
  KBy: 'kilobytes', MBy: 'megabytes', GBy: 'gigabytes', TBy: 'terabytes',
  m: 'meters', V: 'volts', A: 'amperes', J: 'joules', W: 'watts', g: 'grams', Cel: 'celsius', Hz: 'hertz', '1': '', '%': 'percent',
};
const PER_UNITS: Readonly<Record<string, string>> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year' };
const NO_VALUE_FLAG = 1;
const DELTA = 1;
/** Resource attributes that become job and instance instead of target_info labels. */
const IDENTITY = new Set(['service.name', 'service.namespace', 'service.instance.id']);

const cleanUnit = (u: string) => u.replace(/[^a-zA-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');

/** The Prometheus name of an OTLP metric: invalid runs become `_`, unit and `_total`/`_ratio` suffixes. */
export function promMetricName(m: OtlpMetric): string {
  let tokens = (m.name ?? '').split(/[^a-zA-Z0-9:]+/).filter((t) => t !== '');
  const unit = m.unit ?? '';
  const [main, per] = unit.split('/', 2).map((u) => u.trim());
  let mainProm = '';
  let perProm = '';
  if (main !== undefined && main !== '' && !/[{}]/.test(main)) {
    mainProm = cleanUnit(UNITS[main] ?? main);
    if (tokens.includes(mainProm)) mainProm = '';
  }
  if (per !== undefined && per !== '' && !/[{}]/.test(per)) {
    perProm = cleanUnit(PER_UNITS[per] ?? per);
    perProm = perProm === '' ? '' : `per_${perProm}`;
    if (tokens.includes(perProm)) perProm = '';
  }
  if (mainProm !== '') tokens.push(mainProm);
  if (perProm !== '') tokens.push(perProm);
  if (m.sum !== undefined && m.sum.isMonotonic === true) tokens = [...tokens.filter((t) => t !== 'total'), 'total'];
  if (unit === '1' && m.gauge !== undefined) tokens = [...tokens.filter((t) => t !== 'ratio'), 'ratio'];
  const name = tokens.join('_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** An attribute key as a Prometheus label name (Prometheus' NormalizeLabel). */
export function promLabelName(key: string): string {
  if (key === '') return key;
  let name = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(name)) name = `key_${name}`;
  else if (name.startsWith('_') && !name.startsWith('__')) name = `key${name}`;
  return name;
}

function attributeText(v: OtlpKeyValue['value']): string {
  if (v === undefined) return '';
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return String(v.boolValue);
  if (v.intValue !== undefined) return String(v.intValue);
  if (v.doubleValue !== undefined) return String(v.doubleValue);
  if (v.bytesValue !== undefined) return v.bytesValue;
  return JSON.stringify(v.arrayValue ?? v.kvlistValue ?? '');
}

/** Attributes as labels; values of keys that normalize to one name are joined with `;`, as Prometheus does. */
function attributeLabels(attrs: readonly OtlpKeyValue[] | undefined, into: Record<string, string>, skip?: ReadonlySet<string>): void {
  for (const kv of [...(attrs ?? [])].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    if (skip?.has(kv.key)) continue;
    const name = promLabelName(kv.key);
    const value = attributeText(kv.value);
    if (name === '' || value === '') continue;
    into[name] = into[name] === undefined ? value : `${into[name]};${value}`;
  }
}

const ms = (nanos: string | undefined) => Math.floor(Number(BigInt(nanos ?? '0') / 1_000_000n));
const num = (s: string | undefined) => Number(s ?? '0');
const boundText = (b: number) => (b === Infinity ? '+Inf' : b === -Infinity ? '-Inf' : String(b));

/**
 * Translates an OTLP metrics request as Prometheus 3's OTLP receiver does by default: job and
 * instance from service.namespace/service.name and service.instance.id, the other resource
 * attributes on a `target_info` series, point attributes as labels, names with unit and type
 * suffixes, histograms as `_bucket`/`_sum`/`_count`, summaries with `quantile`. Delta sums and
 * histograms and exponential histograms are dropped (Prometheus 3 keeps none of them by default).
 */
export function translateOtlp(req: OtlpRequest): TranslatedOtlp {
  const samples: OtlpSample[] = [];
  const metadata: MetricMetadataEntry[] = [];
  const dropped: TranslatedOtlp['dropped'] = [];
  for (const rm of req.resourceMetrics ?? []) {
    const attrs = rm.resource?.attributes ?? [];
    const attr = (k: string) => attributeText(attrs.find((a) => a.key === k)?.value);
    const base: Record<string, string> = {};
    const service = attr('service.name');
    const namespace = attr('service.namespace');
    if (service !== '') base.job = namespace !== '' ? `${namespace}/${service}` : service;
    if (attr('service.instance.id') !== '') base.instance = attr('service.instance.id');
    let newest = -Infinity;
    const push = (labels: Record<string, string>, t: number, v: number, stale: boolean, st = 0) => {
      samples.push(st === 0 ? { labels, t, v, stale } : { labels, t, v, stale, st });
      if (t > newest) newest = t;
    };
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const name = promMetricName(m);
        const pointLabels = (a: readonly OtlpKeyValue[] | undefined, extra: Record<string, string> = {}, suffix = '') => {
          const l: Record<string, string> = {};
          attributeLabels(a, l);
          return { ...l, ...base, ...extra, __name__: name + suffix };
        };
        let type = 'unknown';
        if (m.gauge !== undefined || m.sum !== undefined) {
          const d = m.gauge ?? m.sum!;
          const points = d.dataPoints ?? [];
          if (m.sum !== undefined && m.sum.aggregationTemporality === DELTA) {
            dropped.push({ metric: m.name ?? '', reason: 'delta temporality', points: points.length });
            continue;
          }
          type = m.sum?.isMonotonic === true ? 'counter' : 'gauge';
          // A cumulative counter's start time is when it started counting (its start timestamp).
          const counter = type === 'counter';
          for (const p of points) push(pointLabels(p.attributes), ms(p.timeUnixNano), p.asDouble ?? num(p.asInt), ((p.flags ?? 0) & NO_VALUE_FLAG) !== 0, counter ? ms(p.startTimeUnixNano) : 0);
        } else if (m.histogram !== undefined) {
          const points = m.histogram.dataPoints ?? [];
          if (m.histogram.aggregationTemporality === DELTA) {
            dropped.push({ metric: m.name ?? '', reason: 'delta temporality', points: points.length });
            continue;
          }
          type = 'histogram';
          for (const p of points) {
            const t = ms(p.timeUnixNano);
            const st = ms(p.startTimeUnixNano);
            const stale = ((p.flags ?? 0) & NO_VALUE_FLAG) !== 0;
            if (p.sum !== undefined) push(pointLabels(p.attributes, {}, '_sum'), t, p.sum, stale, st);
            push(pointLabels(p.attributes, {}, '_count'), t, num(p.count), stale, st);
            const bounds = p.explicitBounds ?? [];
            const counts = p.bucketCounts ?? [];
            let cumulative = 0;
            for (let i = 0; i < bounds.length; i++) {
              cumulative += num(counts[i]);
              push(pointLabels(p.attributes, { le: boundText(bounds[i]) }, '_bucket'), t, cumulative, stale, st);
            }
            push(pointLabels(p.attributes, { le: '+Inf' }, '_bucket'), t, num(p.count), stale, st);
          }
        } else if (m.summary !== undefined) {
          type = 'summary';
          for (const p of m.summary.dataPoints ?? []) {
            const t = ms(p.timeUnixNano);
            const st = ms(p.startTimeUnixNano);
            const stale = ((p.flags ?? 0) & NO_VALUE_FLAG) !== 0;
            push(pointLabels(p.attributes, {}, '_sum'), t, p.sum ?? 0, stale, st);
            push(pointLabels(p.attributes, {}, '_count'), t, num(p.count), stale, st);
            for (const q of p.quantileValues ?? []) push(pointLabels(p.attributes, { quantile: boundText(q.quantile ?? 0) }), t, q.value ?? 0, stale);
          }
        } else {
          dropped.push({ metric: m.name ?? '', reason: 'exponential histograms (native histograms) are not stored', points: 0 });
          continue;
        }
        const unit = (m.unit ?? '').split('/', 1)[0];
        metadata.push({ metric: name, type, help: m.description ?? '', unit: /[{}]/.test(unit) ? '' : cleanUnit(UNITS[unit] ?? unit) });
      }
    }
    // target_info: the resource's other attributes, at the resource's newest point.
    const info: Record<string, string> = {};
    attributeLabels(attrs, info, IDENTITY);
    if (Object.keys(info).length > 0 && newest > -Infinity) samples.push({ labels: { ...info, ...base, __name__: 'target_info' }, t: newest, v: 1, stale: false });
  }
  return { samples, metadata, dropped };
}
