import type { Labels } from '../../schemas/labels.js';
import { seededRandom } from '../harness/seeded-random.js';

/**
 * A deterministic, node_exporter-shaped data set: per instance 100 series of CPU counters,
 * network counters, memory and filesystem gauges, load averages, a request-duration histogram and
 * a few hardware and constant series. Same (series count, seed, variant) = same samples, always.
 *
 * Two variants:
 * - `realistic` (default) follows what node_exporter really exposes. CPU seconds come from
 *   /proc/stat in 1/100 s ticks (two decimals) and per CPU the modes add up to the interval, most of
 *   it idle; `steal` and `nice` stay constant as on most hosts. Byte and packet counters are
 *   integers with steady per-device rates and +-20 % jitter (`lo` and `eth1` nearly idle). Memory
 *   and filesystem gauges are whole pages (4096 B) and change on a fraction of scrapes (free memory
 *   on most, buffers and inodes rarely). Loads have two decimals. The scrape handler's histogram
 *   counts exactly one request per scrape, so `_count` and the upper buckets are perfectly linear;
 *   its `_sum` is an unrounded float sum of durations (full-entropy, as in Go). Temperatures are
 *   whole or half degrees that change now and then; `node_network_up`, MTUs and the boot time are
 *   constant; `node_time_seconds` is the scrape time with millisecond jitter.
 * - `high-entropy` is the earlier generator kept for comparison with the figures: every
 *   counter and gauge moves on every scrape by a random amount (2-decimal CPU and load values,
 *   page-sized memory steps, integer byte counters with +-20 % jitter on rates up to 1 MB/s).
 */
export type SeriesKind = 'counter' | 'gauge' | 'bucket';
export type DatasetVariant = 'realistic' | 'high-entropy';

export interface DatasetSeries {
  readonly labels: Labels;
  readonly kind: SeriesKind;
}

export const SERIES_PER_INSTANCE = 100;
const MODES = ['idle', 'user', 'system', 'iowait', 'irq', 'softirq', 'steal', 'nice'];
/** Share of a CPU's busy time per mode (user, system, iowait, irq, softirq, steal, nice). */
const BUSY_SHARE: Record<string, number> = { user: 0.62, system: 0.27, iowait: 0.06, irq: 0.01, softirq: 0.04, steal: 0, nice: 0 };
const LE = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
const MEM_CHANGE: Record<string, number> = { MemFree: 0.9, MemAvailable: 0.9, Cached: 0.5, Buffers: 0.15, Active: 0.7, Inactive: 0.4 };
const PAGE = 4096;

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
  for (let i = 0; i < 3; i++) out.push({ labels: { __name__: 'node_hwmon_temp_celsius', ...base, chip: 'platform_coretemp_0', sensor: `temp${i + 1}` }, kind: 'gauge' });
  for (const dev of ['eth0', 'eth1', 'lo']) out.push({ labels: { __name__: 'node_network_up', ...base, device: dev }, kind: 'gauge' });
  for (const dev of ['eth0', 'eth1', 'lo']) out.push({ labels: { __name__: 'node_network_mtu_bytes', ...base, device: dev }, kind: 'gauge' });
  out.push({ labels: { __name__: 'node_boot_time_seconds', ...base }, kind: 'gauge' });
  out.push({ labels: { __name__: 'node_time_seconds', ...base }, kind: 'gauge' });
  return out.slice(0, SERIES_PER_INSTANCE);
}

/** A bucket bound: `+Inf` is not a JavaScript number literal. */
function leValue(le: string): number {
  return le === '+Inf' ? Infinity : Number(le);
}

/** Instance names `host-000:9100`, `host-001:9100`, ... */
export function instanceName(i: number): string {
  return `host-${String(i).padStart(3, '0')}:9100`;
}

/** How one series moves in the realistic variant. */
const enum Rule {
  Const,
  CpuIdle,
  CpuBusy,
  IntCounter,
  PageGauge,
  IntGauge,
  Load,
  Bucket,
  Count,
  FloatSum,
  Temp,
  Time,
}

/** Generates samples step by step: `step(values)` fills one value per series. */
export class NodeExporterDataset {
  readonly series: DatasetSeries[] = [];
  private readonly state: Float64Array;
  private readonly rate: Float64Array;
  private readonly prob: Float64Array;
  private readonly rule: Uint8Array;
  private readonly rnd: () => number;
  private stepIndex = 0;

  constructor(
    count: number,
    readonly intervalMs = 15_000,
    readonly startMs = 1_700_000_000_000 - (1_700_000_000_000 % (2 * 3600_000)),
    seed = 42,
    readonly variant: DatasetVariant = 'realistic',
  ) {
    for (let i = 0; this.series.length < count; i++) this.series.push(...instanceSeries(instanceName(i)));
    this.series.length = count;
    this.rnd = seededRandom(seed);
    this.state = new Float64Array(count);
    this.rate = new Float64Array(count);
    this.prob = new Float64Array(count);
    this.rule = new Uint8Array(count);
    if (variant === 'high-entropy') this.initHighEntropy();
    else this.initRealistic();
  }

  /** Advances one scrape interval and writes every series' value. */
  step(values: Float64Array): void {
    if (this.variant === 'high-entropy') this.stepHighEntropy(values);
    else this.stepRealistic(values);
    this.stepIndex++;
  }

