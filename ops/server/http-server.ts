import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { HttpRouter } from './http-router.js';
import type { WebSecurity } from './web-security.js';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** Parses `--listen HOST:PORT` (`:9090` and `[::1]:9090` too). */
export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`--listen: expected HOST:PORT, got ${JSON.stringify(text)}`);
  }
  return { host: m[1] ?? (m[2] === '' ? '0.0.0.0' : m[2]), port };
}

/**
 * Says why a path cannot be served yet (e.g. the role's services are still starting), or
 * undefined when it can.
 */
/** How long a stopping server waits for requests in flight before it closes their connections. */
export const SHUTDOWN_GRACE_MS = 5_000;

export type Unavailable = (pathname: string) => string | undefined;

/**
 * The role's HTTP listener: routes requests and answers errors as Prometheus does (JSON for APIs).
 * With a `--web.config.file` (WebSecurity) it serves HTTPS and asks every request for basic auth
 * as that file says.
 */
export class HttpServer {
  private server: Server | undefined;

  constructor(
    private readonly router: Pick<HttpRouter, 'resolve'>,
    private readonly log: Logger,
    private readonly unavailable: Unavailable = () => undefined,
    private readonly security?: WebSecurity,
  ) {}

  async listen(addr: ListenAddress): Promise<ListenAddress> {
    const security = this.security;
    const admitted = (req: IncomingMessage, res: ServerResponse): void => {
      if (security === undefined) {
        this.handle(req, res);
        return;
      }
      security.admit(req, res).then(
        (ok) => {
          if (ok) this.handle(req, res);
        },
        (err: unknown) => {
          this.log.error({ err, method: req.method, path: req.url }, 'HTTP authentication failed');
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          res.end('internal error while authenticating\n');
        },
      );
    };
    let server: Server;
    if (security?.tls === true) {
      const https = createHttpsServer(security.serverOptions(), admitted);
      security.attach(https);
      server = https;
    } else {
      server = createServer(admitted);
    }
    server.keepAliveTimeout = 65_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(addr.port, addr.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const a = server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = this.router.resolve(req.method ?? 'GET', url.pathname);
    if (route === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
      return;
    }
    if (route === 'method') {
      res.writeHead(405, { 'content-type': 'text/plain; charset=utf-8' }).end('405 method not allowed\n');
      return;
    }
    const why = this.unavailable(url.pathname);
    if (why !== undefined) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '1' }).end(`Service Unavailable: ${why}\n`);
      return;
    }
    Promise.resolve()
      .then(() => route(req, res, url))
      .catch((err: unknown) => {
        this.log.error({ err, method: req.method, path: url.pathname }, 'HTTP handler failed');
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        }
        res.end(`internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      });
  }

  /**
   * Stops accepting, closes idle connections and lets requests in flight finish for `graceMs`;
   * connections still open then are cut, so a client that never finishes its request (or never
   * reads its answer) cannot hold a stopping process forever.
   */
  async close(graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    await new Promise<void>((resolve) => {
      const cut = setTimeout(() => {
        server.getConnections((_err, open) => this.log.warn({ connections: open, graceMs }, 'HTTP connections still open after the shutdown grace period; closing them'));
        server.closeAllConnections();
      }, graceMs);
      server.close(() => {
        clearTimeout(cut);
        resolve();
      });
      server.closeIdleConnections();
    });
  }
}
