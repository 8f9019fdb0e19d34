import { goFloat } from './go-float.js';
import type { PushedFamily, PushedMetric, PushedType } from './pushed-family.js';

const TYPE_NAME: Record<PushedType, string> = {
  counter: 'COUNTER',
  gauge: 'GAUGE',
  untyped: 'UNTYPED',
  histogram: 'HISTOGRAM',
  summary: 'SUMMARY',
};

/**
 * The checks client_golang's Gatherers run when the Pushgateway gathers its store (which is how
 * it validates a push): families of the same name merged in order, then every metric checked for
 * suffix collisions with histograms/summaries, for a type that differs from its family's, and for
 * duplicate label sets. Returns the error text the Pushgateway would print, or undefined. Families
 * come in gathering order: the pushed group last, so its metrics are the ones named.
 */
export function checkConsistency(families: Iterable<PushedFamily>): string | undefined {
  const typeByName = new Map<string, PushedType>();
  const seen = new Set<string>();
  const errs: string[] = [];
  for (const f of families) {
    let famType = typeByName.get(f.name);
    if (famType === undefined) {
      famType = f.type;
      typeByName.set(f.name, famType);
    }
    for (const m of f.metrics) {
      const collision = suffixCollision(f.name, famType, typeByName);
      if (collision !== undefined) {
        errs.push(collision);
        continue;
      }
      if (f.type !== famType) {
        errs.push(`collected metric ${JSON.stringify(f.name)} { ${protoText(m, f.type)}} is not a ${TYPE_NAME[famType]}`);
        continue;
      }
      const key = f.name + '\u0000' + JSON.stringify(m.labels);
      if (seen.has(key)) {
        errs.push(`collected metric ${JSON.stringify(f.name)} { ${protoText(m, f.type)}} was collected before with the same name and label values`);
        continue;
      }
      seen.add(key);
    }
  }
  if (errs.length === 0) return undefined;
  if (errs.length === 1) return errs[0];
  return `${errs.length} error(s) occurred:` + errs.map((e) => `\n* ${e}`).join('');
}

function suffixCollision(name: string, type: PushedType, byName: ReadonlyMap<string, PushedType>): string | undefined {
  let base = '';
  if (name.endsWith('_count')) base = name.slice(0, -6);
  else if (name.endsWith('_sum')) base = name.slice(0, -4);
  else if (name.endsWith('_bucket')) base = name.slice(0, -7);
  if (base !== '') {
    const existing = byName.get(base);
    if (existing === 'summary' && !name.endsWith('_bucket')) {
      return `collected metric named ${JSON.stringify(name)} collides with previously collected summary named ${JSON.stringify(base)}`;
    }
    if (existing === 'histogram') {
      return `collected metric named ${JSON.stringify(name)} collides with previously collected histogram named ${JSON.stringify(base)}`;
    }
  }
  if (type === 'summary' || type === 'histogram') {
    for (const suffix of ['_count', '_sum']) {
      if (byName.has(name + suffix)) {
        return `collected histogram or summary named ${JSON.stringify(name)} collides with previously collected metric named ${JSON.stringify(name + suffix)}`;
      }
    }
  }
  if (type === 'histogram' && byName.has(name + '_bucket')) {
    return `collected histogram named ${JSON.stringify(name)} collides with previously collected metric named ${JSON.stringify(name + '_bucket')}`;
  }
  return undefined;
}

/** The compact protobuf text form Go prints for a client_model Metric (in error messages). */
export function protoText(m: PushedMetric, type: PushedType): string {
  let out = '';
  for (const k in m.labels) out += `label:<name:${protoString(k)} value:${protoString(m.labels[k])} > `;
  const f = protoFloat;
  switch (type) {
    case 'histogram':
      out += `histogram:<sample_count:${uint(m.count)} sample_sum:${f(m.sum ?? 0)} `;
      for (const [ub, c] of m.buckets ?? []) out += `bucket:<cumulative_count:${uint(c)} upper_bound:${f(ub)} > `;
      return out + '> ';
    case 'summary':
      out += `summary:<sample_count:${uint(m.count)} sample_sum:${f(m.sum ?? 0)} `;
      for (const [q, v] of m.quantiles ?? []) out += `quantile:<quantile:${f(q)} value:${f(v)} > `;
      return out + '> ';
    default:
      return out + `${type}:<value:${f(m.value ?? 0)} > `;
  }
}

function uint(v: number | undefined): string {
  return String(Math.max(0, Math.trunc(v ?? 0)));
}

function protoFloat(v: number): string {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Number.isNaN(v)) return 'nan';
  return goFloat(v);
}

function protoString(s: string): string {
  let out = '"';
  for (const b of Buffer.from(s, 'utf8')) {
    if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x09) out += '\\t';
    else if (b === 0x22) out += '\\"';
    else if (b === 0x5c) out += '\\\\';
    else if (b < 0x20 || b >= 0x7f) out += '\\' + b.toString(8).padStart(3, '0');
    else out += String.fromCharCode(b);
  }
  return out + '"';
}
