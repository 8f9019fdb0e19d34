import { createWriteStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResult } from '../bench-result.js';
import type { NodeExporterDataset } from '../node-exporter-dataset.js';
import { PrometheusPeer, promtoolBlockBytes } from './prometheus.js';
import { encodeWriteRequest, type RwSeries } from './remote-write-encoder.js';
import { tempDir } from './peer-process.js';
import { VictoriaMetricsPeer } from './victoria-metrics.js';

/** What the peers need of the benchmark's generated data (step-major values). */
export interface PeerData {
  readonly data: NodeExporterDataset;
  readonly variant: string;
  readonly series: number;
  readonly steps: number;
  readonly values: Float64Array;
  readonly timestamps: Float64Array;
}

const PEERS = new Set((process.env.TSDB_BENCH_PEERS ?? 'vm,prom,prom-rw').split(',').filter(Boolean));

function labelText(labels: Readonly<Record<string, string>>, skipName: boolean): string {
  const parts: string[] = [];
  for (const k of Object.keys(labels)) if (!(skipName && k === '__name__')) parts.push(`${k}="${labels[k]}"`);
  return parts.join(',');
}

/** Loads the same samples into VictoriaMetrics and Prometheus and adds their rows. */
export async function measurePeers(g: PeerData, hours: number, rows: BenchResult[]): Promise<void> {
  const shape = `${g.series / 1000}k series x ${hours} h at 15 s, ${g.variant}`;
  const samples = g.series * g.steps;
  if (PEERS.has('vm')) {
    try {
      await measureVictoriaMetrics(g, shape, samples, rows);
    } catch (err) {
      rows.push({ name: `victoria-metrics, ${shape}: failed`, subject: 'victoria-metrics', value: Number.NaN, unit: '-', note: (err as Error).message.slice(0, 200) });
    }
  }
  if (PEERS.has('prom')) {
    try {
      await measurePromtool(g, shape, samples, rows);
    } catch (err) {
      rows.push({ name: `prometheus blocks, ${shape}: failed`, subject: 'prometheus', value: Number.NaN, unit: '-', note: (err as Error).message.slice(0, 200) });
    }
  }
  if (PEERS.has('prom-rw')) {
    try {
      await measurePrometheusMemory(g, shape, rows);
    } catch (err) {
      rows.push({ name: `prometheus remote write, ${shape}: failed`, subject: 'prometheus', value: Number.NaN, unit: '-', note: (err as Error).message.slice(0, 200) });
    }
  }
}

async function measureVictoriaMetrics(g: PeerData, shape: string, samples: number, rows: BenchResult[]): Promise<void> {
  const vm = await VictoriaMetricsPeer.start();
  try {
    const ts = `[${Array.from(g.timestamps).join(',')}]`;
    const col = new Array<number>(g.steps);
    const batch: string[] = [];
    let batchBytes = 0;
    const t0 = performance.now();
    for (let i = 0; i < g.series; i++) {
      for (let s = 0; s < g.steps; s++) col[s] = g.values[s * g.series + i];
      const line = `{"metric":${JSON.stringify(g.data.series[i].labels)},"values":[${col.join(',')}],"timestamps":${ts}}`;
      batch.push(line);
      batchBytes += line.length;
      if (batchBytes > 16 << 20 || i === g.series - 1) {
        await vm.importJsonLines(batch.join('\n') + '\n');
        batch.length = 0;
        batchBytes = 0;
      }
    }
    const importMs = performance.now() - t0;
    await vm.compact();
    const count = await vm.seriesCount();
    const bytes = vm.dataBytes();
    rows.push({
      name: `disk bytes per sample after compaction, ${shape}`,
      subject: 'victoria-metrics',
      value: bytes / samples,
      unit: 'bytes/sample',
      note: `${(bytes / 1e6).toFixed(1)} MB data dir after force_flush + force_merge; ${count} series; /api/v1/import ${(importMs / 1000).toFixed(0)} s`,
    });
    const rss = vm.rssBytes();
    rows.push({ name: `memory per active series, ${shape}`, subject: 'victoria-metrics', value: rss / g.series, unit: 'bytes/series', note: `VmRSS ${(rss / 1e6).toFixed(0)} MB after import and merge` });
  } finally {
    await vm.stop();
  }
}

async function measurePromtool(g: PeerData, shape: string, samples: number, rows: BenchResult[]): Promise<void> {
  const dir = tempDir('bench-promtool-');
  try {
    const file = join(dir, 'data.om');
    const out = createWriteStream(file);
    const write = (s: string): Promise<void> | undefined => (out.write(s) ? undefined : new Promise((r) => out.once('drain', r)));
    // Series by series (each in time order), grouped by metric family as OpenMetrics wants.
    const order = g.data.series.map((_, i) => i).sort((a, b) => (g.data.series[a].labels.__name__ < g.data.series[b].labels.__name__ ? -1 : g.data.series[a].labels.__name__ > g.data.series[b].labels.__name__ ? 1 : a - b));
    for (const i of order) {
      const l = g.data.series[i].labels;
      const prefix = `${l.__name__}{${labelText(l, true)}} `;
      let chunk = '';
      for (let s = 0; s < g.steps; s++) chunk += `${prefix}${g.values[s * g.series + i]} ${g.timestamps[s] / 1000}\n`;
      await write(chunk);
    }
    await write('# EOF\n');
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    const t0 = performance.now();
    const bytes = await promtoolBlockBytes(file, join(dir, 'blocks'));
    rows.push({
      name: `disk bytes per sample after compaction, ${shape}`,
      subject: 'prometheus',
      value: bytes / samples,
      unit: 'bytes/sample',
      note: `${(bytes / 1e6).toFixed(1)} MB; promtool tsdb create-blocks-from openmetrics --max-block-duration=6h (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measurePrometheusMemory(g: PeerData, shape: string, rows: BenchResult[]): Promise<void> {
  const prom = await PrometheusPeer.start();
  try {
    const window = 120; // samples per series per request round (30 min at 15 s)
    const perRequest = 500; // series per request
    const t0 = performance.now();
    const col = new Float64Array(g.steps);
    const cols: Float64Array[] = [];
    for (let i = 0; i < g.series; i++) {
      for (let s = 0; s < g.steps; s++) col[s] = g.values[s * g.series + i];
      cols.push(Float64Array.from(col));
    }
    // Time windows outermost, so every series' samples arrive in time order.
    for (let from = 0; from < g.steps; from += window) {
      const to = Math.min(g.steps, from + window);
      for (let i = 0; i < g.series; i += perRequest) {
        const batch: RwSeries[] = [];
        for (let k = i; k < Math.min(g.series, i + perRequest); k++) batch.push({ labels: g.data.series[k].labels, values: cols[k], timestamps: g.timestamps, from, to });
        await prom.remoteWrite(encodeWriteRequest(batch));
      }
    }
    const writeMs = performance.now() - t0;
    const head = await prom.headSeries();
    const rss = prom.rssBytes();
    rows.push({
      name: `memory per active series, ${shape}`,
      subject: 'prometheus',
      value: rss / g.series,
      unit: 'bytes/series',
      note: `VmRSS ${(rss / 1e6).toFixed(0)} MB after remote write of all samples (${(writeMs / 1000).toFixed(0)} s); head series ${head}`,
    });
  } finally {
    await prom.stop();
  }
}
