import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringify } from 'yaml';

import { parseUserConfig } from '../config/user-config.js';
import type { NotifyMetrics } from '../metrics.js';
import type { NotifyStateStore } from '../notify-state-store.js';
import type { ApiHandler, ApiRoute } from './api-deps.js';

const MAX_CONFIG_BYTES = 1 << 20;

/** What Mimir's configuration API works on. */
export interface TenantConfigApiDeps {
  readonly store: NotifyStateStore;
  readonly metrics: NotifyMetrics;
  /** The tenant of the request in progress; the API answers only a tenant. */
  readonly currentTenant: () => string | undefined;
  /** The configuration the operator set for the tenant in tidemark.yml, which the API may not change. */
  readonly fileConfig: (tenant: string) => string | undefined;
  /** Load the stored configurations again, after this replica changed them. */
  readonly reload: () => Promise<void>;
}

class ConfigApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function sendText(res: ServerResponse, status: number, text: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) }).end(text);
}

function tenantOf(d: TenantConfigApiDeps): string {
  const tenant = d.currentTenant();
  if (tenant === undefined) throw new ConfigApiError(401, 'no org id');
  return tenant;
}

function refuseFileConfigured(d: TenantConfigApiDeps, tenant: string): void {
  if (d.fileConfig(tenant) !== undefined) {
    throw new ConfigApiError(409, `the Alertmanager configuration of tenant ${tenant} is set by the operator in tidemark.yml (tenants.alertmanager_configs)`);
  }
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_CONFIG_BYTES) throw new ConfigApiError(413, `request body larger than ${MAX_CONFIG_BYTES} bytes`);
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function guarded(d: TenantConfigApiDeps, stage: string, h: ApiHandler): ApiHandler {
  return async (req, res, url) => {
    try {
      await h(req, res, url);
    } catch (err) {
      const status = err instanceof ConfigApiError ? err.status : 500;
      d.metrics.errors.inc({ type: err instanceof ConfigApiError ? 'bad_request' : (err as Error).name, stage });
      if (res.headersSent) return void res.destroy();
      sendText(res, status, `${(err as Error).message}\n`);
    }
  };
}

/**
 * Mimir's Alertmanager configuration API for the caller's tenant: `GET /api/v1/alerts` answers
 * its configuration (`template_files`, `alertmanager_config`; 404 without one), `POST` sets it
 * (validated as alertmanager.yml is; 201), `DELETE` removes it, so the tenant falls back to the
 * main configuration. Stored with the notifier's state, so every replica loads it.
 */
export function tenantConfigApiRoutes(d: TenantConfigApiDeps): ApiRoute[] {
  const get: ApiHandler = async (_req, res) => {
    const tenant = tenantOf(d);
    const stored = (await d.store.listTenantConfigs()).get(tenant);
    if (stored !== undefined) return sendText(res, 200, stored, 'application/yaml');
    const file = d.fileConfig(tenant);
    if (file !== undefined) return sendText(res, 200, stringify({ template_files: {}, alertmanager_config: file }), 'application/yaml');
    throw new ConfigApiError(404, 'alertmanager config not found');
  };
  const post: ApiHandler = async (req, res) => {
    const tenant = tenantOf(d);
    refuseFileConfigured(d, tenant);
    const text = await readText(req);
    const parsed = parseUserConfig(text);
    if (!parsed.ok) throw new ConfigApiError(400, parsed.error);
    await d.store.putTenantConfig(tenant, text);
    await d.reload();
    res.writeHead(201).end();
  };
  const del: ApiHandler = async (_req, res) => {
    const tenant = tenantOf(d);
    refuseFileConfigured(d, tenant);
    await d.store.deleteTenantConfig(tenant);
    await d.reload();
    res.writeHead(200).end();
  };
  return [
    { methods: ['GET'], path: '/api/v1/alerts', handler: guarded(d, 'get_tenant_config', get) },
    { methods: ['POST'], path: '/api/v1/alerts', handler: guarded(d, 'post_tenant_config', post) },
    { methods: ['DELETE'], path: '/api/v1/alerts', handler: guarded(d, 'delete_tenant_config', del) },
  ];
}
