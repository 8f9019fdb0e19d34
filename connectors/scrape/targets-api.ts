import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type { DroppedTarget, ScrapeManager } from './scrape-manager.js';
import { SCRAPE_INTERVAL_LABEL, SCRAPE_TIMEOUT_LABEL } from './target-labels.js';
import type { Target } from './target.js';

export type TargetsHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

export interface TargetsApiOptions {
  /** Host that replaces a loopback target host in `globalUrl` (default: this machine's hostname). */
  readonly globalHost?: string;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Prometheus' getGlobalURL: a loopback target host becomes a name other machines can reach. */
export function globalUrl(scrapeUrl: string, host: string): string {
  const u = new URL(scrapeUrl);
  if (!LOOPBACK.has(u.hostname)) return scrapeUrl;
  u.hostname = host;
  return u.toString();
}

function formatTime(ms: number): string {
  return ms === 0 ? '0001-01-01T00:00:00Z' : new Date(ms).toISOString();
}

function activeTarget(t: Target, host: string) {
  return {
    discoveredLabels: t.discoveredLabels,
    labels: t.publicLabels,
    scrapePool: t.scrapePool,
    scrapeUrl: t.url,
    globalUrl: globalUrl(t.url, host),
    lastError: t.lastError,
    lastScrape: formatTime(t.lastScrape),
    lastScrapeDuration: t.lastScrapeDuration,
    health: t.health,
    scrapeInterval: t.labels[SCRAPE_INTERVAL_LABEL] ?? '',
    scrapeTimeout: t.labels[SCRAPE_TIMEOUT_LABEL] ?? '',
  };
}

/**
 * `GET /api/v1/targets[?state=active|dropped|any][&scrapePool=name]`, answered as Prometheus
 * answers it. The lead mounts the routes on the role's HTTP server.
 */
export function createTargetsApi(
  manager: ScrapeManager,
  options: TargetsApiOptions = {},
): { routes: Array<{ methods: string[]; path: string; handler: TargetsHandler }> } {
  const host = options.globalHost ?? hostname();
  const handler: TargetsHandler = async (_req, res, url) => {
    const state = (url.searchParams.get('state') ?? 'any').toLowerCase();
    const pool = url.searchParams.get('scrapePool');
    const inPool = (name: string) => pool === null || pool === '' || name === pool;
    const showActive = state === 'any' || state === 'active' || state === '';
    const showDropped = state === 'any' || state === 'dropped' || state === '';
    const active = showActive ? manager.activeTargets().filter((t) => inPool(t.scrapePool)).map((t) => activeTarget(t, host)) : [];
    const dropped = showDropped
      ? manager
          .droppedTargets()
          .filter((d: DroppedTarget) => inPool(d.scrapePool))
          .map((d) => ({ discoveredLabels: d.discoveredLabels }))
      : [];
    const body = JSON.stringify({ status: 'success', data: { activeTargets: active, droppedTargets: dropped } });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  };
  return { routes: [{ methods: ['GET'], path: '/api/v1/targets', handler }] };
}
