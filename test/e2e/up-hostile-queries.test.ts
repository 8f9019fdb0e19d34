import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWriteRequest } from '../bench/peers/index.js';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

/**
 * A query that computes until its deadline, or a remote_write body that expands to hundreds of
 * megabytes, used to hold the event loop of `tidemark up`: /-/healthy and every other request
 * waited for it. Queries are now evaluated in worker threads and large bodies decoded in slices.
 */
describe('tidemark up under hostile input', () => {
  let dir: string;
  let up: RunningCli;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-hostile-q-'));
    const cfg = join(dir, 'tidemark.yml');
    await writeFile(cfg, 'query:\n  workers: 2\n');
    up = await startCli(['up', '--config', cfg, '--data', join(dir, 'data')]);
  });
  afterAll(async () => {
    expect(await up.stop('SIGTERM')).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it('answers /-/healthy and a cheap query while a subquery of 86.4 M steps computes, which then times out as before', async () => {
    const write = await fetch(`${up.url}/api/v1/write`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      body: snappyBlockCompress(encodeWriteRequest([{ labels: { __name__: 'cheap_metric', job: 'a' }, values: [42], timestamps: [Date.now()], from: 0, to: 1 }])),
    });
    expect(write.status).toBe(204);
    await waitFor(async () => ((await instant('cheap_metric')).data?.result.length === 1 ? true : undefined));

    const order: string[] = [];
    const hostileQ = new URLSearchParams({ query: 'max_over_time(vector(1)[1d:1ms])', timeout: '10s' });
    const hostile = fetch(`${up.url}/api/v1/query?${hostileQ}`).then(async (r) => {
      order.push('hostile');
      return { status: r.status, body: (await r.json()) as { errorType?: string; error?: string } };
    });
    const health = await fetch(`${up.url}/-/healthy`);
    order.push('healthy');
    expect(health.status).toBe(200);
    const cheap = await instant('cheap_metric');
    order.push('cheap');
    expect(cheap.data?.result[0]?.value[1]).toBe('42');

    const h = await hostile;
    expect(order).toEqual(['healthy', 'cheap', 'hostile']);
    expect(h.status).toBe(503);
    expect(h.body).toMatchObject({ errorType: 'timeout', error: 'query timed out in subquery evaluation' });
  });

  it('cancels the evaluation of a query whose client went away, freeing its worker', async () => {
    const ac = new AbortController();
    const q = new URLSearchParams({ query: 'max_over_time(vector(1)[1d:1ms])', timeout: '60s' });
    const gone = fetch(`${up.url}/api/v1/query?${q}`, { signal: ac.signal }).catch((e: unknown) => e);
    const gone2 = fetch(`${up.url}/api/v1/query?${q}`, { signal: ac.signal }).catch((e: unknown) => e);
    await fetch(`${up.url}/-/healthy`);
    ac.abort();
    expect(await gone).toBeInstanceOf(Error);
    expect(await gone2).toBeInstanceOf(Error);
    // Both workers held a 60 s query; a query answered now ran on a worker that was freed.
    const after = await instant('cheap_metric');
    expect(after.data?.result[0]?.value[1]).toBe('42');
  });

  it('answers /-/healthy while decoding remote_write bodies that expand to 140 MB each', async () => {
    const one = encodeWriteRequest([{ labels: { __name__: 'hostile_expanding', job: 'x' }, values: [1], timestamps: [Date.now()], from: 0, to: 1 }]);
    const body = snappyBlockCompress(Buffer.concat(new Array<Buffer>(Math.floor(140_000_000 / one.length)).fill(one)));
    const order: string[] = [];
    const writes = Promise.all(Array.from({ length: 3 }, () => fetch(`${up.url}/api/v1/write`, {
      method: 'POST', body, headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    }).then(async (r) => ({ status: r.status, text: await r.text() })))).then((rs) => {
      order.push('writes');
      return rs;
    });
    const health = await fetch(`${up.url}/-/healthy`);
    order.push('healthy');
    expect(health.status).toBe(200);
    const answers = await writes;
    expect(order).toEqual(['healthy', 'writes']);
    // One repeated series, far more of it than the series limit allows: refused as before.
    for (const a of answers) {
      expect(a.status).toBe(400);
      expect(a.text).toMatch(/more than 100000 series/);
    }
  });

  async function instant(query: string): Promise<{ data?: { result: Array<{ value: [number, string] }> } }> {
    const q = new URLSearchParams({ query, time: String(Date.now() / 1000) });
    return (await (await fetch(`${up.url}/api/v1/query?${q}`)).json()) as { data?: { result: Array<{ value: [number, string] }> } };
  }
});
