import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prometheusApi } from '../../../pipeline/query/index.js';
import { Tsdb } from '../../../pipeline/tsdb/index.js';
import { promtoolCreateBlocks, startPrometheus, type PrometheusPeer } from '../../bench/peers/prometheus-peer.js';
import { serveRoutes, type RoutesServer } from './serve-routes.js';
import { DATA_START, loadIntoTsdb, sideBySideDataset, toOpenMetrics } from './side-by-side-dataset.js';

// Both servers hold the same two hours of data (8 series a metric, a sample every 15 s) under a
// limit of 1,000 samples; Tidemark also without one.
const LIMIT = 1000;
const TIME = DATA_START / 1000 + 3600 + 37;

interface Answer {
  status: string;
  errorType?: string;
  error?: string;
  data?: { stats?: { timings: Record<string, number>; samples: Record<string, number> } };
}

async function ask(base: string, path: string): Promise<{ status: number; body: Answer }> {
  const res = await fetch(base + path);
  return { status: res.status, body: (await res.json()) as Answer };
}

describe('query statistics and query.max_samples beside Prometheus 2.42', () => {
  let dir: string;
  let db: Tsdb;
  let prometheus: PrometheusPeer;
  let tidemark: RoutesServer;
  let unlimited: RoutesServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'query-stats-'));
    const data = sideBySideDataset();
    writeFileSync(join(dir, 'data.om'), toOpenMetrics(data));
    await promtoolCreateBlocks(join(dir, 'data.om'), join(dir, 'prometheus'));
    prometheus = await startPrometheus(join(dir, 'prometheus'), { maxSamples: LIMIT });
    db = await Tsdb.open(join(dir, 'tidemark'), { retentionMs: 0 });
    loadIntoTsdb(data, db);
    tidemark = await serveRoutes(prometheusApi({ queryable: db, config: { max_samples: LIMIT } }).routes);
    unlimited = await serveRoutes(prometheusApi({ queryable: db }).routes);
  }, 60_000);
  afterAll(async () => {
    await tidemark?.close();
    await unlimited?.close();
    await prometheus?.stop();
    await db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers stats with every field Prometheus answers, and the samples loaded', async () => {
    // Prometheus holds a sample a series; Tidemark loads the chunks that overlap the 5 m lookback,
    // whole (2 x 120 samples a series): more than the limit here.
    const path = `/api/v1/query?query=${encodeURIComponent('count(node_temperature_celsius)')}&time=${TIME}&stats=all`;
    const [p, t] = await Promise.all([ask(prometheus.url, path), ask(unlimited.url, path)]);
    expect([p.status, t.status]).toEqual([200, 200]);
    const ps = p.body.data!.stats!;
    const ts = t.body.data!.stats!;
    expect(Object.keys(ts.timings).sort()).toEqual(Object.keys(ps.timings).sort());
    expect(Object.keys(ts.samples).sort()).toEqual([...Object.keys(ps.samples), 'loadedBytes', 'loadedSamples'].sort());
    expect(ts.samples.peakSamples).toBeGreaterThan(ps.samples.peakSamples);
    expect(ts.samples.loadedSamples).toBeGreaterThan(LIMIT);
    expect(ts.samples.peakSamples).toBe(ts.samples.loadedSamples + 1);
    expect((await ask(tidemark.url, path)).status).toBe(422);
  });

  it("refuses a query over the limit with Prometheus' status and error", async () => {
    // 8 series at 481 steps: Prometheus holds 3,848 samples, Tidemark loads them all.
    const path = `/api/v1/query_range?query=${encodeURIComponent('sum(http_requests_total)')}&start=${DATA_START / 1000}&end=${DATA_START / 1000 + 7200}&step=15`;
    const [p, t] = await Promise.all([ask(prometheus.url, path), ask(tidemark.url, path)]);
    expect(p.status).toBe(422);
    expect(t.status).toBe(p.status);
    expect(t.body).toEqual(p.body);
  });
});
