import type { Labels } from '../../schemas/labels.js';
import { instanceName, NodeExporterDataset, SERIES_PER_INSTANCE } from './node-exporter-dataset.js';
import { seededRandom } from '../harness/seeded-random.js';

/**
 * The system benchmark's data: hosts that each run node_exporter (the node data set's 100 series,
 * plus the 3 `node_filesystem_size_bytes` a filesystem ratio needs) and an application (job
 * `api`, instance `host-NNN:8080`): request counters by handler and code, a classic request
 * duration histogram per handler, and Go process metrics; 200 series per host. Deterministic:
 * the same (series count, start) gives the same samples.
 */
export const SERIES_PER_HOST = 200;
const HANDLERS = ['/api/v1/orders', '/api/v1/users', '/api/v1/search', '/healthz', '/login'];
const CODES: readonly [string, number][] = [['200', 0.95], ['404', 0.04], ['500', 0.01]];
const LE = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, Infinity];
const GC_QUANTILES = ['0', '0.25', '0.5', '0.75', '1'];
const MOUNTS = ['/', '/var', '/home'];
const PAGE = 4096;

/** One application instance's state: counters and gauges updated together every scrape. */
interface AppHost {
  readonly rate: Float64Array; // requests per second by handler
  readonly meanLatency: Float64Array; // seconds by handler
}

export class SystemDataset {
  readonly series: { readonly labels: Labels }[] = [];
  readonly hosts: number;
  private readonly node: NodeExporterDataset;
  private readonly nodeValues: Float64Array;
  private readonly state: Float64Array;
  private readonly apps: AppHost[] = [];
  private readonly appStart: number;
  private readonly rnd = seededRandom(7);

  constructor(
    readonly count: number,
    readonly intervalMs = 15_000,
    readonly startMs = 1_700_000_000_000,
  ) {
    this.hosts = Math.ceil(count / SERIES_PER_HOST);
    this.node = new NodeExporterDataset(this.hosts * SERIES_PER_INSTANCE, intervalMs, startMs);
    this.nodeValues = new Float64Array(this.node.series.length);
    this.series.push(...this.node.series);
    const sizes: number[] = [];
    for (let h = 0; h < this.hosts; h++) {
      for (const mountpoint of MOUNTS) {
        this.series.push({ labels: { __name__: 'node_filesystem_size_bytes', job: 'node', instance: instanceName(h), mountpoint, fstype: 'ext4' } });
        sizes.push(PAGE * Math.round(6e7 + this.rnd() * 1e8)); // above any avail value of the node data set
      }
    }
    this.appStart = this.series.length;
    for (let h = 0; h < this.hosts; h++) {
      this.series.push(...appSeries(`host-${String(h).padStart(3, '0')}:8080`));
      this.apps.push({ rate: Float64Array.from(HANDLERS, () => 1 + this.rnd() * 50), meanLatency: Float64Array.from(HANDLERS, () => 0.005 + this.rnd() * 0.3) });
    }
    this.state = new Float64Array(this.series.length);
    this.state.set(sizes, this.node.series.length);
    for (let h = 0; h < this.hosts; h++) {
      const base = this.appStart + h * APP_SERIES;
      this.state[base + APP_RSS] = PAGE * Math.round(2e4 + this.rnd() * 1e5);
      this.state[base + APP_FDS] = 20 + Math.round(this.rnd() * 200);
      this.state[base + APP_GOROUTINES] = 10 + Math.round(this.rnd() * 500);
    }
    this.series.length = count;
  }

  /** The timestamp of the scrape `step` (0-based). */
  timeOf(step: number): number {
    return this.startMs + step * this.intervalMs;
  }

  /** Advances one scrape interval and writes every series' value (`values.length >= count`). */
  step(values: Float64Array): void {
    this.node.step(this.nodeValues);
    const s = this.state;
    for (let h = 0; h < this.hosts; h++) this.stepApp(h);
    s.set(this.nodeValues, 0);
    values.set(s.subarray(0, this.count));
  }

