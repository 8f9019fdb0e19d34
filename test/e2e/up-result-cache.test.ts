import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import { encodeWriteRequest } from '../bench/peers/index.js';
import { startCli, type RunningCli } from './cli-process.js';

const MIN = 60_000;
const SCRAPE_MS = 15_000;

async function remoteWrite(url: string, t: number, series: number): Promise<string> {
  const samples = Array.from({ length: series }, (_, i) => ({ labels: { __name__: 'rc_e2e_total', instance: `i${i}` }, values: [t / 1000 + i], timestamps: [t], from: 0, to: 1 }));
  const res = await fetch(`${url}/api/v1/write`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, body: snappyBlockCompress(encodeWriteRequest(samples)) });
  expect(res.status).toBe(204);
  return res.headers.get('x-tidemark-write-token') ?? '';
}

async function rangeBody(url: string, start: number, end: number, extra: Record<string, string> = {}): Promise<string> {
  const q = new URLSearchParams({ query: 'sum(rate(rc_e2e_total[5m]))', start: String(start / 1000), end: String(end / 1000), step: '60', ...extra });
  const res = await fetch(`${url}/api/v1/query_range?${q}`);
  return `${res.status} ${await res.text()}`;
}

async function counter(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  if (m === null) throw new Error(`${name} not in /metrics`);
  return Number(m[1]);
}

/**
 * The result cache as `tidemark up` runs it (store and query API in one process, the store's
 * change log answering through the process' own store): a dashboard window sliding over live
 * writes, one of them late, keeps the steps before the oldest new sample and answers as an
 * uncached query does.
 */
describe('tidemark up query_range result cache over live writes', () => {
  let dir: string;
  let up: RunningCli;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-up-result-cache-'));
    const cfg = join(dir, 'tidemark.yml');
    await writeFile(cfg, 'global:\n  scrape_interval: 1m\n');
    up = await startCli(['up', '--config', cfg, '--data', join(dir, 'data')]);
  });
  afterAll(async () => {
    await up?.stop('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the cached steps of the newest piece before a late sample and answers as nocache=1 does', async () => {
    const end = Math.floor(Date.now() / MIN) * MIN - 2 * MIN;
    const start = end - 90 * MIN;
    let token = '';
    for (let t = start - 10 * MIN; t <= end; t += SCRAPE_MS) token = await remoteWrite(up.url, t, 4);
    // Read-your-writes: the first read waits until the store applied every write.
    const first = await rangeBody(up.url, start, end, { write_token: token });
    expect(first).toMatch(/^200 .*"result":\[\{/);
    const partial0 = await counter(up.url, 'tidemark_query_result_cache_partial_total');
    // A late sample 30 s before `end` (a fifth series), then the next scrapes.
    await remoteWrite(up.url, end - 30_000, 5);
    token = await remoteWrite(up.url, end + SCRAPE_MS, 4);
    token = await remoteWrite(up.url, end + 2 * SCRAPE_MS, 4);
    const slid = await rangeBody(up.url, start + MIN, end + MIN, { write_token: token });
    expect(slid).toBe(await rangeBody(up.url, start + MIN, end + MIN, { nocache: '1' }));
    // The newest piece kept its steps before the late sample and evaluated `end` and `end + 1m`.
    expect(await counter(up.url, 'tidemark_query_result_cache_partial_total')).toBeGreaterThan(partial0);
  });
});
