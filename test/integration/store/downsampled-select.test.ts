import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, parseExpr, planRollups, RollupSelectsQueryable } from '../../../pipeline/promql/index.js';
import { storeHttpApi } from '../../../pipeline/store/index.js';
import { RemoteStoreQueryable } from '../../../pipeline/store-protocol/index.js';
import { Tsdb, type Queryable } from '../../../pipeline/tsdb/index.js';

const H = 3600_000;
const D = 24 * H;

/** The store protocol carries rollup selects: the query role reads a remote store's tiers. */
describe('downsampled selects through the store HTTP API', () => {
  let dir: string;
  let db: Tsdb;
  let server: Server;
  let remote: RemoteStoreQueryable;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-downsampled-select-'));
    db = await Tsdb.open(join(dir, 'shard'), { downsampling: [{ resolutionMs: H, afterMs: 2 * H, retentionMs: 0, blockRangeMs: D }] });
    let v = 0;
    for (let t = 0; t < 3 * D; t += 30_000) {
      v = t === 30 * H ? 1 : v + 3;
      db.append({ __name__: 'requests_total', pod: 'a' }, t, v);
      db.append({ __name__: 'queue_depth', pod: 'a' }, t, (t / 30_000) % 17);
      if (t % (2 * H) === 0) await db.flush();
    }
    await db.flush();
    await db.compact();
    const { routes } = storeHttpApi({
      querier: (mint, maxt) => db.querier(mint, maxt),
      deleteSeries: async () => {},
      snapshot: async () => 'none',
      rebuildDownsampled: () => db.rebuildDownsampled(),
    }, { adminApi: true });
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const route = routes.find((r) => r.path === url.pathname && r.methods.includes(req.method ?? ''));
      if (route === undefined) res.writeHead(404).end();
      else void route.handler(req, res, url);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    remote = new RemoteStoreQueryable(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await db?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('answer a rollup select with the series the shard gives locally', async () => {
    for (const column of ['counter', 'sum', 'count', 'min', 'max'] as const) {
      const hints = { start: 0, end: 3 * D, rollup: { resolutionMs: H, column } };
      const matchers = [{ type: '=~' as const, name: '__name__', value: '.+' }];
      const local = await db.querier(0, 3 * D).select(matchers, hints);
      const far = await remote.querier(0, 3 * D).select(matchers, hints);
      const plain = (s: typeof local.series) => s.map((x) => ({ labels: x.labels, t: Array.from(x.timestamps), v: Array.from(x.values) }));
      expect(plain(far.series), column).toEqual(plain(local.series));
      expect(far.series.length).toBe(2);
    }
  });

  it('give the query engine the same 1 h answers remotely as raw samples give', async () => {
    const engine = new Engine();
    const run = async (q: Queryable, query: string, max: number) => {
      const plan = planRollups(parseExpr(query), { start: 6 * H, end: 3 * D - H, interval: H }, [H], max);
      const r = await engine.rangeQuery(new RollupSelectsQueryable(q, plan.hints), { text: query, expr: plan.expr }, 6 * H, 3 * D - H, H);
      return r.value;
    };
    for (const query of ['increase(requests_total[2h])', 'avg_over_time(queue_depth[1h])']) {
      expect(await run(remote, query, H), query).toEqual(await run(db, query, 0));
    }
  });

  it('refuses a rollup select naming an unknown column', async () => {
    const res = await fetch(`${remote.address}/api/v1/store/select`, {
      method: 'POST',
      body: JSON.stringify({ matchers: [], start: 0, end: 1, rollup: { resolutionMs: H, column: 'median' } }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('rollup.column');
  });

  it('rebuilds the tiers on the admin endpoint', async () => {
    const res = await fetch(`${remote.address}/api/v1/admin/tsdb/rebuild_downsampled`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { days: number } }).data.days).toBe(2);
  });
});
