import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import { BusSampleSink } from '../../../pipeline/publish/index.js';
import { ReadConsistency, prometheusApi, withReadConsistency } from '../../../pipeline/query/index.js';
import { StoreWorker, storeHttpApi } from '../../../pipeline/store/index.js';
import { RemoteStoreQueryable } from '../../../pipeline/store-protocol/index.js';
import { SeriesPartitioner } from '../../../schemas/series-partitioner.js';
import { addAcknowledged, encodeWriteToken, WRITE_TOKEN_HEADER } from '../../../schemas/write-token.js';
import { waitUntil } from '../store/store-test-data.js';
import { serveRoutes, type RoutesServer } from './serve-routes.js';

const TOPIC = 'samples';
const PARTITIONS = 4;

// One real store worker on the embedded bus behind its HTTP read API, the query API reading it
// over HTTP as the query role does, read-your-writes in front.
describe('read-your-writes through the query API and a remote store', () => {
  let dir: string;
  let bus: EmbeddedBus;
  let worker: StoreWorker;
  let store: RoutesServer;
  let query: RoutesServer;
  let sink: BusSampleSink;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-ryw-'));
    bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus'), logger: { info() {}, warn() {}, error() {} } });
    await bus.ensureTopic(TOPIC, PARTITIONS);
    await bus.ensureTopic('dlq', 1);
    worker = new StoreWorker({ bus, topic: TOPIC, deadLetterTopic: 'dlq', config: { data_dir: join(dir, 'store'), flush_interval_ms: 50 } });
    await worker.start();
    await waitUntil(() => worker.ready() && worker.partitions().length === PARTITIONS, 'store ready');
    store = await serveRoutes(storeHttpApi(worker, { adminApi: true }).routes);
    const remote = new RemoteStoreQueryable(store.url);
    const consistency = new ReadConsistency({
      stores: async () => [{ name: 'store-1', partitions: worker.partitions(), waiter: remote }],
      partitionCount: PARTITIONS,
      timeoutMs: 1500,
    });
    query = await serveRoutes(withReadConsistency(prometheusApi({ queryable: remote }).routes, consistency));
    sink = new BusSampleSink({ bus, topic: TOPIC, partitions: PARTITIONS, source: 'test' });
  });

  afterAll(async () => {
    await query?.close();
    await store?.close();
    await worker?.stop();
    await bus?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function write(name: string, t: number, v: number): Promise<string> {
    const app = sink.appender();
    app.append({ __name__: name }, t, v);
    await app.commit();
    const positions = new Map<number, number>();
    addAcknowledged(positions, app.acknowledged!());
    return encodeWriteToken(positions);
  }

  const instant = (q: string, t: number, headers: Record<string, string> = {}, params = ''): Promise<Response> =>
    fetch(`${query.url}/api/v1/query?query=${encodeURIComponent(q)}&time=${t / 1000}${params}`, { headers });

  const pause = (what: 'pause' | 'resume'): Promise<Response> => fetch(`${store.url}/api/v1/admin/store/${what}_consumption`, { method: 'POST' });

  it('answers 503 naming the lagging partition when a token\'s write never reaches the store in time', async () => {
    expect((await pause('pause')).status).toBe(204);
    const t = Date.now();
    const token = await write('ryw_paused', t, 1);
    const partition = new SeriesPartitioner(PARTITIONS).partitionOf({ __name__: 'ryw_paused' });
    const res = await instant('ryw_paused', t, { [WRITE_TOKEN_HEADER]: token });
    const body = (await res.json()) as { errorType: string; error: string };
    expect(res.status).toBe(503);
    expect(body.errorType).toBe('unavailable');
    expect(body.error).toMatch(new RegExp(`partition ${partition} applied up to offset \\d+ of \\d+ on store-1`));
    // A strong read waits on every partition; only the one written to is behind.
    const strong = await instant('ryw_paused', t, { 'X-Read-Consistency': 'strong' });
    expect(strong.status).toBe(503);
    expect(((await strong.json()) as { error: string }).error.match(/partition \d+/g)).toEqual([`partition ${partition}`]);
    expect((await pause('resume')).status).toBe(204);
  });

  it('makes a strong read wait for consumption to resume and then see the write', async () => {
    expect((await pause('pause')).status).toBe(204);
    const t = Date.now();
    await write('ryw_strong', t, 42);
    const reading = instant('ryw_strong', t, { 'X-Read-Consistency': 'strong' });
    expect((await pause('resume')).status).toBe(204);
    const res = await reading;
    const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
    expect(res.status).toBe(200);
    expect(body.data.result.map((s) => s.value[1])).toEqual(['42']);
  });

  it('sees a write at once through its token as a parameter, on series, labels and label values too', async () => {
    const t = Date.now();
    const token = await write('ryw_token', t, 7);
    const res = await instant('ryw_token', t, {}, `&write_token=${token}`);
    expect(((await res.json()) as { data: { result: { value: [number, string] }[] } }).data.result.map((s) => s.value[1])).toEqual(['7']);
    const token2 = await write('ryw_token_series', t, 8);
    const series = (await (await fetch(`${query.url}/api/v1/series?match[]=ryw_token_series`, { headers: { [WRITE_TOKEN_HEADER]: token2 } })).json()) as { data: object[] };
    expect(series.data).toEqual([{ __name__: 'ryw_token_series' }]);
    const token3 = await write('ryw_token_values', t, 9);
    const values = (await (await fetch(`${query.url}/api/v1/label/__name__/values`, { headers: { [WRITE_TOKEN_HEADER]: token3 } })).json()) as { data: string[] };
    expect(values.data).toContain('ryw_token_values');
  });

  it('refuses a malformed token or consistency level with 400 naming it', async () => {
    const bad = await instant('up', Date.now(), { [WRITE_TOKEN_HEADER]: 'nonsense' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/write_token.*invalid write token "nonsense"/);
    const level = await instant('up', Date.now(), { 'X-Read-Consistency': 'sometimes' });
    expect(level.status).toBe(400);
    expect(((await level.json()) as { error: string }).error).toMatch(/X-Read-Consistency/);
  });
});
