import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, waitFor } from './cli-process.js';

interface VectorAnswer {
  status: string;
  data: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

describe('tidemark up as a Prometheus data source', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-up-query-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('answers PromQL over what was pushed, through the bus and the store', async () => {
    await writeFile(join(dir, 'tidemark.yml'), 'bus:\n  partitions: 2\nstore:\n  flush_interval_ms: 100\n');
    const up = await startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]);
    try {
      const now = Date.now();
      const lines = ['cpu,host=a usage=5', 'cpu,host=b usage=7', 'cpu,host=c usage=30'].map((l, i) => `${l} ${now - 1000 + i}`).join('\n');
      expect((await fetch(`${up.url}/write?precision=ms`, { method: 'POST', body: lines })).status).toBe(204);

      const answer = await waitFor(async () => {
        const res = await fetch(`${up.url}/api/v1/query?query=${encodeURIComponent('sum(cpu_usage) by (__name__)')}`);
        const body = (await res.json()) as VectorAnswer;
        return body.data.result.length === 1 && body.data.result[0].value[1] === '42' ? body : undefined;
      });
      expect(answer.status).toBe('success');
      expect(answer.data.resultType).toBe('vector');

      const form = await fetch(`${up.url}/api/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query: 'cpu_usage > 6' }),
      });
      const hosts = ((await form.json()) as VectorAnswer).data.result.map((r) => r.metric.host).sort();
      expect(hosts).toEqual(['b', 'c']);

      const labels = (await (await fetch(`${up.url}/api/v1/label/host/values`)).json()) as { data: string[] };
      expect(labels.data).toEqual(['a', 'b', 'c']);

      const bad = await fetch(`${up.url}/api/v1/query?query=${encodeURIComponent('sum(')}`);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { errorType: string }).errorType).toBe('bad_data');
      expect((await fetch(`${up.url}/-/ready`)).status).toBe(200);
    } finally {
      expect(await up.stop('SIGTERM')).toBe(0);
    }
    expect(up.output(), 'no error was logged').not.toContain('"level":50');
  });
});
