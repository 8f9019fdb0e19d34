import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pbLabels, snappyWriteRequest, type PbHistogram } from '../../connectors/remote-write/testdata/prompb.js';
import { freePort } from '../harness/index.js';
import { spawnService, type ServiceProcess } from '../harness/service-process.js';
import { runCli, startCli, waitFor, type RunningCli } from './cli-process.js';

const STEP = 15_000;
const STEPS = 160; // 40 minutes: more than one 120-sample chunk per series

/** A counter histogram that grows a bucket at k = 50 and is reset at k = 100. */
function histogram(k: number, t: number): PbHistogram {
  const n = k < 100 ? k : k - 100;
  const buckets = k >= 50 ? [1 + n, 2 + 2 * n, 3 + 3 * n] : [1 + n, 2 + 2 * n];
  const deltas = buckets.map((b, i) => (i === 0 ? b : b - buckets[i - 1]!));
  return {
    countInt: n + buckets.reduce((a, b) => a + b, 0), sum: 10 + 12.5 * n, schema: 1, zeroThreshold: 0.001, zeroCountInt: n,
    positiveSpans: [{ offset: -1, length: buckets.length }], positiveDeltas: deltas, timestamp: t,
  };
}

type Answer = { status: string; data: { result: { metric: Record<string, string>; values?: [number, string][]; histogram?: [number, unknown] }[] } };

/**
 * `tidemark import` of native histograms from a running Prometheus 2.42: through remote read
 * (streamed histogram chunks) and from its snapshot's blocks (histogram chunks on disk), each into
 * a fresh `tidemark up`; both then answer as that Prometheus does.
 */
describe('tidemark import of native histograms', () => {
  let dir: string;
  let prometheus: ServiceProcess;
  let promUrl: string;
  let fromRead: RunningCli;
  let fromBlocks: RunningCli;
  const end = Math.floor(Date.now() / STEP) * STEP - 2 * STEP;
  const start = end - (STEPS - 1) * STEP;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-import-nh-'));
    await writeFile(join(dir, 'tidemark.yml'), 'scrape_configs: []\n');
    await writeFile(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\n');
    await mkdir(join(dir, 'prometheus'));
    const port = await freePort();
    [fromRead, fromBlocks, prometheus] = await Promise.all([
      startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'read')]),
      startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'blocks')]),
      spawnService({
        command: '/usr/bin/prometheus',
        args: [
          '--config.file', join(dir, 'prometheus.yml'), '--storage.tsdb.path', join(dir, 'prometheus'), '--web.listen-address', `127.0.0.1:${port}`,
          '--web.enable-remote-write-receiver', '--web.enable-admin-api', '--enable-feature=native-histograms',
        ],
        ready: /Server is ready to receive web requests/,
        guard: true,
        readyTimeoutMs: 60_000,
      }).then((s) => s.process),
    ]);
    promUrl = `http://127.0.0.1:${port}`;
    const ks = Array.from({ length: STEPS }, (_, k) => k);
    const res = await fetch(`${promUrl}/api/v1/write`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
      body: snappyWriteRequest({
        timeseries: [
          { labels: pbLabels({ __name__: 'nh_latency_seconds', job: 'api' }), histograms: ks.map((k) => histogram(k, start + k * STEP)) },
          { labels: pbLabels({ __name__: 'nh_requests_total', job: 'api' }), samples: ks.map((k) => ({ value: 5 * k, timestamp: start + k * STEP })) },
        ],
      }),
    });
    expect(res.status, await res.text()).toBe(204);
  }, 120_000);

  afterAll(async () => {
    await fromRead?.stop('SIGTERM');
    await fromBlocks?.stop('SIGTERM');
    await prometheus?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const rangeQuery = async (url: string, q: string): Promise<Answer> =>
    (await (await fetch(`${url}/api/v1/query_range?query=${encodeURIComponent(q)}&start=${start / 1000}&end=${end / 1000}&step=15`)).json()) as Answer;
  const instant = async (url: string, q: string, t: number): Promise<Answer> =>
    (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}&time=${t / 1000}`)).json()) as Answer;

  /** The imported store answers the histogram queries as Prometheus does, once it holds the last sample. */
  async function answersAsPrometheus(up: RunningCli): Promise<void> {
    await waitFor(async () => ((await instant(up.url, 'histogram_count(nh_latency_seconds)', end)).data.result.length === 1 ? true : undefined));
    for (const q of ['histogram_count(nh_latency_seconds)', 'histogram_sum(nh_latency_seconds)', 'histogram_fraction(0, 2, nh_latency_seconds)', 'nh_requests_total']) {
      const [ours, theirs] = await Promise.all([rangeQuery(up.url, q), rangeQuery(promUrl, q)]);
      expect(ours.status, q).toBe('success');
      expect(ours.data.result[0]?.values, q).toHaveLength(STEPS);
      expect(ours.data, q).toEqual(theirs.data);
    }
    for (const k of [0, 49, 50, 99, 100, STEPS - 1]) {
      const t = start + k * STEP;
      const [ours, theirs] = await Promise.all([instant(up.url, 'nh_latency_seconds', t), instant(promUrl, 'nh_latency_seconds', t)]);
      expect(ours.data.result[0]?.histogram, `sample ${k}`).toBeDefined();
      expect(ours.data, `sample ${k}`).toEqual(theirs.data);
    }
  }

  it('imports them through remote read, from streamed histogram chunks', async () => {
    const r = await runCli(['import', '--url', fromRead.url, '--remote-read', `${promUrl}/api/v1/read`, '--match', '{__name__=~"nh_.*"}', '--from', String(start / 1000), '--to', String(end / 1000), '--chunk', '20m'], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^imported ${2 * STEPS} samples`));
    await answersAsPrometheus(fromRead);
  }, 120_000);

  it('imports them straight to the bus of a stopped tidemark up (--data), which stores them when it starts', async () => {
    const data = join(dir, 'bus-import');
    const r = await runCli(['import', '--data', data, '--config', join(dir, 'tidemark.yml'), '--remote-read', `${promUrl}/api/v1/read`, '--match', 'nh_latency_seconds', '--from', String(start / 1000), '--to', String(end / 1000)], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^imported ${STEPS} samples`));
    const up = await startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', data]);
    try {
      await waitFor(async () => ((await instant(up.url, 'histogram_count(nh_latency_seconds)', end)).data.result.length === 1 ? true : undefined));
      const q = 'histogram_sum(nh_latency_seconds)';
      const [ours, theirs] = await Promise.all([rangeQuery(up.url, q), rangeQuery(promUrl, q)]);
      expect(ours.data.result[0]?.values).toHaveLength(STEPS);
      expect(ours.data).toEqual(theirs.data);
    } finally {
      await up.stop('SIGTERM');
    }
  }, 120_000);

  it('imports them from the blocks of a Prometheus snapshot', async () => {
    const res = await fetch(`${promUrl}/api/v1/admin/tsdb/snapshot`, { method: 'POST' });
    const snapshot = ((await res.json()) as { data: { name: string } }).data.name;
    const r = await runCli(['import', '--url', fromBlocks.url, '--prometheus-blocks', join(dir, 'prometheus', 'snapshots', snapshot)], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^imported ${2 * STEPS} samples`));
    await answersAsPrometheus(fromBlocks);
  }, 120_000);
});
