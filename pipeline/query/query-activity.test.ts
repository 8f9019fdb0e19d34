import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { QueryRoute } from './api-settings.js';
import { QueryActivity } from './query-activity.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A real HTTP server over `routes` (exact paths); returns its base URL. */
async function serve(routes: readonly QueryRoute[]): Promise<string> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const route = routes.find((r) => r.path === url.pathname);
    if (route === undefined) res.writeHead(404).end();
    else void route.handler(req, res, url);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const until = async (cond: () => boolean): Promise<void> => {
  while (!cond()) await new Promise((r) => setTimeout(r, 2));
};

describe('QueryActivity', () => {
  it('resolves whenIdle when the last query in flight ends, and counts each end once', async () => {
    const a = new QueryActivity(0);
    await a.whenIdle(60_000); // idle already
    const end1 = a.begin();
    const end2 = a.begin();
    let idle = false;
    const waiting = a.whenIdle(60_000).then(() => {
      idle = true;
    });
    end1();
    end1();
    await new Promise((r) => setImmediate(r));
    expect(a.running).toBe(1);
    expect(idle).toBe(false);
    end2();
    await waiting;
    expect(idle).toBe(true);
    expect(a.running).toBe(0);
  });

  it('waits until no query has been in flight for quietMs', async () => {
    const a = new QueryActivity(50);
    a.begin()();
    let idle = false;
    const waiting = a.whenIdle(60_000).then(() => {
      idle = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(idle).toBe(false);
    const end = a.begin();
    await new Promise((r) => setTimeout(r, 80));
    expect(idle).toBe(false); // a query came within the quiet time and is still in flight
    end();
    await waiting;
    expect(idle).toBe(true);
  });

  it('gives up waiting after maxWaitMs while queries keep running', async () => {
    const a = new QueryActivity(0);
    const end = a.begin();
    await a.whenIdle(10);
    expect(a.running).toBe(1);
    end();
  });

  it('counts requests to the query endpoints in flight until their answer is written, or their client goes away', async () => {
    const a = new QueryActivity(0);
    const gates: Array<() => void> = [];
    const slow: QueryRoute['handler'] = async (_req, res) => {
      await new Promise<void>((r) => gates.push(r));
      res.end('{}');
    };
    const routes = a.track([
      { methods: ['GET'], path: '/api/v1/query_range', handler: slow },
      { methods: ['GET'], path: '/api/v1/labels', handler: slow },
    ]);
    const url = await serve(routes);

    const answered = fetch(`${url}/api/v1/query_range`).then((r) => r.text());
    await until(() => gates.length === 1);
    expect(a.running).toBe(1);
    gates.shift()!();
    expect(await answered).toBe('{}');
    await until(() => a.running === 0);

    const labels = fetch(`${url}/api/v1/labels`).then((r) => r.text());
    await until(() => gates.length === 1);
    expect(a.running).toBe(0);
    gates.shift()!();
    await labels;

    // A client that hangs up ends its query's count before the handler returns.
    const req = request(`${url}/api/v1/query_range`);
    req.on('error', () => undefined);
    req.end();
    await until(() => gates.length === 1);
    expect(a.running).toBe(1);
    req.destroy();
    await a.whenIdle(60_000);
    expect(a.running).toBe(0);
    gates.shift()!();
  });
});
