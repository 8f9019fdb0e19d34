import { canonicalLabels, METRIC_NAME, type Labels } from '../../schemas/labels.js';
import { capSchema, EXPONENTIAL_SCHEMA_MAX } from '../../schemas/native-histogram/index.js';
import type { HistogramValue } from '../../schemas/sample.js';
import type { Appender } from '../../schemas/sample-sink.js';
import { expfmtFloat } from './go-float.js';
import type { LabelRules } from './label-rules.js';
import { MetricStore, type MetricGroup } from './metric-store.js';

interface EmittedSeries {
  readonly labels: Labels;
  readonly value: number;
  /** A native-histogram sample instead of `value`. */
  readonly histogram?: HistogramValue;
}

/**
 * A pushed native histogram as it is stored: one of schema 9..52 (from a newer client) reduced to
 * schema 8, as Prometheus 3 reduces it when it scrapes the Pushgateway; the pushed one itself is
 * kept as pushed (and served so by `GET /metrics`). Throws a HistogramError when its spans do not
 * fit its buckets.
 */
export function storedHistogram(h: HistogramValue): HistogramValue {
  return h.schema > EXPONENTIAL_SCHEMA_MAX ? capSchema(h.copy()) : h;
}

/**
 * The series a Prometheus scraping the Pushgateway with `honor_labels: true` would store for one
 * group: the exposed labels kept (empty values mean "no label", so the `instance=""` the
 * Pushgateway adds disappears), `le`/`quantile` as expfmt writes them, push_time_seconds and
 * push_failure_time_seconds included; then the series label rules. On a label-set collision made
 * by the rules the first series wins. With `nativeHistograms`, a histogram pushed with native data
 * becomes one native-histogram series instead of its classic ones, as a Prometheus scraping with
 * `scrape_native_histograms` stores it.
 */
export function groupSeries(g: MetricGroup, rules: LabelRules, nativeHistograms = true): Map<string, EmittedSeries> {
  const out = new Map<string, EmittedSeries>();
  const add = (name: string, labels: Readonly<Record<string, string>>, extra: string, extraValue: number, value: number, histogram?: HistogramValue): void => {
    const l: Record<string, string> = { [METRIC_NAME]: name };
    for (const k in labels) if (labels[k] !== '') l[k] = labels[k];
    if (extra !== '') l[extra] = expfmtFloat(extraValue);
    const final = rules.series(l);
    const key = canonicalLabels(final);
    if (!out.has(key)) out.set(key, histogram === undefined ? { labels: final, value } : { labels: final, value, histogram });
  };
  for (const f of MetricStore.exposedFamilies(g)) {
    for (const m of f.metrics) {
      if (f.type === 'histogram' && nativeHistograms && m.native !== undefined) {
        add(f.name, m.labels, '', 0, 0, storedHistogram(m.native));
      } else if (f.type === 'histogram') {
        let inf = false;
        for (const [ub, c] of m.buckets ?? []) {
          if (ub === Infinity) inf = true;
          add(f.name + '_bucket', m.labels, 'le', ub, c);
        }
        if (!inf) add(f.name + '_bucket', m.labels, 'le', Infinity, m.count ?? 0);
        add(f.name + '_sum', m.labels, '', 0, m.sum ?? 0);
        add(f.name + '_count', m.labels, '', 0, m.count ?? 0);
      } else if (f.type === 'summary') {
        for (const [q, v] of m.quantiles ?? []) add(f.name, m.labels, 'quantile', q, v);
        add(f.name + '_sum', m.labels, '', 0, m.sum ?? 0);
        add(f.name + '_count', m.labels, '', 0, m.count ?? 0);
      } else {
        add(f.name, m.labels, '', 0, m.value ?? 0);
      }
    }
  }
  return out;
}

/**
 * Appends groups' samples and remembers which series each group produced last, so that series
 * that vanish (a PUT without them, a DELETE, a TTL expiry) get a staleness marker, as a
 * Prometheus scrape would write when they disappear from the page.
 */
export class GroupEmitter {
  private readonly last = new Map<string, Map<string, Labels>>();

  constructor(private readonly rules: LabelRules) {}

  /** Appends the group's current samples at `t` and markers for its series that are gone. Returns the sample count. */
  appendGroup(app: Appender, g: MetricGroup, t: number): number {
    const now = groupSeries(g, this.rules, app.appendHistogram !== undefined);
    const before = this.last.get(g.key);
    const keep = new Map<string, Labels>();
    for (const [key, s] of now) {
      if (s.histogram !== undefined) app.appendHistogram!(s.labels, t, s.histogram);
      else app.append(s.labels, t, s.value);
      keep.set(key, s.labels);
    }
    let n = now.size;
    if (before !== undefined) {
      for (const [key, labels] of before) {
        if (!now.has(key)) {
          app.append(labels, t, Number.NaN, { stale: true });
          n++;
        }
      }
    }
    this.last.set(g.key, keep);
    return n;
  }

  /** Staleness markers at `t` for every series the group produced last. */
  appendGone(app: Appender, groupKey: string, t: number): number {
    const before = this.last.get(groupKey);
    this.last.delete(groupKey);
    if (before === undefined) return 0;
    for (const labels of before.values()) app.append(labels, t, Number.NaN, { stale: true });
    return before.size;
  }

  /**
   * Records a group's series without emitting (after a restart, so later changes mark the right
   * series stale); native histograms as the histogram series, as sinks that take them get them.
   */
  remember(g: MetricGroup): void {
    const keep = new Map<string, Labels>();
    for (const [key, s] of groupSeries(g, this.rules)) keep.set(key, s.labels);
    this.last.set(g.key, keep);
  }
}
