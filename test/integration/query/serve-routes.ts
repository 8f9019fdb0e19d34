import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { QueryRoute } from '../../../pipeline/query/index.js';

export interface RoutesServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * Serves routes on 127.0.0.1 and a random port, matching them as the role's router does (exact
 * paths, or `/*` prefixes; the longest wins). Tests and benchmarks only: roles mount the routes.
 */
export async function serveRoutes(routes: readonly QueryRoute[]): Promise<RoutesServer> {
  const sorted = [...routes].sort((a, b) => b.path.length - a.path.length);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = sorted.find((r) => (r.path.endsWith('/*') ? url.pathname.startsWith(r.path.slice(0, -1)) : url.pathname === r.path));
    if (route === undefined) {
      res.writeHead(404).end('not found\n');
      return;
    }
    if (!route.methods.includes(req.method ?? 'GET')) {
      res.writeHead(405).end('method not allowed\n');
      return;
    }
    route.handler(req, res, url).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
