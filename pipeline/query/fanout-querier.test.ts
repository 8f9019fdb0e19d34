import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Labels } from '../../schemas/labels.js';
import { storeHttpApi } from '../store/index.js';
import { InProcessShardRegistry, RemoteStoreQueryable } from '../store-protocol/index.js';
import { Engine, MemoryQueryable, PromqlTooManySamplesError } from '../promql/index.js';
import { Tsdb, type LabelMatcher, type Querier, type Queryable } from '../tsdb/index.js';
import { ShardsUnavailableError } from './errors.js';
import { FanoutQueryable, type FanoutShard } from './fanout-querier.js';
import { queryConfigSchema } from './config.js';
import { registryQueryable, registryShards } from './registry-shards.js';

const ALL = { start: -Infinity, end: Infinity };
const byName = (name: string): LabelMatcher[] => [{ type: '=', name: '__name__', value: name }];

function memory(series: { labels: Labels; points: [number, number][] }[]): MemoryQueryable {
  const m = new MemoryQueryable();
  for (const s of series) for (const [t, v] of s.points) m.append(s.labels, t, v);
  return m;
}

const down: Queryable = {
  querier: (): Querier => ({
    select: () => Promise.reject(new Error('connect ECONNREFUSED')),
    labelNames: () => Promise.reject(new Error('connect ECONNREFUSED')),
    labelValues: () => Promise.reject(new Error('connect ECONNREFUSED')),
    close: async () => undefined,
  }),
};

function fanout(shards: FanoutShard[], options = {}): FanoutQueryable {
  return new FanoutQueryable(async () => shards, options);
}

async function read(q: Queryable, name: string) {
  const querier = q.querier(-Infinity, Infinity);
  try {
    const set = await querier.select(byName(name), ALL);
    return { warnings: set.warnings, series: set.series.map((s) => ({ labels: s.labels, t: Array.from(s.timestamps), v: Array.from(s.values) })) };
  } finally {
    await querier.close();
  }
}

describe('FanoutQuerier', () => {
  it('merges the series of every shard, sorted by labels', async () => {
    const a = memory([{ labels: { __name__: 'up', job: 'b' }, points: [[1000, 1]] }]);
    const b = memory([{ labels: { __name__: 'up', job: 'a' }, points: [[1000, 0]] }]);
    const res = await read(fanout([{ name: 'a', queryable: a }, { name: 'b', queryable: b }]), 'up');
    expect(res.series.map((s) => s.labels.job)).toEqual(['a', 'b']);
    expect(res.warnings).toEqual([]);
  });

  it('keeps one sample per timestamp of a series present in two shards', async () => {
    const labels = { __name__: 'up', job: 'x' };
    const a = memory([{ labels, points: [[1000, 1], [2000, 2]] }]);
    const b = memory([{ labels, points: [[2000, 2], [3000, 3]] }]);
    const res = await read(fanout([{ name: 'a', queryable: a }, { name: 'b', queryable: b }]), 'up');
    expect(res.series).toEqual([{ labels, t: [1000, 2000, 3000], v: [1, 2, 3] }]);
  });

  it('answers with a warning naming the shard that is down', async () => {
    const a = memory([{ labels: { __name__: 'up', job: 'a' }, points: [[1000, 1]] }]);
    const res = await read(fanout([{ name: 'a', queryable: a }, { name: 'store-2 (http://10.9.9.9:1)', queryable: down }]), 'up');
    expect(res.series).toHaveLength(1);
    expect(res.warnings).toEqual(['shard store-2 (http://10.9.9.9:1) unavailable: connect ECONNREFUSED']);
  });

  it('fails when every shard is down, or any is while partial responses are off', async () => {
    const a = memory([{ labels: { __name__: 'up' }, points: [[1000, 1]] }]);
    await expect(read(fanout([{ name: 'x', queryable: down }]), 'up')).rejects.toBeInstanceOf(ShardsUnavailableError);
    await expect(read(fanout([{ name: 'a', queryable: a }, { name: 'x', queryable: down }], { partialResponse: false }), 'up')).rejects.toThrow('no shard could be read: shard x unavailable');
  });

  it('warns about partitions that no shard holds', async () => {
    const a = memory([{ labels: { __name__: 'up' }, points: [[1000, 1]] }]);
    const res = await read(fanout([{ name: 'a', queryable: a, partitions: [0, 2] }], { partitionCount: 4 }), 'up');
    expect(res.warnings).toEqual(['no store holds partitions 1, 3: results may be incomplete']);
  });

  it('unions label names and values, hiding replica labels, with warnings for shards that failed', async () => {
    const a = memory([{ labels: { __name__: 'up', job: 'a', __replica__: 'r1' }, points: [[1000, 1]] }]);
    const b = memory([{ labels: { __name__: 'up', job: 'b', zone: 'z' }, points: [[1000, 1]] }]);
    const q = fanout([{ name: 'a', queryable: a }, { name: 'b', queryable: b }, { name: 'c', queryable: down }], { replicaLabels: ['__replica__'] }).querier(0, 2000);
    expect(await q.labelNames([])).toEqual(['__name__', 'job', 'zone']);
    expect(await q.labelValues('job', [])).toEqual(['a', 'b']);
    expect(q.warnings()).toEqual(['shard c unavailable: connect ECONNREFUSED']);
    await q.close();
  });
});

