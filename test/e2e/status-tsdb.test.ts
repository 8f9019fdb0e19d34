import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VictoriaMetricsPeer } from '../bench/peers/victoria-metrics.js';
import { startPrometheus, type PrometheusProcess } from '../integration/ingest/prometheus-process.js';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

interface NamedCount {
  name: string;
  value: number;
}

interface TsdbStatus {
  headStats: { numSeries: number; numLabelPairs: number; chunkCount: number; minTime: number; maxTime: number };
  seriesCountByMetricName: NamedCount[];
  labelValueCountByLabelName: NamedCount[];
  memoryInBytesByLabelName: NamedCount[];
  seriesCountByLabelValuePair: NamedCount[];
  totalSeries?: number;
  totalLabelValuePairs?: number;
  seriesCountByLabelName?: NamedCount[];
  seriesCountByFocusLabelValue?: NamedCount[];
}

const LISTS = ['seriesCountByMetricName', 'labelValueCountByLabelName', 'memoryInBytesByLabelName', 'seriesCountByLabelValuePair'] as const;

/**
 * An exposition with uneven cardinality: metric i has a different number of series, labels have
 * different numbers of values, so the top lists have a clear order.
 */
function exposition(): string {
  const lines: string[] = [];
  for (let m = 0; m < 14; m++) {
    lines.push(`# TYPE card_metric_${m} gauge`);
    for (let s = 0; s <= m; s++) lines.push(`card_metric_${m}{shard="s${s}",zone="z${s % 3}",team="${m % 2 === 0 ? 'even' : 'odd'}"} ${s}`);
  }
  lines.push('# TYPE card_requests_total counter');
  for (const method of ['GET', 'POST', 'PUT']) {
    for (let h = 0; h < 7; h++) lines.push(`card_requests_total{method="${method}",handler="/api/v${h}/long-handler-name"} ${h}`);
  }
  return lines.join('\n') + '\n';
}

async function status(url: string, query = ''): Promise<{ code: number; body: { status: string; data: TsdbStatus; error?: string } }> {
  const res = await fetch(`${url}/api/v1/status/tsdb${query}`);
  return { code: res.status, body: (await res.json()) as { status: string; data: TsdbStatus; error?: string } };
}

/** Entries above the last value of a top list must be the same; entries tied at the cut may differ in name. */
function expectSameTopList(ours: NamedCount[], theirs: NamedCount[], what: string): void {
  expect(ours.map((e) => e.value), what).toEqual(theirs.map((e) => e.value));
  const cut = theirs.length === 0 ? 0 : theirs[theirs.length - 1].value;
  const above = (l: NamedCount[]) => Object.fromEntries(l.filter((e) => e.value > cut).map((e) => [e.name, e.value]));
  expect(above(ours), what).toEqual(above(theirs));
}

