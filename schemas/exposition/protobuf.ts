import { METRIC_NAME, type Labels } from '../labels.js';
import { FloatHistogram, formatGoFloat, Histogram } from '../native-histogram/index.js';
import type { HistogramValue } from '../sample.js';
import { ExpositionParseError } from './errors.js';
import {
  PROTO_METRIC_TYPES,
  readMetricFamily,
  type ProtoExemplar,
  type ProtoHistogram,
  type ProtoMetric,
  type ProtoMetricFamily,
} from './metric-family-message.js';
import type { Entry, Exemplar, MetricType, Parser } from './parser.js';
import { ProtoWireReader, WireError } from './proto-wire-reader.js';

/** The Content-Type (and Accept value) of the delimited protobuf exposition. */
export const PROMETHEUS_PROTOBUF_CONTENT_TYPE = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';

export interface ProtobufParserOptions {
  /**
   * A histogram with native-histogram data comes out as a 'histogram' entry (Prometheus'
   * `scrape_native_histograms`). Without it, every histogram comes out as its classic series
   * (`_count`, `_sum`, `_bucket`), as Prometheus parses it when native histograms are off.
   */
  readonly nativeHistograms: boolean;
  /**
   * A native histogram that also has classic buckets comes out as both: the 'histogram' entry,
   * then its classic series (Prometheus' `always_scrape_classic_histograms`).
   */
  readonly classicHistograms: boolean;
  /**
   * Classic buckets come out as the exposition has them, without the `+Inf` bucket Prometheus adds
   * when it is missing (for keeping a page as pushed, as the Pushgateway does). Default false.
   */
  readonly bucketsAsExposed?: boolean;
}

/** One entry still to be handed out for the current family. */
interface PendingEntry {
  readonly kind: 'series' | 'histogram';
  readonly labels: Labels;
  readonly value: number;
  readonly histogram: HistogramValue | undefined;
  readonly exemplar: ProtoExemplar | undefined;
  /** A native histogram's exemplars (with a timestamp); empty for other entries. */
  readonly histogramExemplars?: readonly ProtoExemplar[];
  readonly timestampMs: number;
}

/**
 * Go's `strconv.FormatFloat(f, 'g', -1, 64)` with `.0` appended to integers, as Prometheus' protobuf
 * parser writes `le` and `quantile` values (`1.0`, `0.5`, `+Inf`).
 */
export function formatOpenMetricsFloat(v: number): string {
  const s = formatGoFloat(v);
  if (!Number.isFinite(v) || s.includes('.') || s.includes('e')) return s;
  return `${s}.0`;
}

/**
 * Whether a protobuf histogram carries native-histogram data, as Prometheus decides it: any span,
 * a zero threshold or a zero count. (A native histogram with no observation and a zero threshold
 * of 0 is told apart by a no-op span, offset 0 length 0.)
 */
export function isNativeHistogram(h: ProtoHistogram): boolean {
  return h.positiveSpans.length > 0 || h.negativeSpans.length > 0 || h.zeroThreshold > 0 || h.zeroCount > 0 || h.zeroCountFloat > 0;
}

/** The native histogram of a protobuf histogram: float counts when a float count is set, integer ones otherwise. */
export function nativeHistogramOf(h: ProtoHistogram, gauge: boolean): HistogramValue {
  const common = {
    counterResetHint: gauge ? ('gauge' as const) : ('unknown' as const),
    schema: h.schema,
    zeroThreshold: h.zeroThreshold,
    sum: h.sampleSum,
    positiveSpans: h.positiveSpans,
    negativeSpans: h.negativeSpans,
  };
  if (h.sampleCountFloat > 0 || h.zeroCountFloat > 0) {
    return new FloatHistogram({ ...common, count: h.sampleCountFloat, zeroCount: h.zeroCountFloat, positiveBuckets: h.positiveCounts, negativeBuckets: h.negativeCounts }).compact(0);
  }
  return new Histogram({ ...common, count: h.sampleCount, zeroCount: h.zeroCount, positiveBuckets: h.positiveDeltas, negativeBuckets: h.negativeDeltas }).compact(0);
}

/**
 * A pull parser over the delimited protobuf exposition (a sequence of varint-length-prefixed
 * `io.prometheus.client.MetricFamily` messages), presented as the text formats are, as
 * Prometheus' `textparse.ProtobufParser`: per family a 'help' entry, a 'unit' entry when it has a
 * unit, a 'type' entry, then its samples. Summaries and classic histograms become their `_count`,
 * `_sum`, `quantile`/`le` series (`le` and `quantile` printed as `1.0`, and a `+Inf` bucket added
 * when the exposition has none); native histograms become 'histogram' entries. A timestamp of 0
 * means none (proto3 cannot tell them apart). Families without metrics are skipped.
 *
 * `line()` is the 1-based index of the current family; errors give it and the byte offset.
 */
