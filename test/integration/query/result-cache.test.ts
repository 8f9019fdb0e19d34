import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import { BusSampleSink } from '../../../pipeline/publish/index.js';
import { prometheusApi, queryConfigSchema } from '../../../pipeline/query/index.js';
import { registerResultCacheMetrics, ResultCache, withResultCache } from '../../../pipeline/query/index.js';
import { Registry } from 'prom-client';
import { StoreWorker } from '../../../pipeline/store/index.js';
import { waitUntil } from '../store/store-test-data.js';
import { serveRoutes, type RoutesServer } from './serve-routes.js';

const TOPIC = 'samples';
const PARTITIONS = 2;
const MIN = 60_000;
/** The data lives in two hours ending an hour before now (inside the head, late samples accepted); T0 on the hour, so pieces start on it. */
const T0 = Math.floor((Date.now() - 3 * 3_600_000) / 3_600_000) * 3_600_000;
const SPAN = 120 * MIN;

const QUERIES = [
  'sum(rate(rc_a[5m]))',
  'rc_b',
  'count by (k) ({__name__=~"rc_.*"})',
  'max_over_time(rc_a[10m])',
  'rc_a + on(k) group_left rc_b',
  'rc_b offset -5m',
  'sum(rc_a offset 7m)',
];

type Op =
  | { kind: 'write'; metric: 'rc_a' | 'rc_b'; k: number; t: number; v: number }
  | { kind: 'delete'; metric: 'rc_a' | 'rc_b'; k: number; from: number; to: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('write' as const), metric: fc.constantFrom('rc_a' as const, 'rc_b' as const), k: fc.integer({ min: 0, max: 3 }), t: fc.integer({ min: 0, max: SPAN / 1000 }), v: fc.integer({ min: 0, max: 1000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), metric: fc.constantFrom('rc_a' as const, 'rc_b' as const), k: fc.integer({ min: 0, max: 3 }), from: fc.integer({ min: 0, max: SPAN / 1000 }), to: fc.integer({ min: 0, max: SPAN / 1000 }) }) },
);

const window = fc.record({ query: fc.constantFrom(...QUERIES), from: fc.integer({ min: 0, max: 110 }), minutes: fc.integer({ min: 1, max: 130 }), step: fc.constantFrom(30_000, MIN, 2 * MIN) });

