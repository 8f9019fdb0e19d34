import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { ApiRoute } from '../../../pipeline/alert/notify/index.js';

/** Serve notifier routes on a random port as the role's HTTP server would (exact paths and `/*` prefixes). */
export async function serveRoutes(routes: readonly ApiRoute[]): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const hit = routes.find((r) => r.methods.includes(req.method ?? 'GET') && (r.path.endsWith('/*') ? url.pathname.startsWith(r.path.slice(0, -1)) : url.pathname === r.path));
    if (hit === undefined) return void res.writeHead(404).end();
    hit.handler(req, res, url).catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