describe('/api/v1/status/tsdb beside Prometheus', () => {
  let dir: string;
  let target: Server;
  let targetAddress: string;
  let prometheus: PrometheusProcess;
  let up: RunningCli;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-status-tsdb-'));
    const body = exposition();
    target = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    targetAddress = `127.0.0.1:${(target.address() as AddressInfo).port}`;
    const scrape = `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: card\n    static_configs: [{ targets: ['${targetAddress}'] }]\n`;
    await writeFile(join(dir, 'tidemark.yml'), `${scrape}bus: { partitions: 3 }\nstore: { flush_interval_ms: 100 }\n`);
    [prometheus, up] = await Promise.all([
      startPrometheus(() => scrape),
      startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]),
    ]);
  }, 90_000);

  afterAll(async () => {
    await up?.stop();
    await prometheus?.stop();
    await new Promise((r) => target?.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('reports the same head statistics and top lists as Prometheus for the same scraped series', async () => {
    // Both hold every series of the target once a scrape landed. Prometheus caches its answer for
    // 30 s from the first call, so nothing asks it before the data is there.
    const count = async (url: string) => {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent('count({job="card"})')}`);
      const v = ((await res.json()) as { data: { result: { value: [number, string] }[] } }).data.result[0]?.value[1];
      return v === undefined ? 0 : Number(v);
    };
    const expected = 14 * 15 / 2 + 21 + 5; // card_metric_*, card_requests_total, up and 4 scrape_* series
    await waitFor(async () => ((await count(prometheus.url)) === expected ? true : undefined));
    await waitFor(async () => ((await count(up.url)) === expected ? true : undefined));

    const theirs = await status(prometheus.url);
    const ours = await status(up.url);
    expect(theirs.code).toBe(200);
    expect(ours.code).toBe(200);
    const t = theirs.body.data;
    const o = ours.body.data;
    expect(t.headStats.numSeries).toBe(expected);
    expect(o.headStats.numSeries).toBe(t.headStats.numSeries);
    expect(o.headStats.numLabelPairs).toBe(t.headStats.numLabelPairs);
    expect(o.headStats.chunkCount).toBe(t.headStats.chunkCount);
    expect(o.headStats.maxTime).toBeGreaterThanOrEqual(o.headStats.minTime);
    for (const list of LISTS) {
      expect(t[list].length, list).toBeGreaterThanOrEqual(8);
      expectSameTopList(o[list], t[list], list);
    }
    expect(o.seriesCountByMetricName[0]).toEqual({ name: 'card_requests_total', value: 21 });
  });

  it('takes limit as Prometheus 3 does and the cardinality explorer parameters of VictoriaMetrics', async () => {
    const three = (await status(up.url, '?limit=3')).body.data;
    for (const list of LISTS) expect(three[list]).toHaveLength(3);
    expect(three.seriesCountByLabelValuePair[0]).toEqual({ name: 'instance=' + targetAddress, value: three.headStats.numSeries });

    const bad = await status(up.url, '?limit=0');
    expect(bad.code).toBe(400);
    expect(bad.body.error).toContain('limit must be a positive number');

    // match[] counts only the selected series; focusLabel breaks them down by one label's values.
    const today = new Date().toISOString().slice(0, 10);
    const focused = (await status(up.url, `?topN=5&focusLabel=zone&date=${today}&match[]=${encodeURIComponent('{__name__=~"card_metric_.*",team="even"}')}`)).body.data;
    // card_metric_0, 2, ..., 12: 1 + 3 + ... + 13 = 49 series.
    expect(focused.totalSeries).toBe(49);
    expect(focused.seriesCountByMetricName.map((e) => e.name)).toEqual(['card_metric_12', 'card_metric_10', 'card_metric_8', 'card_metric_6', 'card_metric_4']);
    const zones = Object.fromEntries((focused.seriesCountByFocusLabelValue ?? []).map((e) => [e.name, e.value]));
    expect(zones.z0 + zones.z1 + zones.z2).toBe(49);
    expect(zones.z0).toBe(19);

    // A day without samples has no series.
    const empty = (await status(up.url, '?date=2001-01-01')).body.data;
    expect(empty.totalSeries).toBe(0);
    expect(empty.seriesCountByMetricName).toEqual([]);
    expect((await status(up.url, '?date=2001-02-30')).code).toBe(400);
  });

  it('answers the cardinality explorer as VictoriaMetrics does for the same imported series', async () => {
    const vm = await VictoriaMetricsPeer.start();
    try {
      const now = Date.now();
      const lines: string[] = [];
      for (let i = 0; i < 24; i++) lines.push(`vm_card_requests{zone="z${i % 5}",pod="p${i}",tier="${i % 2 === 0 ? 'web' : 'api'}"} ${i} ${now}`);
      for (let i = 0; i < 7; i++) lines.push(`vm_card_errors{zone="z${i % 3}",pod="p${i}"} ${i} ${now}`);
      lines.push(`vm_card_build_info{version="1.2.3"} 1 ${now}`);
      const body = lines.join('\n') + '\n';
      for (const url of [vm.url, up.url]) {
        const res = await fetch(`${url}/api/v1/import/prometheus`, { method: 'POST', body });
        expect(res.status).toBe(204);
      }
      await fetch(`${vm.url}/internal/force_flush`);
      const today = new Date(now).toISOString().slice(0, 10);
      const query = `?topN=4&focusLabel=zone&date=${today}&match[]=${encodeURIComponent('{__name__=~"vm_card_.*"}')}`;
      const theirs = await waitFor(async () => {
        const s = await status(vm.url, query);
        return s.body.data.totalSeries === 32 ? s.body.data : undefined;
      });
      const ours = await waitFor(async () => {
        const s = await status(up.url, query);
        return s.body.data.totalSeries === 32 ? s.body.data : undefined;
      });
      expect(ours.totalLabelValuePairs).toBe(theirs.totalLabelValuePairs);
      for (const list of ['seriesCountByMetricName', 'seriesCountByLabelName', 'seriesCountByFocusLabelValue', 'seriesCountByLabelValuePair', 'labelValueCountByLabelName'] as const) {
        expect(theirs[list]?.length, list).toBeGreaterThan(0);
        expectSameTopList(ours[list] ?? [], theirs[list] ?? [], list);
      }
      expect(ours.seriesCountByFocusLabelValue).toEqual(theirs.seriesCountByFocusLabelValue);
    } finally {
      await vm.stop();
    }
  });
});
