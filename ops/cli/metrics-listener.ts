import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { HttpRouter } from '../server/http-router.js';
import { HttpServer, type ListenAddress } from '../server/http-server.js';

/**
 * `--listen` of a command that runs to completion (`tidemark import --kafka`, `tidemark replay`):
 * its `/metrics` (and `/-/healthy`) while it runs, as a role serves its own.
 */
export async function serveMetrics(registry: Registry, log: Logger, at: ListenAddress, command: string): Promise<HttpServer> {
  const router = new HttpRouter()
    .add('GET', '/metrics', async (_req, res) => {
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType }).end(text);
    })
    .add('GET', '/-/healthy', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(`Tidemark ${command} is Healthy.\n`);
    });
  const server = new HttpServer(router, log);
  await server.listen(at);
  return server;
}