describe('HA replica deduplication', () => {
  const labels = (replica: string) => ({ __name__: 'req_total', job: 'api', __replica__: replica });
  const every15 = (from: number, to: number, offset: number, value: (t: number) => number): [number, number][] => {
    const out: [number, number][] = [];
    for (let t = from; t <= to; t += 15_000) out.push([t + offset, value(t + offset)]);
    return out;
  };

  it('merges series that differ only in the replica label into one without that label', async () => {
    const a = memory([{ labels: labels('a'), points: every15(0, 60_000, 0, (t) => t / 1000) }]);
    const b = memory([{ labels: labels('b'), points: every15(0, 60_000, 5000, (t) => t / 1000 + 1000) }]);
    const res = await read(fanout([{ name: 'a', queryable: a }, { name: 'b', queryable: b }], { replicaLabels: ['__replica__'] }), 'req_total');
    expect(res.series).toHaveLength(1);
    expect(res.series[0].labels).toEqual({ __name__: 'req_total', job: 'api' });
    // Replica a starts first and never pauses: its samples alone, none of b's interleaved,
    // until a has nothing more and b's last sample (65 s) follows.
    expect(res.series[0].t).toEqual([0, 15_000, 30_000, 45_000, 60_000, 65_000]);
  });

  it('fills a gap of one replica with the other replica and stays with it', async () => {
    const a = memory([{ labels: labels('a'), points: [...every15(0, 30_000, 0, () => 1), ...every15(120_000, 180_000, 0, () => 1)] }]);
    const b = memory([{ labels: labels('b'), points: every15(0, 180_000, 5000, () => 2) }]);
    const res = await read(fanout([{ name: 'a', queryable: a }, { name: 'b', queryable: b }], { replicaLabels: ['__replica__'] }), 'req_total');
    const s = res.series[0];
    // a pauses after 30 s: b's next sample (35 s) follows, and b is kept after a comes back.
    expect(s.t).toEqual([0, 15_000, 30_000, 35_000, 50_000, 65_000, 80_000, 95_000, 110_000, 125_000, 140_000, 155_000, 170_000, 185_000]);
    expect(s.v).toEqual([1, 1, 1, ...new Array<number>(11).fill(2)]);
  });

  it('keeps rate() of a deduplicated counter free of the other replica\'s offset', async () => {
    const a = memory([{ labels: labels('a'), points: every15(0, 600_000, 0, (t) => t / 1000) }]);
    const b = memory([{ labels: labels('b'), points: every15(0, 600_000, 7000, (t) => 5000 + t / 1000) }]);
    const engine = new Engine();
    const res = await engine.instantQuery(fanout([{ name: 'a', queryable: a }, { name: 'b', queryable: b }], { replicaLabels: ['__replica__'] }), 'rate(req_total[5m])', 600_000);
    expect(res.value.resultType).toBe('vector');
    if (res.value.resultType !== 'vector') return;
    expect(res.value.result).toHaveLength(1);
    expect(res.value.result[0].v).toBeCloseTo(1, 9);
  });
});

