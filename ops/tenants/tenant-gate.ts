import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { HttpHandler, HttpRouter } from '../server/http-router.js';
import { ownsSilence, scopeAlertFilters, scopePostedSilence, stampPostedAlerts, stampReplayedAlertEvents, tenantAlerts, tenantRules, type SilenceOwnership } from './alerting-scoping.js';
import type { TenantsConfig } from './config.js';
import { filteredJsonResponse } from './json-response-filter.js';
import { scopeReadRequest } from './remote-read-scoping.js';
import { scopeQuery, scopeSeriesSelector, tenantSelector } from './selector-scoping.js';
import { resolveTenant, TenantRefusedError } from './tenant-identity.js';
import type { TenantMetrics } from './tenant-metrics.js';
import { routeScope, type RouteScope } from './tenant-routes.js';
import type { TenantScope } from './tenant-scope.js';
import { tenantTargets } from './tenant-scrape-configs.js';

/** As much body as the query API reads of a form or a remote-read request. */
const MAX_FORM_BYTES = 4 << 20;
const MAX_READ_BYTES = 32 << 20;

export interface TenantGateSettings {
  readonly config: () => TenantsConfig;
  readonly scope: TenantScope;
  readonly metrics: TenantMetrics;
  /** The user basic auth verified for this request (undefined without basic_auth_users). */
  readonly authenticatedUser: (req: IncomingMessage) => string | undefined;
  /** The notifier's silences (which one is whose). */
  readonly silences: () => Promise<readonly SilenceOwnership[]>;
}

/** A request the gate refuses to pass on, with Prometheus' error type for API paths. */
class GateRefusal extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Where a request becomes a tenant's request: every routed handler is wrapped so that it runs
 * with its tenant known (TenantScope) and with what it selects rewritten to that tenant's series
 * (tenant-routes.ts says what each path gets). A request that names no usable tenant is refused
 * before its handler runs.
 */
export class TenantGate {
  constructor(private readonly settings: TenantGateSettings) {}

  /** `router` with every handler behind the gate (what the role's HttpServer routes with). */
  router(router: HttpRouter): Pick<HttpRouter, 'resolve'> {
    return {
      resolve: (method, pathname) => {
        const handler = router.resolve(method, pathname);
        if (typeof handler !== 'function') return handler;
        const scope = routeScope(method, pathname);
        return scope === 'open' ? handler : this.wrap(scope, handler);
      },
    };
  }

  private wrap(scope: Exclude<RouteScope, 'open'>, handler: HttpHandler): HttpHandler {
    return async (req, res, url) => {
      const { config, metrics } = this.settings;
      let routed: Routed;
      let tenant: string;
      const user = this.settings.authenticatedUser(req);
      if (user !== undefined && config().operators.includes(user) && req.headers[config().header.toLowerCase()] === undefined) {
        await handler(req, res, url);
        return;
      }
      try {
        try {
          tenant = resolveTenant(config(), req, user);
        } catch (err) {
          if (!(err instanceof TenantRefusedError)) throw err;
          throw new GateRefusal(err.status, err.status === 401 ? 'no_tenant' : err.status === 403 ? 'other_tenant' : 'invalid_tenant', err.message);
        }
        routed = await this.confine(scope, tenant, { req, res, url });
      } catch (err) {
        if (!(err instanceof GateRefusal)) throw err;
        metrics.requestsRefused.inc({ reason: err.reason });
        refuse(res, url.pathname, err);
        return;
      }
      await this.settings.scope.run(tenant, () => handler(routed.req, routed.res, routed.url));
    };
  }

