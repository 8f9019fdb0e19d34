import type { Labels } from '../../../schemas/labels.js';
import type { Tsdb } from '../../../pipeline/tsdb/index.js';
import { seededRandom } from '../../harness/seeded-random.js';

/** 2024-01-01T00:00:00Z: old enough for promtool's blocks and any retention of 100 years. */
export const DATA_START = 1_704_067_200_000;
/** Samples sit at 7.5 s past each 15 s step, so no query boundary (whole seconds) ever hits one. */
export const SAMPLE_OFFSET = 7_500;
export const INTERVAL = 15_000;
export const SAMPLES_PER_SERIES = 480; // two hours

export interface DataFamily {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  /** Each series in full; histogram series are grouped per histogram (buckets, _sum, _count). */
  readonly series: { readonly labels: Labels; readonly values: Float64Array }[];
}


export function sampleTime(i: number): number {
  return DATA_START + SAMPLE_OFFSET + i * INTERVAL;
}

const LE = ['0.1', '0.5', '1', '2.5', '+Inf'];

/**
 * A deterministic data set with every kind of series the comparison needs: counters (one with a
 * reset), gauges (with negative values), an info-style series for joins, and classic histograms.
 */
export function sideBySideDataset(): DataFamily[] {
  const r = seededRandom(7);
  const n = SAMPLES_PER_SERIES;
  const counters: DataFamily['series'][number][] = [];
  for (const instance of ['h0', 'h1', 'h2', 'h3']) {
    for (const code of ['200', '500']) {
      const values = new Float64Array(n);
      let v = Math.floor(r() * 1000);
      const rate = code === '200' ? 5 + r() * 20 : r() * 2;
      for (let i = 0; i < n; i++) {
        v += Math.round(rate * 15 * (0.5 + r()));
        if (instance === 'h2' && code === '200' && i === 200) v = 3; // a counter reset
        values[i] = v;
      }
      counters.push({ labels: { __name__: 'http_requests_total', job: 'api', instance, code }, values });
    }
  }
  const temps: DataFamily['series'][number][] = [];
  for (const instance of ['h0', 'h1', 'h2', 'h3']) {
    for (const sensor of ['cpu', 'board']) {
      const values = new Float64Array(n);
      let v = sensor === 'cpu' ? 40 + r() * 20 : -5 + r() * 10;
      for (let i = 0; i < n; i++) {
        v += (r() - 0.5) * 2;
        values[i] = Math.round(v * 100) / 100;
      }
      temps.push({ labels: { __name__: 'node_temperature_celsius', instance, sensor }, values });
    }
  }
  const info = ['h0', 'h1', 'h2', 'h3'].map((instance, k) => ({
    labels: { __name__: 'node_info', instance, version: `1.${k % 2}` },
    values: new Float64Array(n).fill(1),
  }));
  const hist: DataFamily['series'][number][] = [];
  for (const instance of ['h0', 'h1']) {
    const cols = LE.map(() => new Float64Array(n));
    const sum = new Float64Array(n);
    const count = new Float64Array(n);
    const cum = new Float64Array(LE.length);
    let s = 0;
    for (let i = 0; i < n; i++) {
      const reqs = 5 + Math.floor(r() * 20);
      for (let k = 0; k < reqs; k++) {
        const d = r() * r() * 4;
        s += d;
        for (let b = 0; b < LE.length; b++) if (b === LE.length - 1 || d <= Number(LE[b])) cum[b]++;
      }
      for (let b = 0; b < LE.length; b++) cols[b][i] = cum[b];
      sum[i] = Math.round(s * 1000) / 1000;
      count[i] = cum[LE.length - 1];
    }
    const base = { job: 'api', instance };
    LE.forEach((le, b) => hist.push({ labels: { __name__: 'request_duration_seconds_bucket', ...base, le }, values: cols[b] }));
    hist.push({ labels: { __name__: 'request_duration_seconds_sum', ...base }, values: sum });
    hist.push({ labels: { __name__: 'request_duration_seconds_count', ...base }, values: count });
  }
  return [
    { name: 'http_requests', type: 'counter', series: counters },
    { name: 'node_temperature_celsius', type: 'gauge', series: temps },
    { name: 'node_info', type: 'gauge', series: info },
    { name: 'request_duration_seconds', type: 'histogram', series: hist },
  ];
}

function labelText(labels: Labels): string {
  const parts = Object.keys(labels).filter((k) => k !== '__name__').sort().map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `${labels.__name__}${parts.length > 0 ? `{${parts.join(',')}}` : ''}`;
}

/** OpenMetrics text with timestamps, as `promtool tsdb create-blocks-from openmetrics` reads it. */
export function toOpenMetrics(families: readonly DataFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# TYPE ${f.name} ${f.type}`);
    if (f.type !== 'histogram') {
      for (const s of f.series) {
        const head = labelText(s.labels);
        for (let i = 0; i < s.values.length; i++) out.push(`${head} ${s.values[i]} ${sampleTime(i) / 1000}`);
      }
      continue;
    }
    // A histogram's points go bucket by bucket, then _sum and _count, one timestamp at a time.
    const perInstance = new Map<string, DataFamily['series'][number][]>();
    for (const s of f.series) {
      const k = s.labels.instance;
      perInstance.set(k, [...(perInstance.get(k) ?? []), s]);
    }
    for (const members of perInstance.values()) {
      const heads = members.map((s) => labelText(s.labels));
      for (let i = 0; i < SAMPLES_PER_SERIES; i++) {
        members.forEach((s, j) => out.push(`${heads[j]} ${s.values[i]} ${sampleTime(i) / 1000}`));
      }
    }
  }
  out.push('# EOF', '');
  return out.join('\n');
}

/** Appends the same samples to a Tidemark TSDB, time by time. */
export function loadIntoTsdb(families: readonly DataFamily[], db: Tsdb): void {
  const all = families.flatMap((f) => f.series);
  const refs = all.map((s) => db.ref(s.labels));
  for (let i = 0; i < SAMPLES_PER_SERIES; i++) {
    for (let k = 0; k < all.length; k++) db.appendRef(refs[k], sampleTime(i), all[k].values[i]);
  }
}
