import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prometheusApi } from '../../../pipeline/query/index.js';
import { Tsdb } from '../../../pipeline/tsdb/index.js';
import { compareAnswers } from './compare-answers.js';
import { serveRoutes, type RoutesServer } from './serve-routes.js';
import { DATA_START, sideBySideDataset } from './side-by-side-dataset.js';
import { startSideBySide, type SideBySide } from './side-by-side-servers.js';

// PromQL annotations (`warnings`, `infos`) are Prometheus 3's: the strings of its
// util/annotations with the expression position. The installed Prometheus 2.42 predates them
// (it sends neither array for these queries), so side by side the answers must agree and only
// Tidemark may add the notes; their exact text is pinned here.
const TIME = DATA_START / 1000 + 3600 + 37;

const CASES: readonly { query: string; warnings?: string[]; infos?: string[] }[] = [
  {
    query: 'rate(node_temperature_celsius[5m])',
    infos: ['PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "node_temperature_celsius" (1:6)'],
  },
  {
    query: 'sum by (sensor) (increase(node_temperature_celsius[5m]))',
    infos: ['PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "node_temperature_celsius" (1:27)'],
  },
  {
    query: 'histogram_quantile(1.5, rate(request_duration_seconds_bucket[5m]))',
    warnings: ['PromQL warning: quantile value should be between 0 and 1, got 1.5 (1:20)'],
  },
  {
    query: 'histogram_quantile(0.9, node_temperature_celsius)',
    warnings: ['PromQL warning: bucket label "le" is missing or has a malformed value of "" for metric name "node_temperature_celsius" (1:25)'],
  },
  { query: 'quantile(2, node_temperature_celsius)', warnings: ['PromQL warning: quantile value should be between 0 and 1, got 2 (1:10)'] },
  { query: 'quantile_over_time(-1, node_temperature_celsius[5m])', warnings: ['PromQL warning: quantile value should be between 0 and 1, got -1 (1:20)'] },
  { query: 'delta(node_temperature_celsius[5m])' },
  { query: 'rate(http_requests_total[5m])' },
];

interface Answer {
  status: string;
  warnings?: string[];
  infos?: string[];
}

async function ask(base: string, query: string): Promise<{ body: Answer }> {
  const res = await fetch(`${base}/api/v1/query?${new URLSearchParams({ query, time: String(TIME) })}`);
  return { body: (await res.json()) as Answer };
}

describe('PromQL annotations beside Prometheus 2.42, which has none', () => {
  let servers: SideBySide;
  beforeAll(async () => {
    servers = await startSideBySide(sideBySideDataset(), 'annotations');
  }, 60_000);
  afterAll(async () => {
    await servers?.close();
  });

  it.each(CASES)('answers $query as Prometheus does, with Prometheus 3 notes', async ({ query, warnings, infos }) => {
    const [p, t] = await Promise.all([ask(servers.prometheus.url, query), ask(servers.tidemark.url, query)]);
    expect(p.body.status).toBe('success');
    expect(compareAnswers(p.body, t.body)).toEqual([]);
    expect([p.body.warnings, p.body.infos]).toEqual([undefined, undefined]);
    expect(t.body.warnings).toEqual(warnings);
    expect(t.body.infos).toEqual(infos);
  });
});

describe('annotation limits of the query API', () => {
  let dir: string;
  let db: Tsdb;
  let api: RoutesServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'annotations-api-'));
    db = await Tsdb.open(dir, { retentionMs: 0 });
    for (let g = 0; g < 12; g++) for (let i = 0; i < 10; i++) db.append({ __name__: `gauge_${String(g).padStart(2, '0')}`, instance: String(g) }, i * 15_000, i);
    api = await serveRoutes(prometheusApi({ queryable: db }).routes);
  });
  afterAll(async () => {
    await api?.close();
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends ten infos and says how many more it left out, as Prometheus 3 does', async () => {
    const res = await fetch(`${api.url}/api/v1/query?${new URLSearchParams({ query: 'rate({__name__=~"gauge_.*"}[1m])', time: '135' })}`);
    const body = (await res.json()) as { data: { result: unknown[] }; infos: string[] };
    expect(body.data.result).toHaveLength(12);
    expect(body.infos).toHaveLength(11);
    expect(body.infos[10]).toBe('2 more info annotations omitted');
    expect(body.infos[0]).toMatch(/^PromQL info: metric might not be a counter, .*: "gauge_\d\d" \(1:6\)$/);
  });
});
