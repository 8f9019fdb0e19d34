import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snappyWriteRequest } from '../../connectors/remote-write/testdata/prompb.js';
import { startNodeExporter, startPrometheus } from '../integration/ingest/scrape-peers.js';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

/** An OpenMetrics page with UNIT lines, a family announced by HELP alone and one without samples. */
const OPENMETRICS = [
  '# HELP job_duration_seconds How long a job ran.',
  '# TYPE job_duration_seconds histogram',
  '# UNIT job_duration_seconds seconds',
  'job_duration_seconds_bucket{le="1.0"} 2',
  'job_duration_seconds_bucket{le="+Inf"} 3',
  'job_duration_seconds_count 3',
  'job_duration_seconds_sum 2.5',
  '# HELP jobs Jobs done.',
  '# TYPE jobs counter',
  'jobs_total 7',
  '# HELP queue_bytes Bytes queued "now".',
  '# TYPE queue_bytes gauge',
  '# UNIT queue_bytes bytes',
  '# HELP announced_only A family with no samples.',
  '# HELP build_info Build.',
  '# TYPE build_info info',
  'build_info_info{version="1"} 1',
  '# EOF',
  '',
].join('\n');

type MetadataMap = Record<string, Array<{ type: string; help: string; unit: string }>>;
interface TargetMetadata {
  target: Record<string, string>;
  metric?: string;
  type: string;
  help: string;
  unit: string;
}

async function getData<T>(base: string, path: string): Promise<T> {
  const res = await fetch(base + path);
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.error}`);
  return body.data;
}

/** Metadata lists in a stable order (Prometheus builds them from Go maps). */
function sortedMetadata(m: MetadataMap): MetadataMap {
  const key = (e: { type: string; help: string; unit: string }) => `${e.type} ${e.help} ${e.unit}`;
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, [...v].sort((a, b) => key(a).localeCompare(key(b)))]));
}

function sortedTargets(list: TargetMetadata[]): TargetMetadata[] {
  const key = (e: TargetMetadata) => `${JSON.stringify(e.target)} ${e.metric ?? ''} ${e.type} ${e.help}`;
  return [...list].sort((a, b) => key(a).localeCompare(key(b)));
}

/**
 * The same scrape configuration in a real Prometheus 2.42 and in `tidemark up`, scraping one
 * node_exporter and one OpenMetrics page: /api/v1/metadata and /api/v1/targets/metadata answer
 * alike; remote_write metadata is kept too, and survives a restart through the metadata topic.
 */
describe('metric metadata beside a real Prometheus', () => {
  let dir: string;
  let om: Server;
  let omAddr: string;
  let ne: Awaited<ReturnType<typeof startNodeExporter>>;
  let prom: Awaited<ReturnType<typeof startPrometheus>>;
  let up: RunningCli | undefined;
  let scrapeYaml: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-metadata-'));
    om = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' });
      res.end(OPENMETRICS);
    });
    await new Promise<void>((r) => om.listen(0, '127.0.0.1', r));
    omAddr = `127.0.0.1:${(om.address() as AddressInfo).port}`;
    ne = await startNodeExporter();
    scrapeYaml = `global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: node
    static_configs: [{ targets: ['${ne.address}'], labels: { env: test } }]
  - job_name: jobs
    static_configs: [{ targets: ['${omAddr}'] }]
