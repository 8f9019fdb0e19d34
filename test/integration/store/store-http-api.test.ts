import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import { StoreWorker, storeHttpApi } from '../../../pipeline/store/index.js';
import {
  decodeSeriesColumns,
  decodeSeriesSet,
  encodeSeriesColumns,
  RemoteStoreError,
  RemoteStoreQueryable,
  SELECT_CHUNKS_CONTENT_TYPE,
  SERIES_COLUMNS_CONTENT_TYPE,
} from '../../../pipeline/store-protocol/index.js';
import { Engine, PromqlTooManySamplesError } from '../../../pipeline/promql/index.js';
import { FanoutQueryable } from '../../../pipeline/query/index.js';
import { canonicalLabels } from '../../../schemas/index.js';
import { SelectSlabPool, SLAB_BYTES } from '../../../pipeline/tsdb/shared-memory/index.js';
import { allDurable, newSink, produceSteps, readBack, T0, STEP_MS, waitUntil, type Dataset } from './store-test-data.js';

const TOPIC = 'samples';

describe('store read and admin endpoints', () => {
  let dir: string;
  let bus: EmbeddedBus;
  let worker: StoreWorker;
  let server: Server;
  let base: string;
  const expected: Dataset = new Map();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-store-http-'));
    bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus'), logger: { info() {}, warn() {}, error() {} } });
    await bus.ensureTopic(TOPIC, 2);
    await bus.ensureTopic('dlq', 1);
    worker = new StoreWorker({ bus, topic: TOPIC, deadLetterTopic: 'dlq', config: { data_dir: join(dir, 'store'), flush_interval_ms: 50 } });
    await worker.start();
    await waitUntil(() => worker.ready(), 'ready');
    const sink = newSink(bus, TOPIC, 2);
    await produceSteps(sink, 'm', 10, 0, 20, expected);
    await produceSteps(sink, 'other', 3, 0, 5);
    await waitUntil(() => allDurable(bus, TOPIC, [worker]), 'durable');

    const { routes } = storeHttpApi(worker, { adminApi: true });
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const route = routes.find((r) => r.path === url.pathname && r.methods.includes(req.method ?? ''));
      if (route === undefined) res.writeHead(404).end();
      else void route.handler(req, res, url);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  /**
   * The series of `m` read back through this store's routes behind a proxy that `rewrites` each
   * request first (as a store of an older release, which offers fewer answer forms, would see it).
   */
  async function readBackBehindProxy(rewrite: (req: IncomingMessage) => void): Promise<Dataset> {
    const older = createServer((req, res) => {
      rewrite(req);
      const url = new URL(req.url ?? '/', 'http://localhost');
      void storeHttpApi(worker).routes.find((r) => r.path === url.pathname)!.handler(req, res, url);
    });
    await new Promise<void>((r) => older.listen(0, '127.0.0.1', r));
    try {
      return await readBack(new RemoteStoreQueryable(`http://127.0.0.1:${(older.address() as AddressInfo).port}`), 'm');
    } finally {
      await new Promise((r) => older.close(r));
    }
  }

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await worker?.stop();
    await bus?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves through RemoteStoreQuerier exactly the series the worker holds', async () => {
    const remote = new RemoteStoreQueryable(base);
    expect(await readBack(remote, 'm')).toEqual(expected);
    const q = remote.querier(T0, T0 + 4 * STEP_MS);
    const set = await q.select([{ type: '=~', name: 'series', value: '1|2' }, { type: '=', name: '__name__', value: 'm' }], { start: T0, end: T0 + 4 * STEP_MS });
    expect(set.series.map((s) => s.labels.series)).toEqual(['1', '2']);
    expect(set.series.map((s) => Array.from(s.timestamps))).toEqual([0, 1].map(() => [0, 1, 2, 3, 4].map((n) => T0 + n * STEP_MS)));
    const labelsOnly = await q.select([{ type: '=', name: '__name__', value: 'other' }], { start: T0, end: T0 + 4 * STEP_MS, labelsOnly: true });
    expect(labelsOnly.series.map((s) => s.labels.series)).toEqual(['0', '1', '2']);
  });

  it('answers a select in series columns when the request accepts them, in JSON otherwise, with the same series', async () => {
    const body = JSON.stringify({ matchers: [{ type: '=', name: '__name__', value: 'm' }], start: T0, end: T0 + 4 * STEP_MS, timestampsOnly: true });
    const asJson = await fetch(`${base}/api/v1/store/select`, { method: 'POST', body });
    expect(asJson.headers.get('content-type')).toBe('application/json');
    const json = decodeSeriesSet(((await asJson.json()) as { data: unknown }).data);
    const asColumns = await fetch(`${base}/api/v1/store/select`, { method: 'POST', body, headers: { accept: `${SERIES_COLUMNS_CONTENT_TYPE}, application/json` } });
    expect(asColumns.headers.get('content-type')).toBe(SERIES_COLUMNS_CONTENT_TYPE);
    const columns = decodeSeriesColumns(new Uint8Array(await asColumns.arrayBuffer()), undefined);
    expect(columns.series.map((x) => x.labels)).toEqual(json.series.map((x) => x.labels));
    expect(columns.series.map((x) => Array.from(x.timestamps))).toEqual(json.series.map((x) => Array.from(x.timestamps)));
    // Asked for timestamps only, the columns form sends no values.
    expect(columns.series.every((x) => x.values === x.timestamps)).toBe(true);
  });

  it('answers a select in chunks when the request accepts them, with the series of the JSON answer', async () => {
    const body = JSON.stringify({ matchers: [{ type: '=', name: '__name__', value: 'm' }], start: T0, end: T0 + 4 * STEP_MS });
    const asChunks = await fetch(`${base}/api/v1/store/select`, { method: 'POST', body, headers: { accept: `${SELECT_CHUNKS_CONTENT_TYPE}, ${SERIES_COLUMNS_CONTENT_TYPE}, application/json` } });
    expect(asChunks.headers.get('content-type')).toBe(SELECT_CHUNKS_CONTENT_TYPE);
    await asChunks.arrayBuffer();
    const json = decodeSeriesSet(((await (await fetch(`${base}/api/v1/store/select`, { method: 'POST', body })).json()) as { data: unknown }).data);
    const remote = new RemoteStoreQueryable(base).querier(T0, T0 + 4 * STEP_MS);
    const set = await remote.select([{ type: '=', name: '__name__', value: 'm' }], { start: T0, end: T0 + 4 * STEP_MS });
    expect(set.series.map((x) => [x.labels, Array.from(x.timestamps), Array.from(x.values)])).toEqual(json.series.map((x) => [x.labels, Array.from(x.timestamps), Array.from(x.values)]));
  });

  it('reads a store that answers selects in series columns at most, as stores before the chunks form do', async () => {
    // That store: this one's routes behind a proxy that offers only the older forms.
    expect(await readBackBehindProxy((req) => (req.headers.accept = `${SERIES_COLUMNS_CONTENT_TYPE}, application/json`))).toEqual(expected);
  });

  it("decodes a chunks answer into the query role's pooled slabs, given back when the query releases them", async () => {
    const pool = new SelectSlabPool(8 * SLAB_BYTES);
    const lease = pool.lease();
    const q = new RemoteStoreQueryable(base).querier(T0, T0 + 20 * STEP_MS);
    const set = await q.select([{ type: '=', name: '__name__', value: 'm' }], { start: T0, end: T0 + 20 * STEP_MS, slabs: lease });
    expect(set.series.length).toBe(10);
    expect(pool.stats.pooledBytes).toBeGreaterThan(0);
    expect(pool.stats.freeBytes).toBeLessThan(pool.stats.pooledBytes);
    lease.release();
    expect(pool.stats.freeBytes).toBe(pool.stats.pooledBytes);
  });

  it('refuses a chunks answer whose ops name bytes it does not hold, as a malformed select answer', async () => {
    const bad = createServer((_req, res) => {
      // A header that promises one series and an op stream without its ops.
      const header = Buffer.from(JSON.stringify({ warnings: [], mint: 0, maxt: 10, labels: [{ __name__: 'a' }], ops: 2, loose: 0, intervals: 0, blob: 0 }));
      const pad = (8 - ((8 + header.length) % 8)) % 8;
      const body = Buffer.alloc(8 + header.length + pad + 16);
      body.write('TMK1', 0);
      body.writeUInt32LE(header.length, 4);
      header.copy(body, 8);
      body.writeDoubleLE(3, 8 + header.length + pad);
      body.writeDoubleLE(1, 8 + header.length + pad + 8);
      res.writeHead(200, { 'content-type': SELECT_CHUNKS_CONTENT_TYPE }).end(body);
    });
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
    try {
      const q = new RemoteStoreQueryable(`http://127.0.0.1:${(bad.address() as AddressInfo).port}`).querier(0, 10);
      const err = await q.select([{ type: '=', name: '__name__', value: 'a' }], { start: 0, end: 10 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RemoteStoreError);
      expect((err as RemoteStoreError).message).toMatch(/malformed select answer: select chunks op stream: series 0's 1 ops run past the end of the stream at number 0/);
      expect((err as RemoteStoreError).retryable).toBe(false);
    } finally {
      await new Promise((r) => bad.close(r));
    }
  });

  it('decodes selects into pooled slabs for a reader of series columns and gives them back once the answer is written', async () => {
    const pool = new SelectSlabPool(8 * SLAB_BYTES);
    const pooled = createServer((req, res) => {
      // A query role that reads series columns, not chunks: the store decodes.
      req.headers.accept = `${SERIES_COLUMNS_CONTENT_TYPE}, application/json`;
      const url = new URL(req.url ?? '/', 'http://localhost');
      void storeHttpApi(worker, { slabs: pool }).routes.find((r) => r.path === url.pathname)!.handler(req, res, url);
    });
    await new Promise<void>((r) => pooled.listen(0, '127.0.0.1', r));
    try {
      const remote = new RemoteStoreQueryable(`http://127.0.0.1:${(pooled.address() as AddressInfo).port}`);
      expect(await readBack(remote, 'm')).toEqual(expected);
      expect(pool.stats.pooledBytes).toBeGreaterThan(0);
      expect(pool.stats.freeBytes).toBe(pool.stats.pooledBytes);
    } finally {
      await new Promise((r) => pooled.close(r));
    }
  });

  it('reads a store that answers selects in JSON only, as stores before the series columns form do', async () => {
    // That store: this one's routes behind a proxy that drops the request's Accept header.
    expect(await readBackBehindProxy((req) => delete req.headers.accept)).toEqual(expected);
  });

  it('refuses a series columns answer its header does not describe, as a malformed select answer', async () => {
    const bad = createServer((_req, res) => {
      const good = encodeSeriesColumns({ series: [{ labels: { __name__: 'a' }, timestamps: [1], values: [2], stale: null }], warnings: [] }, false);
      res.writeHead(200, { 'content-type': SERIES_COLUMNS_CONTENT_TYPE }).end(Buffer.concat([good, Buffer.alloc(8)]));
    });
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
    try {
      const q = new RemoteStoreQueryable(`http://127.0.0.1:${(bad.address() as AddressInfo).port}`).querier(0, 10);
      const err = await q.select([{ type: '=', name: '__name__', value: 'a' }], { start: 0, end: 10 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RemoteStoreError);
      expect((err as RemoteStoreError).message).toMatch(/malformed select answer: series columns answer runs past the 2 columns/);
      expect((err as RemoteStoreError).retryable).toBe(false);
    } finally {
      await new Promise((r) => bad.close(r));
    }
  });

  it("charges a query's max_samples on the store: refused before decoding with Prometheus' error, answered at exactly what it loads", async () => {
    const fanout = new FanoutQueryable(async () => [{ name: 'store', queryable: new RemoteStoreQueryable(base) }]);
    const at = T0 + 20 * STEP_MS;
    const query = 'count_over_time(m[1h])';
    const free = await new Engine().instantQuery(fanout, query, at);
    const loaded = free.loadedSamples ?? 0;
    // Ten series of 20 samples, their chunks wholly in range.
    expect(loaded).toBe(10 * 20);
    const exact = await new Engine({ maxSamples: loaded }).instantQuery(fanout, query, at);
    expect(exact.value).toEqual(free.value);
    expect(exact.warnings).toEqual([]);
    // Not a shard to leave out of a partial answer: the query fails.
    await expect(new Engine({ maxSamples: loaded - 1 }).instantQuery(fanout, query, at)).rejects.toThrow(PromqlTooManySamplesError);
    const res = await fetch(`${base}/api/v1/store/select`, {
      method: 'POST',
      body: JSON.stringify({ matchers: [{ type: '=', name: '__name__', value: 'm' }], start: T0, end: at, maxSamples: loaded - 1 }),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ status: 'error', errorType: 'execution', error: 'query processing would load too many samples into memory in query execution' });
  });

  it('answers label names and label values under matchers', async () => {
    const q = new RemoteStoreQueryable(base).querier(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    expect(await q.labelNames([])).toEqual(['__name__', 'job', 'series', 'zone']);
    expect(await q.labelValues('__name__', [])).toEqual(['m', 'other']);
    expect(await q.labelValues('series', [{ type: '=', name: '__name__', value: 'other' }])).toEqual(['0', '1', '2']);
  });

  it('rejects a bad matcher with 400 bad_data, surfaced as a non-retryable RemoteStoreError', async () => {
    const q = new RemoteStoreQueryable(base).querier(0, 1);
    const err = await q.select([{ type: '=~', name: 'x', value: '(' }], { start: 0, end: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteStoreError);
    expect((err as RemoteStoreError).status).toBe(400);
    expect((err as RemoteStoreError).retryable).toBe(false);
    const res = await fetch(`${base}/api/v1/store/select`, { method: 'POST', body: '{"matchers":[{"type":"~"}]}' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ status: 'error', errorType: 'bad_data', error: expect.stringContaining('invalid parameter "matchers[0]"') });
  });

  it('reports an unreachable store as a retryable RemoteStoreError', async () => {
    const q = new RemoteStoreQueryable('http://127.0.0.1:1').querier(0, 1);
    const err = await q.labelNames([]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteStoreError);
    expect((err as RemoteStoreError).retryable).toBe(true);
  });

  it('writes a snapshot of every shard and answers with its name as Prometheus does', async () => {
    const res = await fetch(`${base}/api/v1/admin/tsdb/snapshot`, { method: 'POST' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; data: { name: string } };
    expect(body.status).toBe('success');
    expect(body.data.name).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{16}$/);
    const snap = join(dir, 'store', 'snapshots', body.data.name);
    expect(readdirSync(snap).sort()).toEqual([`${TOPIC}-0`, `${TOPIC}-1`]);
    for (const shard of readdirSync(snap)) {
      const blocks = readdirSync(join(snap, shard));
      expect(blocks.length).toBeGreaterThan(0);
      expect(existsSync(join(snap, shard, blocks[0], 'meta.json'))).toBe(true);
    }
  });

  it('deletes the series a form-encoded match[] selects in the time range, answering 204', async () => {
    const form = new URLSearchParams();
    form.append('match[]', 'm{series=~"3|4"}');
    form.append('start', String((T0 + 5 * STEP_MS) / 1000));
    form.append('end', String((T0 + 9 * STEP_MS) / 1000));
    const res = await fetch(`${base}/api/v1/admin/tsdb/delete_series`, { method: 'POST', body: form });
    expect(res.status).toBe(204);
    const after = await readBack(worker, 'm');
    for (const [key, d] of expected) {
      const hit = key.includes(canonicalLabels({ series: '3' })) || key.includes(canonicalLabels({ series: '4' }));
      const kept = hit ? d.t.filter((t) => t < T0 + 5 * STEP_MS || t > T0 + 9 * STEP_MS) : d.t;
      expect(after.get(key)!.t).toEqual(kept);
    }
    const none = await fetch(`${base}/api/v1/admin/tsdb/delete_series`, { method: 'POST' });
    expect(none.status).toBe(400);
    expect(await none.json()).toMatchObject({ errorType: 'bad_data', error: expect.stringContaining('match[]') });
  });

  it('records the deletion on the bus, so a shard rebuilt from the bus deletes the same samples', async () => {
    const held = await readBack(worker, 'm');
    const rebuilt = new StoreWorker({ bus, topic: TOPIC, deadLetterTopic: 'dlq', config: { data_dir: join(dir, 'rebuilt'), group: 'rebuilt', flush_interval_ms: 50 } });
    try {
      await rebuilt.start();
      await waitUntil(() => rebuilt.ready(), 'rebuilt ready');
      await waitUntil(() => allDurable(bus, TOPIC, [rebuilt]), 'rebuilt durable');
      expect(await readBack(rebuilt, 'm')).toEqual(held);
      expect([...held.values()].some((d) => d.t.length < 20)).toBe(true);
    } finally {
      await rebuilt.stop();
    }
    // Deletion records are part of the samples topic's contract: nothing was dead-lettered.
    expect((await bus.offsets('dlq'))[0].high).toBe(0);
  });
});
