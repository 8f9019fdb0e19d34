import { escapeExposedName, escapeLabels, escapeLabelValue, quoteName, writeDelimitedProtobuf, type NameEscapingScheme } from '../../schemas/exposition/index.js';
import { isValidMetricName } from '../../schemas/labels.js';
import { expfmtFloat } from './go-float.js';
import { MetricStore, type MetricGroup } from './metric-store.js';
import type { PushedFamily, PushedMetric, PushedType } from './pushed-family.js';

export interface GatheredFamily {
  readonly name: string;
  readonly type: PushedType;
  readonly help?: string;
  readonly metrics: PushedMetric[];
}

/**
 * Merges every group's families by name (type of the first group; help of the most recent push,
 * where the Pushgateway picks one at random), sorted as client_golang normalizes them: families
 * by name, metrics by label count and then label values in name order.
 */
export function gatherFamilies(groups: Iterable<MetricGroup>): GatheredFamily[] {
  const byName = new Map<string, { f: GatheredFamily; helpAt: number }>();
  for (const g of groups) {
    const at = new Map<string, number>();
    for (const [name, s] of g.families) at.set(name, s.pushedAtMs);
    for (const fam of MetricStore.exposedFamilies(g)) {
      const pushedAt = at.get(fam.name) ?? -1;
      const cur = byName.get(fam.name);
      if (cur === undefined) {
        byName.set(fam.name, { f: { name: fam.name, type: fam.type, help: fam.help, metrics: [...fam.metrics] }, helpAt: pushedAt });
        continue;
      }
      cur.f.metrics.push(...fam.metrics);
      if (pushedAt > cur.helpAt) {
        cur.f = { ...cur.f, help: fam.help };
        cur.helpAt = pushedAt;
      }
    }
  }
  const out = [...byName.values()].map((e) => e.f);
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const f of out) f.metrics.sort(compareMetrics);
  return out;
}

function compareMetrics(a: PushedMetric, b: PushedMetric): number {
  const ka = Object.keys(a.labels);
  const kb = Object.keys(b.labels);
  if (ka.length !== kb.length) return ka.length - kb.length;
  for (let i = 0; i < ka.length; i++) {
    const va = a.labels[ka[i]];
    const vb = b.labels[kb[i]];
    if (va !== vb) return va < vb ? -1 : 1;
  }
  return 0;
}

const TEXT_TYPE: Record<PushedType, string> = {
  counter: 'counter',
  gauge: 'gauge',
  untyped: 'untyped',
  histogram: 'histogram',
  summary: 'summary',
};

/** Text format 0.0.4 exactly as expfmt writes it (the Pushgateway's `GET /metrics`). */
export function writePushgatewayText(families: readonly GatheredFamily[] | readonly PushedFamily[]): string {
  let out = '';
  for (const f of families) {
    if (f.help !== undefined) out += `# HELP ${quoteName(f.name)} ${f.help.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'))}\n`;
    out += `# TYPE ${quoteName(f.name)} ${TEXT_TYPE[f.type]}\n`;
    for (const m of f.metrics) {
      const labels = labelText(m.labels);
      if (f.type === 'histogram') {
        let infSeen = false;
        for (const [ub, c] of m.buckets ?? []) {
          if (ub === Infinity) infSeen = true;
          out += line(f.name + '_bucket', labels, 'le', ub, c);
        }
        if (!infSeen) out += line(f.name + '_bucket', labels, 'le', Infinity, m.count ?? 0);
        out += line(f.name + '_sum', labels, '', 0, m.sum ?? 0);
        out += line(f.name + '_count', labels, '', 0, m.count ?? 0);
      } else if (f.type === 'summary') {
        for (const [q, v] of m.quantiles ?? []) out += line(f.name, labels, 'quantile', q, v);
        out += line(f.name + '_sum', labels, '', 0, m.sum ?? 0);
        out += line(f.name + '_count', labels, '', 0, m.count ?? 0);
      } else {
        out += line(f.name, labels, '', 0, m.value ?? 0);
      }
    }
  }
  return out;
}

function labelText(labels: Readonly<Record<string, string>>): string {
  let out = '';
  for (const k in labels) out += (out === '' ? '' : ',') + quoteName(k) + '="' + escapeLabelValue(labels[k]) + '"';
  return out;
}

function line(name: string, labels: string, extraName: string, extraValue: number, value: number): string {
  let set = labels;
  if (extraName !== '') set += (set === '' ? '' : ',') + `${extraName}="${expfmtFloat(extraValue)}"`;
  // A name that is not a legacy one goes quoted first inside the braces, as expfmt writes it.
  if (!isValidMetricName(name)) return `{${quoteName(name)}${set === '' ? '' : ',' + set}} ${expfmtFloat(value)}\n`;
  return `${name}${set === '' ? '' : `{${set}}`} ${expfmtFloat(value)}\n`;
}

/** The families with names escaped as a client's `escaping` asks (legacy names stay). */
export function escapeGathered(families: readonly GatheredFamily[], scheme: NameEscapingScheme): GatheredFamily[] {
  if (scheme === 'allow-utf-8') return [...families];
  return families.map((f) => ({ ...f, name: escapeExposedName(f.name, scheme), metrics: f.metrics.map((m) => ({ ...m, labels: { ...escapeLabels(m.labels, scheme) } })) }));
}

/**
 * The delimited protobuf exposition of the gathered families (the Pushgateway's `GET /metrics` to
 * a client that prefers protobuf): every type, a histogram with its classic buckets as pushed and
 * its native histogram when it has one.
 */
export function writePushgatewayProtobuf(families: readonly GatheredFamily[]): Buffer {
  return writeDelimitedProtobuf(families.map((f) => ({
    name: f.name,
    help: f.help,
    type: f.type,
    metrics: f.metrics.map((m) => {
      const labels = Object.entries(m.labels);
      if (f.type === 'summary') return { labels, summary: { count: m.count ?? 0, sum: m.sum ?? 0, quantiles: m.quantiles ?? [] } };
      if (f.type === 'histogram') return { labels, classic: { count: m.count ?? 0, sum: m.sum ?? 0, buckets: m.buckets ?? [] }, histogram: m.native };
      return { labels, value: m.value ?? 0 };
    }),
  })));
}