`;
    prom = await startPrometheus(scrapeYaml);
  });

  afterAll(async () => {
    await up?.stop('SIGTERM');
    await prom?.stop();
    await ne?.process.stop();
    await new Promise<void>((r) => om.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  const hasBothJobs = (m: MetadataMap) => (m.jobs !== undefined && m.node_load1 !== undefined ? m : undefined);

  it('answers /api/v1/metadata and /api/v1/targets/metadata as Prometheus does for the same targets', async () => {
    const cfg = join(dir, 'tidemark.yml');
    await writeFile(cfg, scrapeYaml);
    up = await startCli(['up', '--config', cfg, '--data', join(dir, 'data')]);
    const theirs = await waitFor(async () => hasBothJobs(await getData<MetadataMap>(prom.url, '/api/v1/metadata')));
    const ours = await waitFor(async () => hasBothJobs(await getData<MetadataMap>(up!.url, '/api/v1/metadata')));
    expect(sortedMetadata(ours)).toEqual(sortedMetadata(theirs));
    expect(ours.job_duration_seconds).toEqual([{ type: 'histogram', help: 'How long a job ran.', unit: 'seconds' }]);
    expect(ours.announced_only).toEqual([{ type: 'unknown', help: 'A family with no samples.', unit: '' }]);

    for (const path of [
      '/api/v1/metadata?metric=queue_bytes',
      '/api/v1/metadata?metric=no_such_metric',
      '/api/v1/metadata?limit=0',
      '/api/v1/targets/metadata?match_target={job="jobs"}',
      '/api/v1/targets/metadata?metric=node_load1',
      '/api/v1/targets/metadata?match_target={job=~"no.*"}&metric=jobs',
      '/api/v1/targets/metadata?match_target={env="test"}&limit=1',
    ]) {
      const [a, b] = await Promise.all([getData<unknown>(up.url, path), getData<unknown>(prom.url, path)]);
      if (Array.isArray(a)) expect(sortedTargets(a as TargetMetadata[]), path).toEqual(sortedTargets(b as TargetMetadata[]));
      else expect(a, path).toEqual(b);
    }
    const limited = await getData<MetadataMap>(up.url, '/api/v1/metadata?limit=2');
    expect(Object.keys(limited)).toHaveLength(2);
    const jobs = await getData<TargetMetadata[]>(up.url, '/api/v1/targets/metadata?match_target={job="jobs"}');
    expect(jobs).toContainEqual({ target: { instance: omAddr, job: 'jobs' }, metric: 'queue_bytes', type: 'gauge', help: 'Bytes queued "now".', unit: 'bytes' });
    const bad = await fetch(`${up.url}/api/v1/metadata?limit=x`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ status: 'error', errorType: 'bad_data', error: 'limit must be a number' });
  });

  it('keeps remote_write metadata in /api/v1/metadata, merged per metric, across a restart', async () => {
    const body = snappyWriteRequest({
      timeseries: [{ labels: [{ name: '__name__', value: 'pushed_requests_total' }], samples: [{ value: 1, timestamp: Date.now() }] }],
      metadata: [
        { type: 1, metricFamilyName: 'pushed_requests_total', help: 'Requests pushed by remote_write.', unit: '' },
        // The same family as a scrape target's, with another help: listed as a second entry.
        { type: 2, metricFamilyName: 'queue_bytes', help: 'Queue from a remote writer.', unit: 'bytes' },
      ],
    });
    const res = await fetch(`${up!.url}/api/v1/write`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, body });
    expect(res.status).toBe(204);
    const pushed = await waitFor(async () => {
      const m = await getData<MetadataMap>(up!.url, '/api/v1/metadata');
      return m.pushed_requests_total !== undefined ? m : undefined;
    });
    expect(pushed.pushed_requests_total).toEqual([{ type: 'counter', help: 'Requests pushed by remote_write.', unit: '' }]);
    expect(sortedMetadata(pushed).queue_bytes).toEqual([
      { type: 'gauge', help: 'Bytes queued "now".', unit: 'bytes' },
      { type: 'gauge', help: 'Queue from a remote writer.', unit: 'bytes' },
    ]);
    expect(await getData<MetadataMap>(up!.url, '/api/v1/metadata?metric=queue_bytes&limit_per_metric=1')).toEqual({ queue_bytes: [expect.any(Object)] });
    // Pushed metadata belongs to no target.
    const targets = await getData<TargetMetadata[]>(up!.url, '/api/v1/targets/metadata?metric=pushed_requests_total');
    expect(targets).toEqual([]);

    expect(await up!.stop('SIGTERM')).toBe(0);
    // Restarted without scrape targets: what remote_write announced is read back from the bus.
    const cfg = join(dir, 'tidemark.yml');
    await writeFile(cfg, 'scrape_configs: []\n');
    up = await startCli(['up', '--config', cfg, '--data', join(dir, 'data')]);
    const after = await waitFor(async () => {
      const m = await getData<MetadataMap>(up!.url, '/api/v1/metadata?metric=pushed_requests_total');
      return m.pushed_requests_total !== undefined ? m : undefined;
    });
    expect(after).toEqual({ pushed_requests_total: [{ type: 'counter', help: 'Requests pushed by remote_write.', unit: '' }] });
  });

  it('forgets a target\'s metadata when a reload removes the target, as Prometheus forgets inactive targets', async () => {
    const cfg = join(dir, 'tidemark.yml');
    await writeFile(cfg, scrapeYaml);
    expect((await fetch(`${up!.url}/-/reload`, { method: 'POST' })).status).toBe(200);
    await waitFor(async () => ((await getData<TargetMetadata[]>(up!.url, '/api/v1/targets/metadata?match_target={job="jobs"}')).length > 0 ? true : undefined));
    await writeFile(cfg, scrapeYaml.slice(0, scrapeYaml.indexOf('  - job_name: jobs')));
    expect((await fetch(`${up!.url}/-/reload`, { method: 'POST' })).status).toBe(200);
    const gone = await waitFor(async () => {
      const m = await getData<MetadataMap>(up!.url, '/api/v1/metadata');
      return m.jobs === undefined ? m : undefined;
    });
    expect(gone.node_load1).toBeDefined();
    expect(await getData<TargetMetadata[]>(up!.url, '/api/v1/targets/metadata?match_target={job="jobs"}')).toEqual([]);
  });
});