export class ProtobufParser implements Parser {
  private pos = 0;
  private familyIndex = 0;
  private family: ProtoMetricFamily | undefined;
  private currentType: MetricType = 'unknown';
  private metadata: Array<'help' | 'unit' | 'type'> = [];
  private pending: PendingEntry[] = [];
  private pendingAt = 0;
  private metricAt = 0;
  private current: PendingEntry | undefined;
  private failed: ExpositionParseError | undefined;

  constructor(
    private readonly body: Uint8Array,
    private readonly options: ProtobufParserOptions,
  ) {}

  next(): Entry | undefined {
    if (this.failed !== undefined) throw this.failed;
    try {
      return this.advance();
    } catch (err) {
      if (!(err instanceof WireError) && !(err instanceof ExpositionParseError)) throw err;
      this.failed = err instanceof WireError ? new ExpositionParseError('protobuf', this.familyIndex, err.offset, err.detail, { cause: err }) : err;
      throw this.failed;
    }
  }

  private advance(): Entry | undefined {
    for (;;) {
      if (this.metadata.length > 0) return this.metadata.shift()!;
      if (this.pendingAt < this.pending.length) {
        this.current = this.pending[this.pendingAt++];
        return this.current.kind;
      }
      const f = this.family;
      if (f !== undefined && this.metricAt < f.metrics.length) {
        this.pending = this.entriesOf(f, f.metrics[this.metricAt++]);
        this.pendingAt = 0;
        continue;
      }
      if (this.pos >= this.body.length) return undefined;
      this.readFamily();
    }
  }

  private readFamily(): void {
    const r = new ProtoWireReader(this.body, this.pos, this.body.length);
    this.familyIndex++;
    const stop = r.lenEnd();
    r.end = stop;
    const f = readMetricFamily(r);
    this.pos = stop;
    this.family = f;
    this.metricAt = 0;
    this.pending = [];
    this.pendingAt = 0;
    if (f.metrics.length === 0) return;
    // Any UTF-8 name, as Prometheus 3 reads protobuf; the scrape applies the validation scheme.
    if (f.name === '') this.fail('invalid metric name: empty');
    const type = PROTO_METRIC_TYPES[f.type];
    if (type === undefined) this.fail(`unknown metric type for metric ${JSON.stringify(f.name)}: ${f.type}`);
    this.currentType = type === 'untyped' ? 'unknown' : type;
    if (f.unit !== '') checkUnit(f, type, (m) => this.fail(m));
    this.metadata = f.unit === '' ? ['help', 'type'] : ['help', 'unit', 'type'];
  }

  private fail(detail: string): never {
    throw new ExpositionParseError('protobuf', this.familyIndex, this.pos, detail);
  }

  /** The entries one metric becomes. */
  private entriesOf(f: ProtoMetricFamily, m: ProtoMetric): PendingEntry[] {
    const t = m.timestampMs;
    const type = this.currentType;
    // One series per metric (most of a page): its labels built once, without a closure.
    if (type === 'counter' || type === 'gauge' || type === 'unknown') {
      const exemplar = type === 'counter' ? m.counterExemplar : undefined;
      return [{ kind: 'series', labels: this.labelsOf(f, m, f.name), value: m.value, histogram: undefined, exemplar, timestampMs: t }];
    }
    const base = this.labelsOf(f, m, undefined);
    const series = (suffix: string, value: number, extra?: [string, string], exemplar?: ProtoExemplar): PendingEntry => {
      const labels: Record<string, string> = { [METRIC_NAME]: f.name + suffix, ...base };
      if (extra !== undefined) labels[extra[0]] = extra[1];
      return { kind: 'series', labels, value, histogram: undefined, exemplar, timestampMs: t };
    };
    switch (this.currentType) {
      case 'summary': {
        const s = m.summary ?? { sampleCount: 0, sampleSum: 0, quantiles: [] };
        const out = [series('_count', s.sampleCount), series('_sum', s.sampleSum)];
        for (const q of s.quantiles) out.push(series('', q.value, ['quantile', formatOpenMetricsFloat(q.quantile)]));
        return out;
      }
      case 'histogram':
      case 'gaugehistogram': {
        const h = m.histogram;
        if (h === undefined) return this.classicOf(series, emptyHistogram());
        if (this.options.nativeHistograms && isNativeHistogram(h)) {
          const native: PendingEntry = {
            kind: 'histogram',
            labels: { [METRIC_NAME]: f.name, ...base },
            value: 0,
            histogram: nativeHistogramOf(h, this.currentType === 'gaugehistogram'),
            exemplar: undefined,
            histogramExemplars: nativeHistogramExemplars(h),
            timestampMs: t,
          };
          return this.options.classicHistograms && h.buckets.length > 0 ? [native, ...this.classicOf(series, h)] : [native];
        }
        return this.classicOf(series, h);
      }
      default:
        return [series('', m.value)];
    }
  }

