import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from './cli-process.js';

/** runtimeinfo and the reload gauges report what the last /-/reload did, as Prometheus' do. */
describe('tidemark up reporting configuration reloads', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'tidemark-reload-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('says a failed reload failed, and a later good one succeeded', async () => {
    const cfg = join(dir, 'tidemark.yml');
    await writeFile(cfg, 'global:\n  scrape_interval: 15s\n');
    const up = await startCli(['up', '--config', cfg, '--data', join(dir, 'data')]);
    try {
      const status = async () => {
        const info = (await (await fetch(`${up.url}/api/v1/status/runtimeinfo`)).json()) as { data: { reloadConfigSuccess: boolean; lastConfigTime: string } };
        const metrics = await (await fetch(`${up.url}/metrics`)).text();
        const gauge = /^tidemark_config_last_reload_successful (\d)$/m.exec(metrics)?.[1];
        return { ok: info.data.reloadConfigSuccess, at: Date.parse(info.data.lastConfigTime), gauge };
      };
      const first = await status();
      expect(first).toMatchObject({ ok: true, gauge: '1' });

      await writeFile(cfg, 'global:\n  scrape_interval: not-a-duration\n');
      expect((await fetch(`${up.url}/-/reload`, { method: 'POST' })).status).toBe(500);
      const failed = await status();
      expect(failed).toMatchObject({ ok: false, gauge: '0' });
      expect(failed.at).toBe(first.at);

      await writeFile(cfg, 'global:\n  scrape_interval: 10s\n');
      expect((await fetch(`${up.url}/-/reload`, { method: 'POST' })).status).toBe(200);
      const fixed = await status();
      expect(fixed).toMatchObject({ ok: true, gauge: '1' });
      expect(fixed.at).toBeGreaterThanOrEqual(first.at);
    } finally {
      expect(await up.stop('SIGTERM')).toBe(0);
    }
  });
});
