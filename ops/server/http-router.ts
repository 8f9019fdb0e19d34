import type { IncomingMessage, ServerResponse } from 'node:http';

export type HttpHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

interface Route {
  readonly method: string;
  readonly path: string;
  readonly prefix: boolean;
  readonly handler: HttpHandler;
}

/**
 * Routes by method and path: exact paths, or prefixes ending in `/*` (for APIs whose paths carry
 * parameters, like `/metrics/job/*` or `/api/v1/label/*`). The longest matching route wins.
 */
export class HttpRouter {
  private readonly routes: Route[] = [];

  /** `methods` is one method or several, e.g. ['GET', 'POST']. */
  add(methods: string | readonly string[], path: string, handler: HttpHandler): this {
    const prefix = path.endsWith('/*');
    const p = prefix ? path.slice(0, -1) : path;
    for (const m of typeof methods === 'string' ? [methods] : methods) {
      this.routes.push({ method: m.toUpperCase(), path: p, prefix, handler });
    }
    this.routes.sort((a, b) => b.path.length - a.path.length);
    return this;
  }

  /** The handler for a request, 'method' when the path exists under another method, or undefined. */
  resolve(method: string, pathname: string): HttpHandler | 'method' | undefined {
    let pathMatched = false;
    for (const r of this.routes) {
      const hit = r.prefix ? pathname.startsWith(r.path) : pathname === r.path;
      if (!hit) continue;
      if (r.method === method || (method === 'HEAD' && r.method === 'GET')) return r.handler;
      pathMatched = true;
    }
    return pathMatched ? 'method' : undefined;
  }
}