  private initRealistic(): void {
    const sec = this.intervalMs / 1000;
    let load = 0;
    for (let i = 0; i < this.series.length; i++) {
      const { labels } = this.series[i];
      const name = labels.__name__;
      const r = this.rnd();
      if (labels.cpu === '0' && labels.mode === 'idle') load = 0.02 + 0.3 * this.rnd() ** 2; // busy share of this host
      if (name === 'node_cpu_seconds_total') {
        const share = BUSY_SHARE[labels.mode] ?? 0;
        this.rule[i] = labels.mode === 'idle' ? Rule.CpuIdle : share === 0 ? Rule.Const : Rule.CpuBusy;
        this.rate[i] = labels.mode === 'idle' ? 1 - load : load * share; // seconds per second
        this.state[i] = Math.round(r * 5e7); // ticks since boot
      } else if (name.startsWith('node_network_') && name.endsWith('_total')) {
        const dev = labels.device;
        const bytes = dev === 'eth0' ? 2e4 + r * 2e6 : dev === 'lo' ? 500 + r * 5e3 : 20 + r * 100;
        this.rule[i] = Rule.IntCounter;
        this.rate[i] = name.includes('bytes') ? bytes * sec : (bytes * sec) / 900;
        this.state[i] = Math.round(r * 1e12 * (name.includes('bytes') ? 1 : 1e-3));
      } else if (name.startsWith('node_memory_')) {
        this.rule[i] = Rule.PageGauge;
        this.prob[i] = MEM_CHANGE[name.slice('node_memory_'.length, -'_bytes'.length)] ?? 0.5;
        this.rate[i] = 64;
        this.state[i] = PAGE * Math.round(1e5 + r * 4e6);
      } else if (name === 'node_filesystem_avail_bytes') {
        this.rule[i] = Rule.PageGauge;
        this.prob[i] = 0.3;
        this.rate[i] = 16;
        this.state[i] = PAGE * Math.round(1e6 + r * 5e7);
      } else if (name === 'node_filesystem_files_free') {
        this.rule[i] = Rule.IntGauge;
        this.prob[i] = 0.08;
        this.rate[i] = 20;
        this.state[i] = Math.round(1e5 + r * 6e6);
      } else if (name.startsWith('node_load')) {
        this.rule[i] = Rule.Load;
        this.rate[i] = name === 'node_load1' ? 0.3 : name === 'node_load5' ? 0.08 : 0.03;
        this.state[i] = Math.round(load * 6 * 100) / 100;
        this.prob[i] = load * 6; // for loads: the level the average returns to
      } else if (name === 'http_request_duration_seconds_bucket') {
        const le = leValue(labels.le);
        this.rule[i] = Rule.Bucket;
        this.rate[i] = le >= 0.025 ? 1 : le >= 0.01 ? 0.7 : 0.05; // chance one scrape lands at or under le
        this.state[i] = 0;
      } else if (name === 'http_request_duration_seconds_count') {
        this.rule[i] = Rule.Count;
      } else if (name === 'http_request_duration_seconds_sum') {
        this.rule[i] = Rule.FloatSum;
      } else if (name === 'node_hwmon_temp_celsius') {
        this.rule[i] = Rule.Temp;
        this.prob[i] = 0.15;
        this.state[i] = 38 + Math.round(r * 20);
      } else if (name === 'node_time_seconds') {
        this.rule[i] = Rule.Time;
      } else {
        this.rule[i] = Rule.Const;
        this.state[i] = name === 'node_network_up' ? (labels.device === 'eth1' ? 0 : 1) : name === 'node_network_mtu_bytes' ? (labels.device === 'lo' ? 65536 : 1500) : 1_699_000_000 + Math.round(r * 900_000);
      }
    }
  }

  private stepRealistic(values: Float64Array): void {
    const sec = this.intervalMs / 1000;
    const rnd = this.rnd;
    const tSec = (this.startMs + this.stepIndex * this.intervalMs) / 1000;
    let duration = 0;
    for (let i = 0; i < this.series.length; i++) {
      let v = this.state[i];
      switch (this.rule[i]) {
        case Rule.CpuIdle:
          v += Math.round(this.rate[i] * sec * 100 * (0.97 + 0.06 * rnd()));
          this.state[i] = v;
          values[i] = v / 100;
          continue;
        case Rule.CpuBusy:
          v += Math.round(this.rate[i] * sec * 100 * (0.5 + rnd()));
          this.state[i] = v;
          values[i] = v / 100;
          continue;
        case Rule.IntCounter:
          v += Math.round(this.rate[i] * (0.8 + 0.4 * rnd()));
          break;
        case Rule.PageGauge:
          if (rnd() < this.prob[i]) v = Math.max(0, v + PAGE * Math.round((rnd() - 0.5) * 2 * this.rate[i]));
          break;
        case Rule.IntGauge:
          if (rnd() < this.prob[i]) v = Math.max(0, v + Math.round((rnd() - 0.5) * 2 * this.rate[i]));
          break;
        case Rule.Load:
          v = Math.max(0, Math.round((v + (this.prob[i] - v) * 0.1 + (rnd() - 0.5) * this.rate[i]) * 100) / 100);
          break;
        case Rule.Bucket:
          if (this.series[i].labels.le === '0.005') duration = 0.003 + rnd() * 0.02;
          if (this.rate[i] >= 1 || (duration <= leValue(this.series[i].labels.le) && rnd() < this.rate[i] * 1.5)) v += 1;
          break;
        case Rule.Count:
          v += 1;
          break;
        case Rule.FloatSum:
          v += duration;
          break;
        case Rule.Temp:
          if (rnd() < this.prob[i]) v = Math.max(20, v + (rnd() < 0.5 ? -0.5 : 0.5));
          break;
        case Rule.Time:
          v = tSec + Math.round(rnd() * 20) / 1000;
          break;
        default:
          break;
      }
      this.state[i] = v;
      values[i] = v;
    }
  }

  private initHighEntropy(): void {
    for (let i = 0; i < this.series.length; i++) {
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

  private stepHighEntropy(values: Float64Array): void {
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
