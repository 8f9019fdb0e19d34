import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWriteRequest } from '../bench/peers/index.js';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

const MIN = 60_000;

/** Block ranges of the one shard, read from the blocks' meta.json files. */
function blockRanges(data: string): [number, number][] {
  const root = join(data, 'store', 'shards');
  if (!existsSync(root)) return [];
  const out: [number, number][] = [];
  for (const shard of readdirSync(root)) {
    for (const f of readdirSync(join(root, shard))) {
      const meta = join(root, shard, f, 'meta.json');
      if (f.endsWith('.tmp') || !existsSync(meta)) continue;
      let text: string;
      try {
        text = readFileSync(meta, 'utf8');
      } catch (err) {
        // Compaction removed the block between the listing and the read: it is not a range any more.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      const m = JSON.parse(text) as { minTime: number; maxTime: number };
      out.push([m.minTime, m.maxTime]);
    }
  }
  return out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

function overlapping(ranges: readonly [number, number][]): boolean {
  return ranges.some(([lo], k) => k > 0 && lo < Math.max(...ranges.slice(0, k).map(([, hi]) => hi)));
}

async function remoteWrite(url: string, timestamps: readonly number[]): Promise<string> {
  const res = await fetch(`${url}/api/v1/write`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    body: snappyBlockCompress(encodeWriteRequest([{ labels: { __name__: 'ooo_e2e' }, values: timestamps.map((t) => t / 1000), timestamps: [...timestamps], from: 0, to: timestamps.length }])),
  });
  expect(res.status).toBe(204);
  return res.headers.get('x-tidemark-write-token') ?? '';
}

/** Raw sample timestamps of ooo_e2e in (at - 1h, at], read after `token` was applied. */
async function storedTimestamps(url: string, at: number, token?: string): Promise<number[]> {
  const q = new URLSearchParams({ query: 'ooo_e2e[1h]', time: String(at / 1000) });
  if (token !== undefined) q.set('write_token', token);
  const body = (await (await fetch(`${url}/api/v1/query?${q}`)).json()) as { status: string; data: { result: { values: [number, string][] }[] } };
  expect(body.status).toBe('success');
  const values = body.data.result[0]?.values ?? [];
  // Each sample's value is its timestamp in seconds: a wrong value would show here too.
  for (const [t, v] of values) expect(Number(v)).toBe(t);
  return values.map(([t]) => Math.round(t * 1000));
}

/**
 * Samples older than a block already cut from a shard's head are stored as Prometheus'
 * out-of-order head stores them: readable at once, cut into blocks overlapping the older ones,
 * merged by compaction, and kept across restarts and a kill.
 */
describe('tidemark up with out-of-order samples older than its blocks', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'tidemark-ooo-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('stores them, reads them merged with the blocks, compacts the overlap away and keeps them across a restart and a SIGKILL', async () => {
    const data = join(dir, 'data');
    const config = async (compactMs: number) => {
      const cfg = join(dir, `tidemark-${compactMs}.yml`);
      await writeFile(cfg, `bus:\n  partitions: 1\nstore:\n  block_range_ms: ${MIN}\n  compact_interval_ms: ${compactMs}\n`);
      return cfg;
    };
    const base = Math.floor((Date.now() - 40 * MIN) / MIN) * MIN;
    const end = base + 20 * MIN;
    const inOrder = Array.from({ length: 121 }, (_, i) => base + i * 10_000);
    const old = Array.from({ length: 60 }, (_, i) => base + 5_000 + i * 10_000);
    const later = Array.from({ length: 30 }, (_, i) => end + 10_000 + i * 10_000);
    const killed = Array.from({ length: 60 }, (_, i) => base + 2_500 + i * 10_000);
    const expected = (...sets: number[][]) => sets.flat().filter((t) => t <= end + 5 * MIN).sort((a, b) => a - b);

    // Compaction off at first, so the overlapping blocks can be seen on disk.
    let up: RunningCli = await startCli(['up', '--config', await config(0), '--data', data]);
    try {
      await remoteWrite(up.url, inOrder);
      await waitFor(async () => (blockRanges(data).some(([lo]) => lo === base) ? true : undefined));
      const cut = blockRanges(data);
      expect(overlapping(cut)).toBe(false);

      const token = await remoteWrite(up.url, old);
      expect(await storedTimestamps(up.url, end, token)).toEqual(expected(inOrder, old));
      const metrics = await (await fetch(`${up.url}/metrics`)).text();
      expect(metrics).not.toMatch(/tidemark_store_samples_rejected_total\{[^}]*\} [1-9]/);

      // Newer samples make the head cut again, and the old ones go into blocks of their own.
      await remoteWrite(up.url, later);
      await waitFor(async () => (overlapping(blockRanges(data)) ? true : undefined));
      expect(await storedTimestamps(up.url, end + 5 * MIN)).toEqual(expected(inOrder, old, later));
    } finally {
      expect(await up.stop('SIGTERM')).toBe(0);
    }

    // Restarted with compaction on: the overlapping blocks are merged, the answer stays.
    up = await startCli(['up', '--config', await config(500), '--data', data]);
    try {
      await waitFor(async () => (!overlapping(blockRanges(data)) ? true : undefined));
      expect(await storedTimestamps(up.url, end + 5 * MIN)).toEqual(expected(inOrder, old, later));
      await remoteWrite(up.url, killed);
    } finally {
      // Killed right after the 2xx: the bus and the shard's log must still hold them.
      expect(await up.stop('SIGKILL')).toBe(null);
    }

    up = await startCli(['up', '--config', await config(500), '--data', data]);
    try {
      const want = expected(inOrder, old, later, killed);
      const got = await waitFor(async () => {
        const ts = await storedTimestamps(up.url, end + 5 * MIN);
        return ts.length >= want.length ? ts : undefined;
      });
      expect(got).toEqual(want);
    } finally {
      expect(await up.stop('SIGTERM')).toBe(0);
    }
  });
});