  /** The request as the tenant's handler gets it (see tenant-routes.ts). Throws GateRefusal. */
  private async confine(scope: Exclude<RouteScope, 'open'>, tenant: string, r: Routed): Promise<Routed> {
    const { config, metrics } = this.settings;
    const label = config().label;
    const url = new URL(r.url.href);
    switch (scope) {
      case 'refused':
        throw new GateRefusal(403, 'not_per_tenant', `${url.pathname} shows or changes every tenant's data: not available to a tenant`);
      case 'query':
      case 'match': {
        metrics.queries.inc({ tenant, endpoint: endpointName(url.pathname) });
        rewriteParams(url.searchParams, scope, label, tenant);
        if (!isForm(r.req)) return { ...r, url };
        const form = new URLSearchParams((await readAll(r.req, MAX_FORM_BYTES)).toString('utf8'));
        rewriteParams(form, scope, label, tenant);
        return { ...r, url, req: withBody(r.req, Buffer.from(form.toString(), 'utf8')) };
      }
      case 'remote_read': {
        metrics.queries.inc({ tenant, endpoint: 'read' });
        const body = await readAll(r.req, MAX_READ_BYTES);
        try {
          return { ...r, req: withBody(r.req, scopeReadRequest(body, label, tenant)) };
        } catch (err) {
          throw new GateRefusal(400, 'bad_request', `cannot decode remote read request: ${(err as Error).message}`);
        }
      }
      case 'pushgateway':
        url.pathname = withTenantGroupingLabel(url.pathname, label, tenant);
        return { ...r, url };
      case 'targets':
        return { ...r, res: filteredJsonResponse(r.res, (body) => tenantTargets(body, label, tenant)) };
      case 'rules':
        return { ...r, res: filteredJsonResponse(r.res, (body) => tenantRules(body, label, tenant)) };
      case 'alerts':
        return { ...r, res: filteredJsonResponse(r.res, (body) => tenantAlerts(body, label, tenant)) };
      case 'am_alerts':
      case 'am_silences':
        scopeAlertFilters(url.searchParams, label, tenant);
        return { ...r, url };
      case 'am_post_alerts':
        return { ...r, req: withBody(r.req, stampPostedAlerts(await readAll(r.req, MAX_READ_BYTES), label, tenant)) };
      case 'alert_history':
        return { ...r, req: withBody(r.req, stampReplayedAlertEvents(await readAll(r.req, MAX_READ_BYTES), label, tenant)) };
      case 'am_post_silence': {
        const posted = scopePostedSilence(await readAll(r.req, MAX_FORM_BYTES), label, tenant);
        if (posted.id !== undefined) await this.ownSilence(posted.id, tenant);
        return { ...r, req: withBody(r.req, posted.body) };
      }
      case 'am_silence':
        await this.ownSilence(decodeURIComponent(url.pathname.slice('/api/v2/silence/'.length)), tenant);
        return r;
      case 'tenant':
        return r;
    }
  }

  /** Refuses (404, as for a silence that does not exist) a silence id that is not the tenant's. */
  private async ownSilence(id: string, tenant: string): Promise<void> {
    const label = this.settings.config().label;
    const s = (await this.settings.silences()).find((x) => x.id === id);
    if (s === undefined || !ownsSilence(s, label, tenant)) throw new GateRefusal(404, 'not_found', `silence ${id} not found`);
  }
}

interface Routed {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
}

function rewriteParams(params: URLSearchParams, scope: 'query' | 'match', label: string, tenant: string): void {
  const name = scope === 'query' ? 'query' : 'match[]';
  const given = params.getAll(name);
  if (scope === 'match' && given.length === 0) {
    params.append(name, tenantSelector(label, tenant));
    return;
  }
  params.delete(name);
  for (const text of given) {
    try {
      params.append(name, scope === 'query' ? scopeQuery(text, label, tenant) : scopeSeriesSelector(text, label, tenant));
    } catch (err) {
      throw new GateRefusal(400, 'bad_request', `invalid parameter ${JSON.stringify(name)}: ${(err as Error).message}`);
    }
  }
}

/**
 * The Pushgateway path with the tenant label added to the grouping key. A key that names the
 * tenant label itself is refused: the tenant is not the sender's to choose.
 */
export function withTenantGroupingLabel(pathname: string, label: string, tenant: string): string {
  const at = pathname.search(/\/metrics\/job(@base64)?\//);
  const segments = pathname.slice(at + '/metrics/'.length).split('/');
  // job, its value, then name/value pairs.
  for (let i = 2; i < segments.length; i += 2) {
    if (decodeURIComponent(segments[i]).replace(/@base64$/, '') === label) {
      throw new GateRefusal(400, 'bad_request', `the grouping key may not name the tenant label ${JSON.stringify(label)}: it is the request's tenant`);
    }
  }
  return `${pathname.replace(/\/+$/, '')}/${label}/${encodeURIComponent(tenant)}`;
}

function endpointName(pathname: string): string {
  if (pathname.startsWith('/api/v1/label/')) return 'label_values';
  return pathname.slice(pathname.lastIndexOf('/') + 1);
}

function isForm(req: IncomingMessage): boolean {
  return (req.method === 'POST' || req.method === 'PUT') && (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
}

async function readAll(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new GateRefusal(400, 'bad_request', `request body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The request with its body replaced by `body` (already read from the socket and rewritten). */
function withBody(req: IncomingMessage, body: Buffer): IncomingMessage {
  const replay = Readable.from([body]);
  return Object.assign(replay, {
    method: req.method,
    url: req.url,
    headers: { ...req.headers, 'content-length': String(body.length) },
    rawHeaders: req.rawHeaders,
    httpVersion: req.httpVersion,
    socket: req.socket,
  }) as unknown as IncomingMessage;
}

function refuse(res: ServerResponse, pathname: string, err: GateRefusal): void {
  if (pathname.startsWith('/api/v1/')) {
    const errorType = err.status === 400 ? 'bad_data' : err.status === 404 ? 'not_found' : 'unauthorized';
    const body = JSON.stringify({ status: 'error', errorType, error: err.message });
    res.writeHead(err.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    return;
  }
  res.writeHead(err.status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${err.message}\n`);
}
