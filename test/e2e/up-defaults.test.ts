import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, waitFor } from './cli-process.js';

interface VectorAnswer {
  data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

describe('tidemark up on the embedded defaults', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-up-defaults-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('scrapes its own /metrics as job tidemark, so up and its metrics are queryable without a configuration', async () => {
    const up = await startCli(['up', '--data', join(dir, 'data')]);
    try {
      const query = async (q: string) => {
        const res = await fetch(`${up.url}/api/v1/query?query=${encodeURIComponent(q)}`);
        return ((await res.json()) as VectorAnswer).data.result;
      };
      const self = await waitFor(async () => {
        const r = await query('up{job="tidemark"}');
        return r.length > 0 ? r : undefined;
      }, 45_000);
      expect(self).toHaveLength(1);
      expect(self[0].value[1]).toBe('1');
      expect(`http://${self[0].metric.instance}`).toBe(up.url);
      const build = await query('tidemark_build_info{job="tidemark"}');
      expect(build).toHaveLength(1);
      const targets = (await (await fetch(`${up.url}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ scrapePool: string; health: string }> } };
      expect(targets.data.activeTargets.map((t) => [t.scrapePool, t.health])).toEqual([['tidemark', 'up']]);
    } finally {
      expect(await up.stop('SIGTERM')).toBe(0);
    }
  }, 90_000);
});
