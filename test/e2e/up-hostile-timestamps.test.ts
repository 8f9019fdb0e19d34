import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWriteRequest } from '../bench/peers/index.js';
import { startCli, waitFor } from './cli-process.js';

/**
 * A far-future timestamp used to be accepted, move its shard's head, and make every later
 * acknowledged sample of that shard too old to store. Now the edge refuses it, and every sample
 * that was answered 2xx is readable.
 */
describe('tidemark up with hostile timestamps', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'tidemark-hostile-ts-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('refuses far-future samples with 400 and keeps every acknowledged sample readable', async () => {
    const cfg = join(dir, 'tidemark.yml');
    // One partition: every series shares one shard head, as in the failure this guards against.
    await writeFile(cfg, 'bus:\n  partitions: 1\n');
    const up = await startCli(['up', '--config', cfg, '--data', join(dir, 'data')]);
    try {
      const influx = await fetch(`${up.url}/write?precision=ns`, { method: 'POST', body: 'hostile v=1 99999999999999999999\n' });
      expect(influx.status).toBe(400);
      expect(await influx.text()).toMatch(/line 1.*ahead of the receiving clock/);
      const rw = await fetch(`${up.url}/api/v1/write`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
        body: snappyBlockCompress(encodeWriteRequest([{ labels: { __name__: 'hostile_rw' }, values: [1], timestamps: [Date.UTC(3000, 0, 1)], from: 0, to: 1 }])),
      });
      expect(rw.status).toBe(400);

      let acknowledged = 0;
      const start = Date.now() - 400_000;
      for (let batch = 0; batch < 4; batch++) {
        const lines: string[] = [];
        for (let i = 0; i < 100; i++) lines.push(`later v=${batch * 100 + i} ${start + (batch * 100 + i) * 1000}`);
        const res = await fetch(`${up.url}/write?precision=ms`, { method: 'POST', body: lines.join('\n') });
        expect(res.status).toBe(204);
        acknowledged += 100;
      }
      const stored = await waitFor(async () => {
        const q = new URLSearchParams({ query: 'count_over_time(later_v[10m])', time: String(Date.now() / 1000) });
        const body = (await (await fetch(`${up.url}/api/v1/query?${q}`)).json()) as { data: { result: Array<{ value: [number, string] }> } };
        const n = Number(body.data.result[0]?.value[1] ?? 0);
        return n === acknowledged ? n : undefined;
      });
      expect(stored).toBe(400);
      const hostile = (await (await fetch(`${up.url}/api/v1/series?match[]={__name__=~"hostile.*"}`)).json()) as { data: unknown[] };
      expect(hostile.data).toEqual([]);
      const rejected = await (await fetch(`${up.url}/metrics`)).text();
      expect(rejected).not.toMatch(/tidemark_store_samples_rejected_total\{[^}]*reason="out_of_bounds"[^}]*\} [1-9]/);
    } finally {
      expect(await up.stop('SIGTERM')).toBe(0);
    }
  });
});
