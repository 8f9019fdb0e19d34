import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, waitFor } from './cli-process.js';

/** A store whose shards are damaged is rebuilt from the bus with --rebuild, as the README shows. */
describe('tidemark up --rebuild', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'tidemark-rebuild-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  const count = async (url: string): Promise<number> => {
    const q = new URLSearchParams({ query: 'count_over_time(rebuild_v[1h])', time: String(Date.now() / 1000) });
    const body = (await (await fetch(`${url}/api/v1/query?${q}`)).json()) as { data: { result: Array<{ value: [number, string] }> } };
    return body.data.result.reduce((n, r) => n + Number(r.value[1]), 0);
  };

  it('moves damaged shards aside and serves every sample again from the bus', async () => {
    const cfg = join(dir, 'tidemark.yml');
    await writeFile(cfg, 'bus:\n  partitions: 2\n');
    const data = join(dir, 'data');
    const first = await startCli(['up', '--config', cfg, '--data', data]);
    const start = Date.now() - 60_000;
    const lines = Array.from({ length: 50 }, (_, i) => `rebuild,host=h${i % 5} v=${i} ${start + i * 1000}`);
    expect((await fetch(`${first.url}/write?precision=ms`, { method: 'POST', body: lines.join('\n') })).status).toBe(204);
    expect(await waitFor(async () => ((await count(first.url)) === 50 ? 50 : undefined))).toBe(50);
    expect(await first.stop('SIGTERM')).toBe(0);

    // Damage: every shard's offset file overwritten.
    const shards = join(data, 'store', 'shards');
    for (const d of readdirSync(shards)) writeFileSync(join(shards, d, 'offset.json'), 'not json');

    const rebuilt = await startCli(['up', '--config', cfg, '--data', data, '--rebuild', 'all']);
    try {
      expect(await waitFor(async () => ((await count(rebuilt.url)) === 50 ? 50 : undefined))).toBe(50);
      expect(rebuilt.output()).toContain('shard moved aside; rebuilding it from the bus');
      // Progress per rebuilt shard on /metrics: every record the partition held when it was moved is replayed.
      const metrics = await (await fetch(`${rebuilt.url}/metrics`)).text();
      const gauge = (name: string, partition: number) => Number(new RegExp(`^${name}\\{topic="tidemark\\.samples",partition="${partition}"\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
      for (const p of [0, 1]) {
        expect(gauge('tidemark_store_rebuild_target_records', p)).toBeGreaterThan(0);
        expect(gauge('tidemark_store_rebuild_replayed_records', p)).toBe(gauge('tidemark_store_rebuild_target_records', p));
        expect(gauge('tidemark_store_rebuild_progress_ratio', p)).toBe(1);
      }
    } finally {
      expect(await rebuilt.stop('SIGTERM')).toBe(0);
    }
    const names = readdirSync(shards);
    expect(names.filter((n) => n.includes('.before-rebuild-')).length).toBeGreaterThan(0);
    expect(existsSync(join(shards, 'tidemark.samples-0', 'offset.json'))).toBe(true);
  });

  it('is refused by roles that hold no shards', async () => {
    const r = await runCli(['query', '--rebuild', 'all']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--rebuild: only store and up hold shards, not query');
  });
});
