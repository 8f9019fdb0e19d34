import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWriteRequest } from '../bench/peers/index.js';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

const MIN = 60_000;
const RANGE = 15 * MIN;

/** Every block range of every shard, from the blocks' meta.json files. */
function blockRanges(data: string): [number, number][] {
  const root = join(data, 'store', 'shards');
  if (!existsSync(root)) return [];
  const out: [number, number][] = [];
  for (const shard of readdirSync(root)) {
    for (const f of readdirSync(join(root, shard))) {
      const meta = join(root, shard, f, 'meta.json');
      if (f.endsWith('.tmp') || !existsSync(meta)) continue;
      const m = JSON.parse(readFileSync(meta, 'utf8')) as { minTime: number; maxTime: number };
      out.push([m.minTime, m.maxTime]);
    }
  }
  return out;
}

const overlapping = (ranges: [number, number][]) => ranges.some(([lo, hi], i) => ranges.some(([lo2, hi2], j) => i !== j && lo < hi2 && lo2 < hi));

/** Writes one sample of each series, answered 204; returns the write token. */
async function remoteWrite(url: string, samples: readonly { labels: Record<string, string>; t: number; v: number }[]): Promise<string> {
  const res = await fetch(`${url}/api/v1/write`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    body: snappyBlockCompress(encodeWriteRequest(samples.map((s) => ({ labels: s.labels, values: [s.v], timestamps: [s.t], from: 0, to: 1 })))),
  });
  expect(res.status).toBe(204);
  return res.headers.get('x-tidemark-write-token') ?? '';
}

/** The samples of dup_e2e per case label, as [timestamp ms, value]. */
async function duplicates(url: string, at: number, token?: string): Promise<Record<string, [number, number][]>> {
  const q = new URLSearchParams({ query: 'dup_e2e[2h]', time: String(at / 1000) });
  if (token !== undefined) q.set('write_token', token);
  const body = (await (await fetch(`${url}/api/v1/query?${q}`)).json()) as { status: string; data: { result: { metric: { case: string }; values: [number, string][] }[] } };
  expect(body.status).toBe('success');
  const out: Record<string, [number, number][]> = {};
  for (const s of body.data.result) out[s.metric.case] = s.values.map(([t, v]) => [Math.round(t * 1000), Number(v)]);
  return out;
}

/**
 * Two values at one timestamp: the store keeps the larger, whichever arrived first and whether the
 * first was still in a shard's head or only in a block when the second came, so reads give the
 * same value before and after a SIGKILL (the bus applied again), after compaction and after a
 * restart.
 */
describe('tidemark up with a second value at a stored timestamp', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'tidemark-dup-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('keeps the larger value, in the head or behind a cut block, before and after a SIGKILL, compaction and a restart', async () => {
    const data = join(dir, 'data');
    const cfg = join(dir, 'tidemark.yml');
    // One shard; small blocks, so the live data cuts one; a second value behind it goes into a
    // block of its own at the next flush, and compaction merges the overlapping blocks soon.
    await writeFile(cfg, `bus:\n  partitions: 1\nstore:\n  block_range_ms: ${RANGE}\n  backfill_flush_samples: 1\n  compact_interval_ms: 1000\n`);
    const now = Math.floor(Date.now() / 1000) * 1000;
    const liveFrom = Math.floor((now - 45 * MIN) / RANGE) * RANGE;
    const inBlock = liveFrom + MIN;
    const inHead = now - MIN;
    const dup = (c: string, t: number, v: number) => ({ labels: { __name__: 'dup_e2e', case: c }, t, v });
    const firsts = [dup('block_larger_second', inBlock, 1), dup('block_smaller_second', inBlock, 2), dup('head_larger_second', inHead, 1), dup('head_smaller_second', inHead, 2)];
    const seconds = [dup('block_larger_second', inBlock, 2), dup('block_smaller_second', inBlock, 1), dup('head_larger_second', inHead, 2), dup('head_smaller_second', inHead, 1)];
    const want = {
      block_larger_second: [[inBlock, 2]],
      block_smaller_second: [[inBlock, 2]],
      head_larger_second: [[inHead, 2]],
      head_smaller_second: [[inHead, 2]],
    };

    let up: RunningCli = await startCli(['up', '--config', cfg, '--data', data]);
    try {
      await remoteWrite(up.url, firsts);
      // Live data over three block ranges: the shard cuts the oldest, with the first values at inBlock.
      for (let t = liveFrom; t < now - 10_000; t += 10_000) await remoteWrite(up.url, [{ labels: { __name__: 'dup_e2e_live' }, t, v: t }]);
      await waitFor(async () => (blockRanges(data).some(([lo]) => lo === liveFrom) ? true : undefined));
      expect(await duplicates(up.url, now)).toEqual({ block_larger_second: [[inBlock, 1]], block_smaller_second: [[inBlock, 2]], head_larger_second: [[inHead, 1]], head_smaller_second: [[inHead, 2]] });

      const token = await remoteWrite(up.url, seconds);
      expect(await duplicates(up.url, now, token)).toEqual(want);
    } finally {
      // Right after the 2xx: the bus holds the second values, a block or the head may not yet.
      expect(await up.stop('SIGKILL')).toBe(null);
    }

    up = await startCli(['up', '--config', cfg, '--data', data]);
    try {
      expect(await waitFor(async () => {
        const r = await duplicates(up.url, now);
        return Object.keys(r).length === 4 ? r : undefined;
      })).toEqual(want);
      // The second values behind the cut block go into a block of their own, then compaction
      // merges it with the block of the first values.
      await waitFor(async () => {
        const ranges = blockRanges(data);
        return ranges.some(([lo]) => lo === liveFrom) && !overlapping(ranges) ? true : undefined;
      }, 60_000);
      expect(await duplicates(up.url, now)).toEqual(want);
    } finally {
      expect(await up.stop('SIGTERM')).toBe(0);
    }

    up = await startCli(['up', '--config', cfg, '--data', data]);
    try {
      expect(await waitFor(async () => {
        const r = await duplicates(up.url, now);
        return Object.keys(r).length === 4 ? r : undefined;
      })).toEqual(want);
    } finally {
      expect(await up.stop('SIGTERM')).toBe(0);
    }
  });
});