describe('FanoutQuerier over real store shards', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function storeShard(series: Labels[]): Promise<{ url: string; server: Server }> {
    const dir = mkdtempSync(join(tmpdir(), 'fanout-shard-'));
    const db = await Tsdb.open(dir);
    for (let t = 0; t <= 60_000; t += 15_000) for (const l of series) db.append(l, t, t / 1000);
    const { routes } = storeHttpApi({ querier: (a, b) => db.querier(a, b), deleteSeries: async (selectors, s, e) => {
      for (const m of selectors) await db.deleteSeries(m, s, e);
    }, snapshot: async () => 'none' });
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const r = routes.find((x) => x.path === url.pathname);
      if (r === undefined) res.writeHead(404).end();
      else void r.handler(req, res, url);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
  }

  it('keeps answering with a warning after a store shard is stopped', async () => {
    const s1 = await storeShard([{ __name__: 'up', job: 'a' }]);
    const s2 = await storeShard([{ __name__: 'up', job: 'b' }]);
    const registry = new InProcessShardRegistry();
    await registry.announce('store-1', s1.url, [0]);
    await registry.announce('store-2', s2.url, [1]);
    const queryable = new FanoutQueryable(registryShards({ registry, remote: { timeoutMs: 5000 } }), { partitionCount: 2 });
    const engine = new Engine();

    const before = await engine.instantQuery(queryable, 'up', 60_000);
    expect(before.value.resultType === 'vector' && before.value.result.map((s) => s.metric.job)).toEqual(['a', 'b']);
    expect(before.warnings).toEqual([]);

    s2.server.closeAllConnections();
    await new Promise<void>((resolve) => s2.server.close(() => resolve()));

    const after = await engine.instantQuery(queryable, 'up', 60_000);
    expect(after.value.resultType === 'vector' && after.value.result.map((s) => s.metric.job)).toEqual(['a']);
    expect(after.warnings).toHaveLength(1);
    expect(after.warnings[0]).toMatch(new RegExp(`^shard store-2 \\(${s2.url.replace(/\./g, '\\.')}\\) unavailable: .*select request failed`));
  });

  it("fails a query one store refuses for max_samples rather than answering without that store", async () => {
    // Two stores of 5 samples a series: one series here, three there.
    const s1 = await storeShard([{ __name__: 'up', job: 'a' }]);
    const s2 = await storeShard([0, 1, 2].map((i) => ({ __name__: 'up', job: 'b', i: String(i) })));
    const queryable = fanout([{ name: 's1', queryable: new RemoteStoreQueryable(s1.url) }, { name: 's2', queryable: new RemoteStoreQueryable(s2.url) }]);
    const all = await new Engine({ maxSamples: 20 }).instantQuery(queryable, 'count_over_time(up[1m])', 60_000);
    expect(all.loadedSamples).toBe(20);
    expect(all.value.resultType === 'vector' && all.value.result.length).toBe(4);
    await expect(new Engine({ maxSamples: 19 }).instantQuery(queryable, 'count_over_time(up[1m])', 60_000)).rejects.toBeInstanceOf(PromqlTooManySamplesError);
  });

  it('reads a local store directly and the others over HTTP', async () => {
    const s1 = await storeShard([{ __name__: 'up', job: 'remote' }]);
    const local = memory([{ labels: { __name__: 'up', job: 'local' }, points: [[60_000, 1]] }]);
    const registry = new InProcessShardRegistry();
    await registry.announce('me', 'http://127.0.0.1:1', [0]);
    await registry.announce('other', s1.url, [1]);
    const queryable = new FanoutQueryable(registryShards({ registry, local: { storeId: 'me', queryable: local } }));
    const res = await read(queryable, 'up');
    expect(res.series.map((s) => s.labels.job)).toEqual(['local', 'remote']);
    expect(res.warnings).toEqual([]);
    expect(new RemoteStoreQueryable(s1.url)).toBeDefined();
  });

  it('applies the query configuration: replica labels and no partial responses', async () => {
    const s1 = await storeShard([{ __name__: 'up', job: 'x', replica: 'a' }, { __name__: 'up', job: 'x', replica: 'b' }]);
    const registry = new InProcessShardRegistry();
    await registry.announce('one', s1.url, [0]);
    const config = queryConfigSchema.parse({ replica_labels: ['replica'], partial_response: false });
    const res = await read(registryQueryable({ registry, config }), 'up');
    expect(res.series.map((s) => s.labels)).toEqual([{ __name__: 'up', job: 'x' }]);
    await registry.announce('gone', 'http://127.0.0.1:1', [1]);
    await expect(read(registryQueryable({ registry, config }), 'up')).rejects.toBeInstanceOf(ShardsUnavailableError);
  });
});
