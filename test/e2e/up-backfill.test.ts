import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWriteRequest } from '../bench/peers/index.js';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const RANGE = 15 * MIN;

type Written = Map<string, number[]>;

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

/** Writes `timestamps` of backfill_e2e{host} (each value is its timestamp in seconds) and notes them as acknowledged. */
async function remoteWrite(url: string, written: Written, host: string, timestamps: readonly number[]): Promise<string> {
  const res = await fetch(`${url}/api/v1/write`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    body: snappyBlockCompress(encodeWriteRequest([{ labels: { __name__: 'backfill_e2e', host }, values: timestamps.map((t) => t / 1000), timestamps: [...timestamps], from: 0, to: timestamps.length }])),
  });
  expect(res.status).toBe(204);
  written.set(host, [...(written.get(host) ?? []), ...timestamps]);
  return res.headers.get('x-tidemark-write-token') ?? '';
}

/** Raw sample timestamps per host of backfill_e2e in the 12 h before `at`, read after `token` was applied. */
async function stored(url: string, at: number, token?: string): Promise<Record<string, number[]>> {
  const q = new URLSearchParams({ query: 'backfill_e2e[12h]', time: String(at / 1000) });
  if (token !== undefined) q.set('write_token', token);
  const body = (await (await fetch(`${url}/api/v1/query?${q}`)).json()) as { status: string; data: { result: { metric: { host: string }; values: [number, string][] }[] } };
  expect(body.status).toBe('success');
  const out: Record<string, number[]> = {};
  for (const s of body.data.result) {
    // Each sample's value is its timestamp in seconds: a wrong value would show here too.
    for (const [t, v] of s.values) expect(Number(v)).toBe(t);
    out[s.metric.host] = s.values.map(([t]) => Math.round(t * 1000));
  }
  return out;
}

function expected(written: Written): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [host, ts] of written) out[host] = [...new Set(ts)].sort((a, b) => a - b);
  return out;
}

const count = (r: Record<string, number[]>) => Object.values(r).reduce((n, ts) => n + ts.length, 0);

const every = (from: number, to: number, step: number) => Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

/**
 * A 2xx means stored, however old the sample: hours-old samples written to a shard that has cut
 * blocks of live data already are stored (backfill), of series it holds and of new ones, read
 * through the query API at once, and kept across a SIGKILL and a restart.
 */
describe('tidemark up with hours-old samples behind its cut blocks', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'tidemark-backfill-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('stores every acknowledged sample, live and hours old, reads them all and keeps them across a SIGKILL and a restart', async () => {
    const data = join(dir, 'data');
    const cfg = join(dir, 'tidemark.yml');
    // Small blocks, so live data cuts some within the test; a small backfill bound, so the
    // hours-old samples go into blocks of their own while they arrive.
    await writeFile(cfg, `bus:\n  partitions: 2\nstore:\n  block_range_ms: ${RANGE}\n  backfill_flush_samples: 400\n`);
    const now = Math.floor(Date.now() / 1000) * 1000;
    const liveFrom = Math.floor((now - 45 * MIN) / RANGE) * RANGE;
    const written: Written = new Map();

    let up: RunningCli = await startCli(['up', '--config', cfg, '--data', data]);
    try {
      for (const host of ['a', 'b']) await remoteWrite(up.url, written, host, every(liveFrom, now - 10_000, 10_000));
      // The live data spans three block ranges: each shard cuts the oldest ones into blocks.
      await waitFor(async () => (blockRanges(data).some(([lo]) => lo === liveFrom) ? true : undefined));
      const liveBlocks = blockRanges(data).length;

      // Hours old, behind every cut block: of the live series and of new ones, 120 samples a request.
      let token = '';
      for (const host of ['a', 'b', 'c']) {
        const old = every(now - 5 * HOUR - 7_000, now - 3 * HOUR, 15_000);
        for (let i = 0; i < old.length; i += 120) token = await remoteWrite(up.url, written, host, old.slice(i, i + 120));
      }
      // Live samples keep arriving meanwhile, in order.
      for (const host of ['a', 'b']) token = await remoteWrite(up.url, written, host, [now, now + 1_000]);
      expect(await stored(up.url, now + 2_000, token)).toEqual(expected(written));
      // More backfill than backfill_flush_samples: written into blocks of its own before the next cut.
      await waitFor(async () => (blockRanges(data).some(([lo]) => lo < now - 3 * HOUR) ? true : undefined));
      expect(blockRanges(data).length).toBeGreaterThan(liveBlocks);
      const metrics = await (await fetch(`${up.url}/metrics`)).text();
      expect(metrics).not.toMatch(/tidemark_store_samples_rejected_total\{[^}]*\} [1-9]/);

      // Older than the stores' retention (15 days, limits.max_age_ms by default): refused at the edge, not stored.
      const tooOld = await fetch(`${up.url}/api/v1/write`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
        body: snappyBlockCompress(encodeWriteRequest([{ labels: { __name__: 'backfill_e2e', host: 'e' }, values: [1], timestamps: [now - 16 * 24 * HOUR], from: 0, to: 1 }])),
      });
      expect(tooOld.status).toBe(400);
      expect(await tooOld.text()).toMatch(/more than 1296000000 ms behind the receiving clock/);

      // More, older still, then killed right after the 2xx: the bus holds what no block does yet.
      await remoteWrite(up.url, written, 'd', every(now - 9 * HOUR, now - 8 * HOUR, 30_000));
      await remoteWrite(up.url, written, 'a', every(now - 2 * HOUR + 3_000, now - 2 * HOUR + 60_000, 1_000));
    } finally {
      expect(await up.stop('SIGKILL')).toBe(null);
    }

    up = await startCli(['up', '--config', cfg, '--data', data]);
    try {
      const want = expected(written);
      const got = await waitFor(async () => {
        const r = await stored(up.url, now + 2_000);
        return count(r) >= count(want) ? r : undefined;
      });
      expect(got).toEqual(want);
    } finally {
      expect(await up.stop('SIGTERM')).toBe(0);
    }

    // And after an orderly restart, with the backfill compacted or not.
    up = await startCli(['up', '--config', cfg, '--data', data]);
    try {
      expect(await waitFor(async () => {
        const r = await stored(up.url, now + 2_000);
        return count(r) > 0 ? r : undefined;
      })).toEqual(expected(written));
    } finally {
      expect(await up.stop('SIGTERM')).toBe(0);
    }
  });
});
