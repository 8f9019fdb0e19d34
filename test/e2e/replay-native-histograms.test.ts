import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pbLabels, snappyWriteRequest, type PbHistogram } from '../../connectors/remote-write/testdata/prompb.js';
import { runCli, startCli, waitFor, type RunningCli } from './cli-process.js';

const STEP = 15_000;
const STEPS = 80; // 20 minutes
const INTERVAL = 60_000;

/** Instance i's counter histogram (schema 1), reset at k = 50 on instance 2. */
function histogram(i: number, k: number, t: number): PbHistogram {
  const n = i === 2 && k >= 50 ? k - 50 : k;
  const buckets = [1 + i * n, 2 + 2 * n, 3 + 3 * n];
  return {
    countInt: n + buckets[0]! + buckets[1]! + buckets[2]!, sum: 10 + 12.5 * n * i, schema: 1, zeroThreshold: 0.001, zeroCountInt: n,
    positiveSpans: [{ offset: -1, length: 3 }], positiveDeltas: [buckets[0]!, buckets[1]! - buckets[0]!, buckets[2]! - buckets[1]!], timestamp: t,
  };
}

const RULES = `groups:
  - name: histograms
    interval: 1m
    rules:
      - record: job:nh_latency_seconds:rate1m
        expr: sum by (job) (rate(nh_latency_seconds[1m]))
      - record: job:nh_latency_seconds:count_rate1m
        expr: histogram_count(job:nh_latency_seconds:rate1m)
      - record: instance:nh_latency_seconds:last
        expr: last_over_time(nh_latency_seconds[1m])
`;

type Answer = { data: { result: { metric: Record<string, string>; value?: [number, string]; histogram?: [number, unknown] }[] } };

/**
 * `tidemark replay --rules` over native histograms: recording rules whose results are
 * histograms write histogram samples, which later rules read, and every recorded sample equals
 * the rule's expression evaluated over the raw data at that instant.
 */
describe('tidemark replay over native histograms', () => {
  let dir: string;
  let up: RunningCli;
  const end = Math.floor(Date.now() / INTERVAL) * INTERVAL - 2 * INTERVAL;
  const start = end - (STEPS - 1) * STEP;
  const from = Math.ceil((start + 2 * INTERVAL) / INTERVAL) * INTERVAL;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-replay-nh-'));
    await writeFile(join(dir, 'tidemark.yml'), 'scrape_configs: []\n');
    await writeFile(join(dir, 'rules.yml'), RULES);
    up = await startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]);
    const res = await fetch(`${up.url}/api/v1/write`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
      body: snappyWriteRequest({
        timeseries: [1, 2].map((i) => ({
          labels: pbLabels({ __name__: 'nh_latency_seconds', job: 'api', instance: `i${i}` }),
          histograms: Array.from({ length: STEPS }, (_, k) => histogram(i, k, start + k * STEP)),
        })),
      }),
    });
    expect(res.status, await res.text()).toBe(204);
  }, 120_000);

  afterAll(async () => {
    await up?.stop('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  const instant = async (q: string, t: number): Promise<Answer> => (await (await fetch(`${up.url}/api/v1/query?query=${encodeURIComponent(q)}&time=${t / 1000}`)).json()) as Answer;
  const byLabels = (a: Answer) => new Map(a.data.result.map((s) => { const { __name__: _n, ...rest } = s.metric; return [JSON.stringify(rest), s]; }));

  it('records histogram-valued rules as histograms, equal to their expressions at every instant', async () => {
    await waitFor(async () => ((await instant('count(nh_latency_seconds)', end)).data.result[0]?.value?.[1] === '2' ? true : undefined));
    const r = await runCli(['replay', '--rules', join(dir, 'rules.yml'), '--from', String(from / 1000), '--to', String(end / 1000), '--url', up.url], { timeoutMs: 120_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    let compared = 0;
    for (let t = from; t <= end; t += INTERVAL) {
      for (const [recorded, expr] of [
        ['job:nh_latency_seconds:rate1m', 'sum by (job) (rate(nh_latency_seconds[1m]))'],
        ['job:nh_latency_seconds:count_rate1m', 'histogram_count(sum by (job) (rate(nh_latency_seconds[1m])))'],
        ['instance:nh_latency_seconds:last', 'last_over_time(nh_latency_seconds[1m])'],
      ] as const) {
        // The recorded sample at t is read back at t (a lookback selects it, stored at exactly t).
        const got = byLabels(await waitFor(async () => { const a = await instant(recorded, t); return a.data.result.length > 0 ? a : undefined; }));
        const want = byLabels(await instant(expr, t));
        expect([...got.keys()].sort(), `${recorded}@${t}`).toEqual([...want.keys()].sort());
        for (const [k, w] of want) {
          const g = got.get(k)!;
          if (w.histogram !== undefined) expect(g.histogram?.[1], `${recorded}${k}@${t}`).toEqual(w.histogram[1]);
          else expect(g.value?.[1], `${recorded}${k}@${t}`).toBe(w.value?.[1]);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(3 * ((end - from) / INTERVAL));
  }, 180_000);
});
