import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import { StoreWorker, storeHttpApi } from '../../../pipeline/store/index.js';
import { RemoteStoreQueryable } from '../../../pipeline/store-protocol/index.js';
import { allDurable, newSink, T0, STEP_MS, waitUntil } from './store-test-data.js';

const TOPIC = 'samples';

/** Start timestamps from the bus into a store worker, and out of its read endpoint. */
describe('store worker with start timestamps', () => {
  let dir: string;
  let bus: EmbeddedBus;
  let worker: StoreWorker;
  let server: Server;
  let base: string;

  const startWorker = async (): Promise<void> => {
    worker = new StoreWorker({ bus, topic: TOPIC, deadLetterTopic: 'dlq', config: { data_dir: join(dir, 'store'), flush_interval_ms: 50 } });
    await worker.start();
    await waitUntil(() => worker.ready(), 'ready');
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-store-st-'));
    bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus'), logger: { info() {}, warn() {}, error() {} } });
    await bus.ensureTopic(TOPIC, 2);
    await bus.ensureTopic('dlq', 1);
    await startWorker();
    const app = newSink(bus, TOPIC, 2).appender();
    app.append({ __name__: 'started_total', job: 'a' }, T0, 1, { startTimestamp: T0 - 1000 });
    app.append({ __name__: 'started_total', job: 'a' }, T0 + STEP_MS, 2);
    app.append({ __name__: 'started_total', job: 'a' }, T0 + 2 * STEP_MS, 1, { startTimestamp: T0 + STEP_MS + 1 });
    app.append({ __name__: 'plain_total', job: 'a' }, T0, 1);
    await app.commit();
    await waitUntil(() => allDurable(bus, TOPIC, [worker]), 'durable');
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const route = storeHttpApi(worker, {}).routes.find((r) => r.path === url.pathname && r.methods.includes(req.method ?? ''));
      if (route === undefined) res.writeHead(404).end();
      else void route.handler(req, res, url);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await worker?.stop();
    await bus?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const read = async (name: string) => {
    const q = new RemoteStoreQueryable(base).querier(T0 - STEP_MS, T0 + 3 * STEP_MS);
    const set = await q.select([{ type: '=', name: '__name__', value: name }], { start: T0 - STEP_MS, end: T0 + 3 * STEP_MS });
    await q.close();
    return set.series.map((s) => s.startTimestamps == null ? null : Array.from(s.startTimestamps));
  };

  it('answers each sample start timestamp over the store read endpoint, and none for a series without', async () => {
    expect(await read('started_total')).toEqual([[T0 - 1000, 0, T0 + STEP_MS + 1]]);
    expect(await read('plain_total')).toEqual([null]);
  });

  it('answers a select of series with and without them decoded, every series complete', async () => {
    const q = new RemoteStoreQueryable(base).querier(T0 - STEP_MS, T0 + 3 * STEP_MS);
    const set = await q.select([{ type: '=~', name: '__name__', value: 'started_total|plain_total' }], { start: T0 - STEP_MS, end: T0 + 3 * STEP_MS });
    await q.close();
    expect(set.series.map((s) => [s.labels.__name__, s.timestamps.length, s.startTimestamps == null ? null : Array.from(s.startTimestamps)])).toEqual([
      ['plain_total', (await readSeries('plain_total')).timestamps.length, null],
      ['started_total', 3, [T0 - 1000, 0, T0 + STEP_MS + 1]],
    ]);
  });

  const readSeries = async (name: string) => {
    const q = new RemoteStoreQueryable(base).querier(T0 - STEP_MS, T0 + 3 * STEP_MS);
    const set = await q.select([{ type: '=', name: '__name__', value: name }], { start: T0 - STEP_MS, end: T0 + 3 * STEP_MS });
    await q.close();
    return set.series[0];
  };

  it('keeps them across a restart of the worker', async () => {
    await worker.stop();
    await startWorker();
    expect(await read('started_total')).toEqual([[T0 - 1000, 0, T0 + STEP_MS + 1]]);
  });
});
