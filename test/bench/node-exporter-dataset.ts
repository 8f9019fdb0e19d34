import type { Labels } from '../../schemas/labels.js';

/**
 * A deterministic, node_exporter-shaped data set: per instance 100 series of CPU counters, memory
 * and filesystem gauges, network byte counters, load averages, and a request-duration histogram.
 * Counters grow at realistic per-series rates with jitter, gauges wander with noise, histogram
 * buckets are cumulative. Same (series count, seed) = same samples, on every run.
 */
export type SeriesKind = 'counter' | 'gauge' | 'bucket';

export interface DatasetSeries {
  readonly labels: Labels;
  readonly kind: SeriesKind;
}

export const SERIES_PER_INSTANCE = 100;
const MODES = ['idle', 'user', 'system', 'iowait', 'irq', 'softirq', 'steal', 'nice'];
const LE = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];

/** mulberry32: a tiny seeded PRNG, good enough for synthetic data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function instanceSeries(instance: string): DatasetSeries[] {
  const base = { job: 'node', instance };
  const out: DatasetSeries[] = [];
  for (let cpu = 0; cpu < 6; cpu++) {
    for (const mode of MODES) out.push({ labels: { __name__: 'node_cpu_seconds_total', ...base, cpu: String(cpu), mode }, kind: 'counter' });
  }
  for (const dev of ['eth0', 'eth1', 'lo']) {
    for (const dir of ['receive', 'transmit']) {
      out.push({ labels: { __name__: `node_network_${dir}_bytes_total`, ...base, device: dev }, kind: 'counter' });
      out.push({ labels: { __name__: `node_network_${dir}_packets_total`, ...base, device: dev }, kind: 'counter' });
    }
  }
  for (const m of ['MemFree', 'MemAvailable', 'Cached', 'Buffers', 'Active', 'Inactive']) out.push({ labels: { __name__: `node_memory_${m}_bytes`, ...base }, kind: 'gauge' });
  for (const mp of ['/', '/var', '/home']) {
    out.push({ labels: { __name__: 'node_filesystem_avail_bytes', ...base, mountpoint: mp, fstype: 'ext4' }, kind: 'gauge' });
    out.push({ labels: { __name__: 'node_filesystem_files_free', ...base, mountpoint: mp, fstype: 'ext4' }, kind: 'gauge' });
  }
  for (const l of ['1', '5', '15']) out.push({ labels: { __name__: `node_load${l}`, ...base }, kind: 'gauge' });
  for (const le of LE) out.push({ labels: { __name__: 'http_request_duration_seconds_bucket', ...base, handler: '/metrics', le }, kind: 'bucket' });
  out.push({ labels: { __name__: 'http_request_duration_seconds_sum', ...base, handler: '/metrics' }, kind: 'counter' });
  out.push({ labels: { __name__: 'http_request_duration_seconds_count', ...base, handler: '/metrics' }, kind: 'counter' });
  while (out.length < SERIES_PER_INSTANCE) out.push({ labels: { __name__: 'node_hwmon_temp_celsius', ...base, sensor: `temp${out.length}` }, kind: 'gauge' });
  return out.slice(0, SERIES_PER_INSTANCE);
}

/** Instance names `host-000:9100`, `host-001:9100`, ... */
export function instanceName(i: number): string {
  return `host-${String(i).padStart(3, '0')}:9100`;
}

/** Generates samples step by step: `step(values)` fills one value per series. */
export class NodeExporterDataset {
  readonly series: DatasetSeries[] = [];
  private readonly state: Float64Array;
  private readonly rate: Float64Array;
  private readonly rnd: () => number;

  constructor(
    count: number,
    readonly intervalMs = 15_000,
    readonly startMs = 1_700_000_000_000 - (1_700_000_000_000 % (2 * 3600_000)),
    seed = 42,
  ) {
    for (let i = 0; this.series.length < count; i++) this.series.push(...instanceSeries(instanceName(i)));
    this.series.length = count;
    this.rnd = prng(seed);
    this.state = new Float64Array(count);
    this.rate = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const s = this.series[i];
      const r = this.rnd();
      const name = s.labels.__name__;
      if (s.kind === 'counter') {
        this.rate[i] = name.includes('bytes') ? 1e3 + r * 1e6 : name.includes('cpu') ? r : 1 + r * 100;
        this.state[i] = Math.round(r * 1e6);
      } else if (s.kind === 'gauge') {
        this.rate[i] = name.includes('bytes') ? 4096 * 16 : name.includes('load') ? 0.05 : 1;
        this.state[i] = name.includes('bytes') ? 4096 * Math.round(r * 4e6) : name.includes('load') ? r * 4 : 20 + r * 60;
      } else {
        const le = Number(s.labels.le);
        this.rate[i] = Number.isFinite(le) ? Math.min(1, le * 4) : 1; // cumulative share per bucket
        this.state[i] = 0;
      }
    }
  }

  /** Advances one scrape interval and writes every series' value. */
  step(values: Float64Array): void {
    const sec = this.intervalMs / 1000;
    const requests = Math.round(sec * (0.066 + this.rnd() * 0.01) * 10); // requests this interval
    for (let i = 0; i < this.series.length; i++) {
      const kind = this.series[i].kind;
      let v = this.state[i];
      if (kind === 'counter') {
        const name = this.series[i].labels.__name__;
        const inc = this.rate[i] * sec * (0.8 + 0.4 * this.rnd());
        v = name.includes('cpu') || name.endsWith('_sum') ? Math.round((v + inc) * 100) / 100 : v + Math.round(inc);
      } else if (kind === 'gauge') {
        const step = (this.rnd() - 0.5) * this.rate[i];
        const name = this.series[i].labels.__name__;
        v = name.includes('bytes') ? Math.max(0, v + 4096 * Math.round(step / 4096)) : Math.round((v + step) * 100) / 100;
      } else {
        v += Math.round(requests * this.rate[i]);
      }
      this.state[i] = v;
      values[i] = v;
    }
  }
}
