import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snappyWriteRequest } from '../../connectors/remote-write/testdata/prompb.js';
import { freePort } from '../harness/index.js';
import { spawnService, type ServiceProcess } from '../harness/service-process.js';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

/** An OpenMetrics page whose exemplars carry timestamps, so both servers keep the same ones. */
const OPENMETRICS = [
  '# TYPE rpc_duration_seconds histogram',
  'rpc_duration_seconds_bucket{le="0.1"} 5 # {trace_id="abc"} 0.05 1700000000.000',
  'rpc_duration_seconds_bucket{le="+Inf"} 8 # {trace_id="def",span_id="1"} 0.5 1700000001.5',
  'rpc_duration_seconds_count 8',
  'rpc_duration_seconds_sum 2',
  '# TYPE jobs counter',
  'jobs_total 7 # {trace_id="ghi"} 1 1700000002',
  '# EOF',
  '',
].join('\n');

interface ExemplarResult {
  seriesLabels: Record<string, string>;
  exemplars: Array<{ labels: Record<string, string>; value: string; timestamp: number }>;
}

async function exemplars(base: string, query: string, start = 1699999990, end = 1700000100): Promise<ExemplarResult[] | null | 'no content'> {
  const res = await fetch(`${base}/api/v1/query_exemplars?query=${encodeURIComponent(query)}&start=${start}&end=${end}`);
  if (res.status === 204) return 'no content';
  const body = (await res.json()) as { status: string; data: ExemplarResult[] | null; error?: string };
  if (res.status !== 200) throw new Error(`${query}: ${res.status} ${body.error}`);
  return body.data === null ? null : [...body.data].sort((a, b) => JSON.stringify(a.seriesLabels).localeCompare(JSON.stringify(b.seriesLabels)));
}

/**
 * `tidemark up` and a real Prometheus 2.42 with --enable-feature=exemplar-storage scrape the same
 * OpenMetrics page: /api/v1/query_exemplars answers alike; remote_write exemplars are kept too,
 * survive a restart, and `query.max_exemplars` bounds what is kept.
 */
describe('exemplars beside a real Prometheus', () => {
  let dir: string;
  let om: Server;
  let omAddr: string;
  let prom: ServiceProcess;
  let promUrl: string;
  let up: RunningCli | undefined;
  let scrapeYaml: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-exemplars-'));
    om = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' });
      res.end(OPENMETRICS);
    });
    await new Promise<void>((r) => om.listen(0, '127.0.0.1', r));
    omAddr = `127.0.0.1:${(om.address() as AddressInfo).port}`;
    scrapeYaml = `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: rpc\n    static_configs: [{ targets: ['${omAddr}'] }]\n`;
    await writeFile(join(dir, 'prometheus.yml'), scrapeYaml);
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    ({ process: prom } = await spawnService({
      command: '/usr/bin/prometheus',
      args: [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'prom')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--enable-feature=exemplar-storage',
      ],
      ready: /Server is ready to receive web requests/,
      guard: true,
      readyTimeoutMs: 60_000,
    }));
  });

  afterAll(async () => {
    await up?.stop('SIGTERM');
    await prom?.stop();
    await new Promise<void>((r) => om.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  it('answers query_exemplars as Prometheus does for the same OpenMetrics target', async () => {
    const cfg = join(dir, 'tidemark.yml');
    await writeFile(cfg, scrapeYaml);
    up = await startCli(['up', '--config', cfg, '--data', join(dir, 'data')]);
    const full = (r: Awaited<ReturnType<typeof exemplars>>) => (Array.isArray(r) && r.length === 3 ? r : undefined);
    const theirs = await waitFor(async () => full(await exemplars(promUrl, 'rpc_duration_seconds_bucket or jobs_total')));
    const ours = await waitFor(async () => full(await exemplars(up!.url, 'rpc_duration_seconds_bucket or jobs_total')));
    expect(ours).toEqual(theirs);
    expect(ours).toContainEqual({
      seriesLabels: { __name__: 'rpc_duration_seconds_bucket', instance: omAddr, job: 'rpc', le: '+Inf' },
      exemplars: [{ labels: { span_id: '1', trace_id: 'def' }, value: '0.5', timestamp: 1700000001.5 }],
    });
    for (const [query, start, end] of [
      ['sum(rate(rpc_duration_seconds_bucket{le="0.1"}[5m]))', 1699999990, 1700000100],
      ['jobs_total', 1700000003, 1700000100],
      ['rpc_duration_seconds_bucket', 1700000001, 1700000001.5],
      ['1 + 1', 1699999990, 1700000100],
      ['no_such_metric', 1699999990, 1700000100],
    ] as const) {
      expect(await exemplars(up.url, query, start, end), query).toEqual(await exemplars(promUrl, query, start, end));
    }
    expect(await exemplars(up.url, '1 + 1')).toBe('no content');
    const bad = await fetch(`${up.url}/api/v1/query_exemplars?query=up&start=10&end=5`);
    expect(bad.status).toBe(400);
  });

  it('keeps remote_write exemplars across a restart, within query.max_exemplars', async () => {
    // No more scrapes: the remote_write exemplars below are the last ones on the topic.
    const cfg = join(dir, 'tidemark.yml');
    await writeFile(cfg, 'scrape_configs: []\n');
    expect((await fetch(`${up!.url}/-/reload`, { method: 'POST' })).status).toBe(200);
    // Recent samples: older than the stores' retention would be refused (limits.max_age_ms).
    const at = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const series = (i: number) => ({
      labels: [{ name: '__name__', value: 'pushed_seconds' }, { name: 'n', value: String(i) }],
      samples: [{ value: i, timestamp: at + i }],
      exemplars: [{ labels: [{ name: 'trace_id', value: `t${i}` }], value: i / 10, timestamp: at + i }],
    });
    const pushed = () => exemplars(up!.url, 'pushed_seconds', at / 1000 - 10, at / 1000 + 100);
    const body = snappyWriteRequest({ timeseries: [series(1), series(2)] });
    const res = await fetch(`${up!.url}/api/v1/write`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, body });
    expect(res.status).toBe(204);
    const two = (r: Awaited<ReturnType<typeof exemplars>>) => (Array.isArray(r) && r.length === 2 ? r : undefined);
    expect(await waitFor(async () => two(await pushed()))).toEqual([
      { seriesLabels: { __name__: 'pushed_seconds', n: '1' }, exemplars: [{ labels: { trace_id: 't1' }, value: '0.1', timestamp: (at + 1) / 1000 }] },
      { seriesLabels: { __name__: 'pushed_seconds', n: '2' }, exemplars: [{ labels: { trace_id: 't2' }, value: '0.2', timestamp: (at + 2) / 1000 }] },
    ]);

    expect(await up!.stop('SIGTERM')).toBe(0);
    // Restarted with room for two exemplars: the newest two written are kept.
    await writeFile(cfg, 'scrape_configs: []\nquery:\n  max_exemplars: 2\n');
    up = await startCli(['up', '--config', cfg, '--data', join(dir, 'data')]);
    expect(await waitFor(async () => two(await pushed()))).toHaveLength(2);
    expect(await exemplars(up.url, 'rpc_duration_seconds_bucket or jobs_total')).toEqual([]);
  });
});