  private stepApp(h: number): void {
    const s = this.state;
    const rnd = this.rnd;
    const app = this.apps[h];
    const sec = this.intervalMs / 1000;
    let i = this.appStart + h * APP_SERIES;
    for (let k = 0; k < HANDLERS.length; k++) {
      const n = Math.round(app.rate[k] * sec * (0.8 + 0.4 * rnd()));
      for (const [, share] of CODES) s[i++] += Math.round(n * share * (0.5 + rnd()));
      // Cumulative buckets from an exponential latency distribution: rounding keeps them monotone.
      const m = app.meanLatency[k] * (0.9 + 0.2 * rnd());
      for (const le of LE) s[i++] += le === Infinity ? n : Math.round(n * (1 - Math.exp(-le / m)));
      s[i++] += n * m; // _sum: a full-entropy float, as Go's is
      s[i++] += n; // _count
    }
    // process_cpu_seconds_total: CPU ticks over USER_HZ (100), as client_golang reads /proc, so
    // each value is the nearest double to a two-decimal number (adding rounded increments to the
    // float instead accumulated binary error into full-entropy values no client reports).
    s[i] = (Math.round(s[i] * 100) + Math.round(sec * (0.05 + 0.2 * rnd()) * 100)) / 100;
    i++;
    if (rnd() < 0.6) s[i] = Math.max(PAGE, s[i] + PAGE * Math.round((rnd() - 0.5) * 200));
    i++; // process_resident_memory_bytes
    if (rnd() < 0.2) s[i] = Math.max(5, s[i] + Math.round((rnd() - 0.5) * 6));
    i++; // process_open_fds
    if (rnd() < 0.7) s[i] = Math.max(5, s[i] + Math.round((rnd() - 0.5) * 20));
    i++; // go_goroutines
    s[i++] = Math.round(1e6 + rnd() * 5e7); // go_memstats_heap_alloc_bytes
    let q = 1e-5 + rnd() * 1e-5;
    for (let k = 0; k < GC_QUANTILES.length; k++) {
      // Pause durations are whole nanoseconds reported in seconds (time.Duration.Seconds()).
      s[i++] = Math.round(q * 1e9) / 1e9;
      q += rnd() * 2e-4;
    }
    const gcs = Math.round(rnd() * 3);
    s[i++] += gcs * 1e-4 * (1 + rnd()); // go_gc_duration_seconds_sum
    s[i++] += gcs; // go_gc_duration_seconds_count
  }
}

const APP_SERIES = HANDLERS.length * (CODES.length + LE.length + 2) + 12;
const APP_RSS = APP_SERIES - 11;
const APP_FDS = APP_SERIES - 10;
const APP_GOROUTINES = APP_SERIES - 9;

function appSeries(instance: string): { labels: Labels }[] {
  const base = { job: 'api', instance };
  const out: { labels: Labels }[] = [];
  for (const handler of HANDLERS) {
    for (const [code] of CODES) out.push({ labels: { __name__: 'http_requests_total', ...base, handler, code } });
    for (const le of LE) out.push({ labels: { __name__: 'http_request_duration_seconds_bucket', ...base, handler, le: le === Infinity ? '+Inf' : String(le) } });
    out.push({ labels: { __name__: 'http_request_duration_seconds_sum', ...base, handler } });
    out.push({ labels: { __name__: 'http_request_duration_seconds_count', ...base, handler } });
  }
  for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_open_fds', 'go_goroutines', 'go_memstats_heap_alloc_bytes']) out.push({ labels: { __name__: name, ...base } });
  for (const quantile of GC_QUANTILES) out.push({ labels: { __name__: 'go_gc_duration_seconds', ...base, quantile } });
  out.push({ labels: { __name__: 'go_gc_duration_seconds_sum', ...base } });
  out.push({ labels: { __name__: 'go_gc_duration_seconds_count', ...base } });
  return out;
}