  /** The metric's labels (checked: valid names, no duplicates), with `__name__` first when given. */
  private labelsOf(f: ProtoMetricFamily, m: ProtoMetric, name: string | undefined): Record<string, string> {
    const out: Record<string, string> = name === undefined ? {} : { [METRIC_NAME]: name };
    for (const l of m.labels) {
      if (l.name === '' || l.name === METRIC_NAME) this.fail(`invalid label name ${JSON.stringify(l.name)} for metric ${JSON.stringify(f.name)}`);
      if (l.name in out) this.fail(`duplicate label name ${JSON.stringify(l.name)} for metric ${JSON.stringify(f.name)}`);
      out[l.name] = l.value;
    }
    return out;
  }

  private classicOf(
    series: (suffix: string, value: number, extra?: [string, string], exemplar?: ProtoExemplar) => PendingEntry,
    h: ProtoHistogram,
  ): PendingEntry[] {
    const count = h.sampleCountFloat !== 0 ? h.sampleCountFloat : h.sampleCount;
    const out = [series('_count', count), series('_sum', h.sampleSum)];
    let sawInf = false;
    for (const b of h.buckets) {
      const v = b.cumulativeCountFloat !== 0 ? b.cumulativeCountFloat : b.cumulativeCount;
      out.push(series('_bucket', v, ['le', formatOpenMetricsFloat(b.upperBound)], b.exemplar));
      if (b.upperBound === Infinity) {
        sawInf = true;
        break;
      }
    }
    if (!sawInf && this.options.bucketsAsExposed !== true) out.push(series('_bucket', count, ['le', '+Inf']));
    return out;
  }

  metricName(): string {
    return this.current?.labels[METRIC_NAME] ?? '';
  }

  labels(): Labels {
    return { ...(this.current?.labels ?? {}) };
  }

  value(): number {
    return this.current?.value ?? 0;
  }

  timestamp(): number | undefined {
    const t = this.current?.timestampMs ?? 0;
    return t === 0 ? undefined : t;
  }

  histogram(): HistogramValue {
    const h = this.current?.histogram;
    if (h === undefined) throw new Error('ProtobufParser.histogram() called on an entry that is not a histogram');
    return h;
  }

  exemplar(): Exemplar | undefined {
    const ex = this.current?.exemplar;
    return ex === undefined ? undefined : exemplarOf(ex);
  }

  histogramExemplars(): Exemplar[] {
    return (this.current?.histogramExemplars ?? []).map(exemplarOf);
  }

  familyName(): string {
    return this.family?.name ?? '';
  }

  familyType(): MetricType {
    return this.currentType;
  }

  metadataName(): string {
    return this.family?.name ?? '';
  }

  help(): string {
    return this.family?.help ?? '';
  }

  type(): MetricType {
    return this.currentType;
  }

  unit(): string {
    return this.family?.unit ?? '';
  }

  comment(): string {
    return '';
  }

  line(): number {
    return this.familyIndex;
  }
}

function exemplarOf(ex: ProtoExemplar): Exemplar {
  const labels: Record<string, string> = {};
  for (const l of ex.labels) labels[l.name] = l.value;
  return ex.timestampMs === undefined ? { labels, value: ex.value } : { labels, value: ex.value, timestamp: ex.timestampMs };
}

/**
 * The exemplars Prometheus 3 ingests with a native histogram: the histogram's own exemplars when
 * it has any, otherwise those of its classic buckets; either way only those with a timestamp
 * (without one, repeated and new exemplars cannot be told apart).
 */
export function nativeHistogramExemplars(h: ProtoHistogram): ProtoExemplar[] {
  const all = h.exemplars.length > 0 ? h.exemplars : h.buckets.flatMap((b) => (b.exemplar === undefined ? [] : [b.exemplar]));
  return all.filter((ex) => ex.timestampMs !== undefined);
}

function emptyHistogram(): ProtoHistogram {
  return {
    sampleCount: 0, sampleCountFloat: 0, sampleSum: 0, buckets: [], schema: 0, zeroThreshold: 0, zeroCount: 0, zeroCountFloat: 0,
    negativeSpans: [], negativeDeltas: [], negativeCounts: [], positiveSpans: [], positiveDeltas: [], positiveCounts: [], exemplars: [],
  };
}

/** A unit must be a suffix of the name (before `_total` for counters), as Prometheus checks it. */
function checkUnit(f: ProtoMetricFamily, type: string, fail: (m: string) => never): void {
  const name = type === 'counter' && f.name.endsWith('_total') ? f.name.slice(0, -6) : f.name;
  if (!name.endsWith(`_${f.unit}`)) {
    fail(`unit ${JSON.stringify(f.unit)} not a suffix of ${type === 'counter' ? 'counter' : 'metric'} ${JSON.stringify(f.name)}`);
  }
}