// The real query path: a store worker on the embedded bus, the Prometheus API reading it, the
// result cache in front of query_range; answers with the cache must equal those without it.
describe('the query_range result cache', () => {
  let dir: string;
  let bus: EmbeddedBus;
  let worker: StoreWorker;
  let api: RoutesServer;
  let sink: BusSampleSink;
  let cache: ResultCache;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-result-cache-'));
    bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus'), logger: { info() {}, warn() {}, error() {} } });
    await bus.ensureTopic(TOPIC, PARTITIONS);
    await bus.ensureTopic('dlq', 1);
    worker = new StoreWorker({ bus, topic: TOPIC, deadLetterTopic: 'dlq', config: { data_dir: join(dir, 'store'), flush_interval_ms: 50, deletion_wait_ms: 60_000 } });
    await worker.start();
    await waitUntil(() => worker.ready() && worker.partitions().length === PARTITIONS, 'store ready');
    const config = queryConfigSchema.parse({});
    cache = new ResultCache({ stores: async () => [worker], queryable: worker, config, partitionCount: PARTITIONS, samplesTopic: TOPIC, maxBytes: 1 << 20, pieceMs: 10 * MIN });
    api = await serveRoutes(withResultCache(prometheusApi({ queryable: worker }).routes, cache, config));
    sink = new BusSampleSink({ bus, topic: TOPIC, partitions: PARTITIONS, source: 'test' });
  });

  afterAll(async () => {
    await api?.close();
    await worker?.stop();
    await bus?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function apply(ops: readonly Op[]): Promise<void> {
    const app = sink.appender();
    for (const o of ops) if (o.kind === 'write') app.append({ __name__: o.metric, k: String(o.k) }, T0 + o.t * 1000, o.v);
    await app.commit();
    for (const o of ops) {
      if (o.kind !== 'delete') continue;
      const [a, b] = o.from <= o.to ? [o.from, o.to] : [o.to, o.from];
      await worker.deleteSeries([[{ type: '=', name: '__name__', value: o.metric }, { type: '=', name: 'k', value: String(o.k) }]], T0 + a * 1000, T0 + b * 1000);
    }
    const r = await worker.waitApplied({ partitions: worker.partitions().map((partition) => ({ partition, offset: 0 })), strong: true, timeoutMs: 30_000 });
    expect(r.lagging).toEqual([]);
  }

  async function rangeBody(w: { query: string; from: number; minutes: number; step: number }, nocache: boolean): Promise<string> {
    const start = T0 + w.from * MIN;
    const url = `${api.url}/api/v1/query_range?query=${encodeURIComponent(w.query)}&start=${start / 1000}&end=${(start + w.minutes * MIN) / 1000}&step=${w.step / 1000}${nocache ? '&nocache=1' : ''}`;
    const res = await fetch(url);
    return `${res.status} ${await res.text()}`;
  }

  it('answers as the uncached engine after random writes, late samples and deletions', async () => {
    const seen = new Map<string, number>();
    const compare = async (w: { query: string; from: number; minutes: number; step: number }): Promise<void> => {
      const cached = await rangeBody(w, false);
      expect(cached).toBe(await rangeBody(w, true));
      if (cached.startsWith('200 ') && cached.includes('"result":[{')) seen.set(w.query, (seen.get(w.query) ?? 0) + 1);
    };
    await apply(Array.from({ length: 120 }, (_, i) => ({ kind: 'write' as const, metric: i % 2 === 0 ? 'rc_a' as const : 'rc_b' as const, k: i % 4, t: (i * 60) % (SPAN / 1000), v: i })));
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 8 }), fc.array(window, { minLength: 2, maxLength: 4 }), async (ops, windows) => {
        // Read first (the cache fills), change the data, then read again: every answer must match.
        for (const w of windows) await compare(w);
        await apply(ops);
        for (const w of windows) await compare(w);
      }),
      { numRuns: Number(process.env.RESULT_CACHE_RUNS ?? 40) },
    );
    // Every query answered with series at some point, and the property exercised the cache both ways.
    expect([...seen.keys()].sort()).toEqual([...QUERIES].sort());
    expect(cache.stats.hits).toBeGreaterThan(0);
    expect(cache.stats.partial).toBeGreaterThan(0);
    expect(cache.stats.invalidated).toBeGreaterThan(0);
  }, 240_000);

  it('takes form POSTs, cached and with nocache=1, as GETs', async () => {
    const w = { query: 'sum by (k) (rc_a)', from: 3, minutes: 90, step: MIN };
    const start = T0 + w.from * MIN;
    const form = (extra: string): Promise<Response> => fetch(`${api.url}/api/v1/query_range`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `query=${encodeURIComponent(w.query)}&start=${start / 1000}&end=${(start + w.minutes * MIN) / 1000}&step=60${extra}`,
    });
    const get = await rangeBody(w, true);
    for (const extra of ['', '&nocache=1']) {
      const res = await form(extra);
      expect(`${res.status} ${await res.text()}`).toBe(get);
    }
    expect(get).toMatch(/^200 .*"result":\[\{/);
  });

  it('keeps the cached steps of a sliding window and evaluates only the step it adds after a newer sample arrived', async () => {
    const first = { query: 'sum(rc_b)', from: 0, minutes: 70, step: MIN };
    await rangeBody(first, false);
    await apply([{ kind: 'write', metric: 'rc_b', k: 7, t: 70 * 60 + 10, v: 3 }]);
    const before = { ...cache.stats };
    const slid = { ...first, from: 1 };
    expect(await rangeBody(slid, false)).toBe(await rangeBody(slid, true));
    // [1m, 9m] from the cached [0m, 10m) piece, five whole pieces and [60m, 70m) as hits; the step
    // at 70m kept (the sample came after it), the step at 71m evaluated.
    expect(cache.stats.hits - before.hits).toBe(7);
    expect(cache.stats.partial - before.partial).toBe(1);
    expect(cache.stats.misses - before.misses).toBe(0);
    expect(cache.stats.invalidated - before.invalidated).toBe(0);
  });

  it('does not answer part of a cached piece whose annotations may belong to its other steps', async () => {
    // rc_gauge has samples only in the piece's first minutes: a rate of it carries an info where it has points.
    const app = sink.appender();
    for (let t = 0; t <= 4 * 60; t += 15) app.append({ __name__: 'rc_gauge', k: '0' }, T0 + 100 * MIN + t * 1000, t);
    await app.commit();
    const r = await worker.waitApplied({ partitions: worker.partitions().map((partition) => ({ partition, offset: 0 })), strong: true, timeoutMs: 30_000 });
    expect(r.lagging).toEqual([]);
    const whole = { query: 'rate(rc_gauge[1m])', from: 100, minutes: 9, step: MIN };
    expect(await rangeBody(whole, false)).toContain('might not be a counter');
    const tail = { ...whole, from: 107, minutes: 2 };
    const uncached = await rangeBody(tail, true);
    expect(uncached).not.toContain('might not be a counter');
    expect(await rangeBody(tail, false)).toBe(uncached);
  });

  it('serves a repeated read from cached pieces and evaluates again only the steps a late sample can reach', async () => {
    const w = { query: 'sum(rc_b)', from: 0, minutes: 60, step: MIN };
    await rangeBody(w, false);
    const before = { ...cache.stats };
    await rangeBody(w, false);
    // Six whole 10-minute pieces and the step at 60m, the first of the next piece.
    expect(cache.stats.hits - before.hits).toBe(7);
    expect(cache.stats.misses - before.misses).toBe(0);
    await apply([{ kind: 'write', metric: 'rc_b', k: 9, t: 25 * 60 + 30, v: 5 }]);
    const after = { ...cache.stats };
    expect(await rangeBody(w, false)).toBe(await rangeBody(w, true));
    // A sample at 25m30s is seen by the steps from 26m and, within the 5 min lookback, by the step at 30m:
    // [20m, 30m) keeps its steps to 25m, [30m, 40m) is evaluated again (its reads start at 25m), the rest are hits.
    expect(cache.stats.invalidated - after.invalidated).toBe(2);
    expect(cache.stats.partial - after.partial).toBe(1);
    expect(cache.stats.misses - after.misses).toBe(1);
    expect(cache.stats.hits - after.hits).toBe(5);
    const registry = new Registry();
    registerResultCacheMetrics(registry, () => cache.stats);
    const text = await registry.metrics();
    expect(text).toContain(`tidemark_query_result_cache_hits_total ${cache.stats.hits}\n`);
    expect(text).toContain(`tidemark_query_result_cache_invalidated_total ${cache.stats.invalidated}\n`);
    expect(text).toContain(`tidemark_query_result_cache_partial_total ${cache.stats.partial}\n`);
    expect(text).toContain(`tidemark_query_result_cache_bytes ${cache.stats.bytes}\n`);
  });
});
