import { closeSync, openSync, writeSync } from 'node:fs';
import type { Labels } from '../../schemas/labels.js';
import { seededRandom } from '../harness/seeded-random.js';

/**
 * The query benchmark's data: 6,400 CPU counters (800 hosts x 8 modes) and 1,000 histogram
 * buckets (100 hosts x 10), every 15 s for 6 h 10 min; the 6 h query range starts 10 min in,
 * so every rate window is full. Values are generated per series from a seed, so each
 * consumer (OpenMetrics file, VictoriaMetrics import, Tidemark TSDB) regenerates the same ones.
 */
export const QUERY_BENCH_START = 1_699_920_000_000 + 3_600_000; // 2023-11-14T01:00Z: one UTC day holds it all
export const QUERY_BENCH_RANGE = 6 * 3_600_000;
export const QUERY_BENCH_STEP = 60_000;
const SCRAPE = 15_000;
const FIRST = QUERY_BENCH_START - 10 * 60_000;
export const SAMPLES_PER_SERIES = Math.floor((QUERY_BENCH_START + QUERY_BENCH_RANGE - FIRST) / SCRAPE) + 1;
const HOSTS = 800;
const HIST_HOSTS = 100;
const MODES = ['idle', 'user', 'system', 'iowait', 'irq', 'softirq', 'steal', 'nice'];
const BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];
export const QUERY_BENCH_SERIES = HOSTS * MODES.length + HIST_HOSTS * BUCKETS.length;


export const sampleTimes: Float64Array = (() => {
  const ts = new Float64Array(SAMPLES_PER_SERIES);
  for (let i = 0; i < ts.length; i++) ts[i] = FIRST + i * SCRAPE;
  return ts;
})();

/**
 * Every series in family order (CPU counters, then histogram buckets). The values array is
 * reused: read it before asking for the next series.
 */
export function* allSeries(): Generator<[Labels, Float64Array]> {
  const n = SAMPLES_PER_SERIES;
  const vs = new Float64Array(n);
  for (let h = 0; h < HOSTS; h++) {
    for (let m = 0; m < MODES.length; m++) {
      const r = seededRandom(h * 16 + m + 1);
      let v = Math.round(r() * 1e6) / 1000;
      const slope = r() * 2;
      for (let i = 0; i < n; i++) {
        v = Math.round((v + slope * 15 * (0.5 + r())) * 1000) / 1000;
        vs[i] = v;
      }
      yield [{ __name__: 'node_cpu_seconds_total', instance: `host-${h}`, job: 'node', mode: MODES[m] }, vs];
    }
  }
  const cols = BUCKETS.map(() => new Float64Array(n));
  for (let h = 0; h < HIST_HOSTS; h++) {
    const r = seededRandom(100_000 + h);
    const cum = new Float64Array(BUCKETS.length);
    for (let i = 0; i < n; i++) {
      const reqs = Math.floor(r() * 40);
      for (let k = 0; k < reqs; k++) {
        const d = r() * r() * 3;
        for (let b = 0; b < BUCKETS.length; b++) if (b === BUCKETS.length - 1 || d <= Number(BUCKETS[b])) cum[b]++;
      }
      for (let b = 0; b < BUCKETS.length; b++) cols[b][i] = cum[b];
    }
    for (let b = 0; b < BUCKETS.length; b++) yield [{ __name__: 'http_request_duration_seconds_bucket', instance: `host-${h}`, job: 'api', le: BUCKETS[b] }, cols[b]];
  }
}

function seriesText(labels: Labels): string {
  const parts = Object.keys(labels).filter((k) => k !== '__name__').sort().map((k) => `${k}="${labels[k]}"`);
  return `${labels.__name__}{${parts.join(',')}}`;
}

/** Writes the data set as OpenMetrics with timestamps (promtool's backfill input). */
export function writeOpenMetrics(file: string): void {
  const fd = openSync(file, 'w');
  try {
    let family = '';
    for (const [labels, values] of allSeries()) {
      const name = labels.__name__;
      let out = '';
      if (name !== family) {
        family = name;
        out += name.endsWith('_total') ? `# TYPE ${name.slice(0, -6)} counter\n` : `# TYPE ${name} unknown\n`;
      }
      const head = seriesText(labels);
      for (let i = 0; i < values.length; i++) out += `${head} ${values[i]} ${sampleTimes[i] / 1000}\n`;
      writeSync(fd, out);
    }
    writeSync(fd, '# EOF\n');
  } finally {
    closeSync(fd);
  }
}

/** The data set as Prometheus text with millisecond timestamps, in bodies of about `seriesPerBody` series. */
export function* prometheusTextBodies(seriesPerBody = 200): Generator<string> {
  let parts: string[] = [];
  for (const [labels, values] of allSeries()) {
    const head = seriesText(labels);
    let out = '';
    for (let i = 0; i < values.length; i++) out += `${head} ${values[i]} ${sampleTimes[i]}\n`;
    parts.push(out);
    if (parts.length >= seriesPerBody) {
      yield parts.join('');
      parts = [];
    }
  }
  if (parts.length > 0) yield parts.join('');
}
