import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from './cli-process.js';

describe('tidemark up keeps pushed groups across a restart', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-up-pushgateway-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves a group pushed before a restart on a fresh data directory', async () => {
    const data = join(dir, 'data');
    const first = await startCli(['up', '--data', data]);
    try {
      const put = await fetch(`${first.url}/metrics/job/flink/instance/tm-1`, { method: 'PUT', body: 'flink_taskmanager_Status_JVM_CPU_Load 0.25\n' });
      expect(put.status).toBe(200);
    } finally {
      expect(await first.stop('SIGTERM')).toBe(0);
    }
    const second = await startCli(['up', '--data', data]);
    try {
      const res = await fetch(`${second.url}/api/v1/metrics`);
      const body = (await res.json()) as { data: Array<{ labels: Record<string, string>; [family: string]: unknown }> };
      const group = body.data.find((g) => g.labels.job === 'flink' && g.labels.instance === 'tm-1');
      expect(group).toBeDefined();
      expect(JSON.stringify(group)).toContain('flink_taskmanager_Status_JVM_CPU_Load');
    } finally {
      await second.stop('SIGTERM');
    }
  });
});
