import { goFloat } from './go-float.js';
import { MetricStore, type MetricGroup } from './metric-store.js';
import { PUSH_FAILURE_TIME_METRIC, PUSH_TIME_METRIC, type PushedMetric, type PushedType } from './pushed-family.js';

/** `GET /api/v1/metrics` data: one object per group, as the Pushgateway's API answers it. */
export function apiMetrics(groups: Iterable<MetricGroup>): unknown[] {
  const out: unknown[] = [];
  for (const g of groups) {
    const entry: Record<string, unknown> = { labels: g.labels, last_push_successful: g.lastPushMs >= g.lastFailureMs };
    for (const f of MetricStore.exposedFamilies(g)) {
      const at =
        f.name === PUSH_TIME_METRIC ? g.pushFamilyAtMs : f.name === PUSH_FAILURE_TIME_METRIC ? g.failureFamilyAtMs : (g.families.get(f.name)?.pushedAtMs ?? 0);
      const fam: Record<string, unknown> = { time_stamp: new Date(at).toISOString(), type: f.type.toUpperCase() };
      if (f.help) fam.help = f.help;
      fam.metrics = f.metrics.map((m) => encodableMetric(m, f.type));
      entry[f.name] = fam;
    }
    out.push(entry);
  }
  return out;
}

function encodableMetric(m: PushedMetric, type: PushedType): Record<string, unknown> {
  const out: Record<string, unknown> = { labels: m.labels };
  if (type === 'summary') {
    out.quantiles = Object.fromEntries((m.quantiles ?? []).map(([q, v]) => [goFloat(q), goFloat(v)]));
    out.count = String(Math.trunc(m.count ?? 0));
    out.sum = goFloat(m.sum ?? 0);
  } else if (type === 'histogram') {
    out.sum = goFloat(m.sum ?? 0);
    out.buckets = Object.fromEntries((m.buckets ?? []).map(([ub, c]) => [goFloat(ub), String(Math.trunc(c))]));
    out.count = String(Math.trunc(m.count ?? 0));
  } else {
    out.value = goFloat(m.value ?? 0);
  }
  return out;
}

/** The Pushgateway API's success envelope. */
export function apiEnvelope(data: unknown): string {
  return JSON.stringify({ status: 'success', data });
}
