import { canonicalLabels, METRIC_NAME, type Labels } from '../../schemas/labels.js';
import type { Appender } from '../../schemas/sample-sink.js';
import { expfmtFloat } from './go-float.js';
import type { LabelRules } from './label-rules.js';
import { MetricStore, type MetricGroup } from './metric-store.js';

interface EmittedSeries {
  readonly labels: Labels;
  readonly value: number;
}

/**
 * The series a Prometheus scraping the Pushgateway with `honor_labels: true` would store for one
 * group: the exposed labels kept (empty values mean "no label", so the `instance=""` the
 * Pushgateway adds disappears), `le`/`quantile` as expfmt writes them, push_time_seconds and
 * push_failure_time_seconds included; then the series label rules. On a label-set collision made
 * by the rules the first series wins.
 */
export function groupSeries(g: MetricGroup, rules: LabelRules): Map<string, EmittedSeries> {
  const out = new Map<string, EmittedSeries>();
  const add = (name: string, labels: Readonly<Record<string, string>>, extra: string, extraValue: number, value: number): void => {
    const l: Record<string, string> = { [METRIC_NAME]: name };
    for (const k in labels) if (labels[k] !== '') l[k] = labels[k];
    if (extra !== '') l[extra] = expfmtFloat(extraValue);
    const final = rules.series(l);
    const key = canonicalLabels(final);
    if (!out.has(key)) out.set(key, { labels: final, value });
  };
  for (const f of MetricStore.exposedFamilies(g)) {
    for (const m of f.metrics) {
      if (f.type === 'histogram') {
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
    const now = groupSeries(g, this.rules);
    const before = this.last.get(g.key);
    const keep = new Map<string, Labels>();
    for (const [key, s] of now) {
      app.append(s.labels, t, s.value);
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

  /** Records a group's series without emitting (after a restart, so later changes mark the right series stale). */
  remember(g: MetricGroup): void {
    const keep = new Map<string, Labels>();
    for (const [key, s] of groupSeries(g, this.rules)) keep.set(key, s.labels);
    this.last.set(g.key, keep);
  }
}
