import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedBus } from '../../pipeline/bus/embedded/index.js';
import { BusSampleSink } from '../../pipeline/publish/index.js';
import { prometheusApi, queryConfigSchema, ResultCache, withResultCache } from '../../pipeline/query/index.js';
import { StoreWorker } from '../../pipeline/store/index.js';
import type { Labels } from '../../schemas/labels.js';
import { serveRoutes } from '../integration/query/serve-routes.js';
import type { Benchmark, BenchResult } from './bench-result.js';

const TOPIC = 'samples';
const PARTITIONS = 4;
const HOSTS = 125;
const MODES = ['idle', 'user', 'system', 'iowait', 'irq', 'softirq', 'steal', 'nice'];
const SCRAPE_MS = 15_000;
const REFRESH_MS = 30_000;
const REFRESHES = 20;
const STEP_MS = 60_000;
const RANGE_MS = 6 * 3_600_000;
/** The dashboard's panels, as Grafana sends them: last 6 h at a 60 s step, start and end aligned to the step. */
const PANELS = [
  'sum by (mode) (rate(node_cpu_seconds_total[5m]))',
  'topk(5, rate(node_cpu_seconds_total{mode="user"}[5m]))',
  'avg(node_cpu_seconds_total{mode="idle"})',
];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * A dashboard refreshed every 30 s over the last 6 h: 1,000 CPU counters scraped every 15 s, the
 * scrapes since the previous refresh written before each refresh (so the newest piece always
 * changes), three panels read through the query API with the result cache and with `nocache=1`.
 * In one process on the embedded bus, store and query API as `tidemark up` has them.
 */
async function run(): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-result-cache-'));
  const bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus'), logger: { info() {}, warn() {}, error() {} } });
  await bus.ensureTopic(TOPIC, PARTITIONS);
  await bus.ensureTopic('dlq', 1);
  const worker = new StoreWorker({ bus, topic: TOPIC, deadLetterTopic: 'dlq', config: { data_dir: join(dir, 'store'), flush_interval_ms: 1000 } });
  await worker.start();
  while (!(worker.ready() && worker.partitions().length === PARTITIONS)) await sleep(20);
  const config = queryConfigSchema.parse({});
  const cache = new ResultCache({
    stores: async () => [worker], queryable: worker, config, partitionCount: PARTITIONS, samplesTopic: TOPIC,
    maxBytes: config.result_cache_max_bytes, pieceMs: config.result_cache_piece_ms,
  });
  const api = await serveRoutes(withResultCache(prometheusApi({ queryable: worker }).routes, cache, config));
  const sink = new BusSampleSink({ bus, topic: TOPIC, partitions: PARTITIONS, source: 'bench' });
  const series: Labels[] = [];
  for (let h = 0; h < HOSTS; h++) for (const mode of MODES) series.push({ __name__: 'node_cpu_seconds_total', instance: `host-${h}:9100`, mode, cpu: '0' });
  const scrape = async (t: number): Promise<void> => {
    const app = sink.appender();
    series.forEach((l, i) => app.append(l, t, (t / 1000) * ((i % 7) + 1) * 0.01));
    await app.commit();
  };
  const applied = async (): Promise<void> => {
    const r = await worker.waitApplied({ partitions: worker.partitions().map((partition) => ({ partition, offset: 0 })), strong: true, timeoutMs: 120_000 });
    if (r.lagging.length > 0) throw new Error(`store behind: ${JSON.stringify(r.lagging)}`);
  };
  try {
    // History: 6 h 20 min of scrapes ending 10 min ago; the refreshes then move through those 10 minutes.
    let now = Math.floor((Date.now() - 10 * 60_000) / SCRAPE_MS) * SCRAPE_MS;
    for (let t = now - RANGE_MS - 20 * 60_000; t <= now; t += SCRAPE_MS) await scrape(t);
    await applied();
    const ms: Record<'cached' | 'nocache', number[]> = { cached: [], nocache: [] };
    let identical = true;
    for (let r = 0; r < REFRESHES + 2; r++) {
      for (let t = now + SCRAPE_MS; t <= now + REFRESH_MS; t += SCRAPE_MS) await scrape(t);
      now += REFRESH_MS;
      await applied();
      const end = Math.floor(now / STEP_MS) * STEP_MS;
      const bodies: Record<string, string[]> = { cached: [], nocache: [] };
      for (const mode of ['cached', 'nocache'] as const) {
        const t0 = performance.now();
        for (const q of PANELS) {
          const url = `${api.url}/api/v1/query_range?query=${encodeURIComponent(q)}&start=${(end - RANGE_MS) / 1000}&end=${end / 1000}&step=${STEP_MS / 1000}${mode === 'nocache' ? '&nocache=1' : ''}`;
          const res = await fetch(url);
          bodies[mode].push(await res.text());
          if (res.status !== 200) throw new Error(`${q}: ${res.status}`);
        }
        if (r >= 2) ms[mode].push(performance.now() - t0); // two refreshes fill the cache first
      }
      if (bodies.cached.join() !== bodies.nocache.join()) identical = false;
    }
    const note = (mode: 'cached' | 'nocache'): string =>
      `median of ${REFRESHES} refreshes, 3 panels each; ${series.length} series; ${mode === 'cached' ? `hits ${cache.stats.hits}, misses ${cache.stats.misses}, invalidated ${cache.stats.invalidated}, ${(cache.stats.bytes / 1024).toFixed(0)} KiB cached; answers ${identical ? 'identical to' : 'DIFFERENT from'} nocache` : 'every piece evaluated'}`;
    return [
      { name: 'dashboard refreshed every 30 s over the last 6 h (query_range @ 60 s), with the result cache', subject: 'tidemark (store + query API, one process)', value: median(ms.cached), unit: 'ms/refresh', note: note('cached') },
      { name: 'dashboard refreshed every 30 s over the last 6 h (query_range @ 60 s), nocache=1', subject: 'tidemark (store + query API, one process)', value: median(ms.nocache), unit: 'ms/refresh', note: note('nocache') },
    ];
  } finally {
    await api.close();
    await worker.stop();
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export const resultCacheBenchmark: Benchmark = { area: 'result-cache', run };
