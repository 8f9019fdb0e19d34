import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pbLabels, snappyWriteRequest, type PbHistogram } from '../../connectors/remote-write/testdata/prompb.js';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

/** The k-th sample of a counter histogram that gains 1, 2 and 3 observations in three buckets and 1 in the zero bucket per push. */
function sample(k: number, t: number): PbHistogram {
  const b = [1 + k, 2 + 2 * k, 3 + 3 * k];
  return {
    countInt: 7 + 7 * k, sum: 10 + 12.5 * k, schema: 0, zeroThreshold: 0.001, zeroCountInt: 1 + k,
    positiveSpans: [{ offset: 0, length: 3 }], positiveDeltas: [b[0], b[1] - b[0], b[2] - b[1]], timestamp: t,
  };
}

interface Answer {
  data: { result: Array<{ metric: Record<string, string>; value?: [number, string]; histogram?: [number, { count: string; buckets: unknown[] }] }> };
}

/**
 * Native histograms remote-written to `tidemark up` while its rules run: a recording rule over them
 * writes histogram samples the query API answers as histograms, and an alerting rule on them fires.
 */
describe('tidemark up evaluating rules over native histograms', () => {
  let dir: string;
  let up: RunningCli;
  let pusher: NodeJS.Timeout;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-rules-nh-'));
    await writeFile(join(dir, 'rules.yml'), `groups:
  - name: latency
    rules:
      - record: job:rpc_seconds:rate5s
        expr: sum by (job) (rate(rpc_seconds[5s]))
      - alert: RpcTraffic
        expr: histogram_count(job:rpc_seconds:rate5s) > 0
`);
    await writeFile(join(dir, 'tidemark.yml'), 'global:\n  evaluation_interval: 1s\nrule_files: [\'rules.yml\']\nbus:\n  partitions: 1\nstore:\n  flush_interval_ms: 100\nrules:\n  allowed_lateness_ms: 0\n  idle_timeout_ms: 500\n');
    up = await startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]);
    let k = 0;
    const push = async () => {
      const body = snappyWriteRequest({ timeseries: [{ labels: pbLabels({ __name__: 'rpc_seconds', job: 'api', instance: 'a' }), histograms: [sample(k++, Date.now())] }] });
      await fetch(`${up.url}/api/v1/write`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
        body,
      });
    };
    // Samples keep coming so event time advances past the rule instants.
    pusher = setInterval(() => void push().catch(() => undefined), 250);
  }, 120_000);

  afterAll(async () => {
    clearInterval(pusher);
    await up?.stop('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('stores the recording rule\'s histogram-valued output as native histograms', async () => {
    const answer = await waitFor(async () => {
      const body = (await (await fetch(`${up.url}/api/v1/query?query=${encodeURIComponent('job:rpc_seconds:rate5s')}`)).json()) as Answer;
      return body.data.result.length > 0 ? body : undefined;
    });
    const r = answer.data.result[0];
    expect(r.metric).toEqual({ __name__: 'job:rpc_seconds:rate5s', job: 'api' });
    expect(r.value).toBeUndefined();
    // 7 observations per push, 4 pushes a second: about 28 a second, in four buckets.
    expect(Number(r.histogram?.[1].count)).toBeGreaterThan(0);
    expect(r.histogram?.[1].buckets).toHaveLength(4);
  });

  it('fires an alerting rule on a histogram expression', async () => {
    const alerts = await waitFor(async () => {
      const body = (await (await fetch(`${up.url}/api/v1/alerts`)).json()) as { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } };
      return body.data.alerts.some((a) => a.state === 'firing') ? body.data.alerts : undefined;
    });
    expect(alerts.map((a) => [a.labels.alertname, a.labels.job, a.state])).toEqual([['RpcTraffic', 'api', 'firing']]);
  });
});
