import { NotifyApiError } from '../errors.js';
import type { ApiDeps, ApiHandler, ApiRoute } from './api-deps.js';
import { getAlertGroups, getAlerts, postAlerts } from './alerts-handlers.js';
import { formatTime, sendJson } from './http-io.js';
import { deleteSilence, getSilence, getSilences, postSilences } from './silences-handlers.js';

/** Errors to HTTP in one place: NotifyApiError carries its status; anything else is a 500. */
function guarded(d: ApiDeps, stage: string, h: ApiHandler): ApiHandler {
  return async (req, res, url) => {
    try {
      await h(req, res, url);
    } catch (err) {
      const status = err instanceof NotifyApiError ? err.status : 500;
      d.metrics.errors.inc({ type: err instanceof NotifyApiError ? 'bad_request' : (err as Error).name, stage });
      if (res.headersSent) return void res.destroy();
      sendJson(res, status, (err as Error).message);
    }
  };
}

function getStatus(d: ApiDeps): ApiHandler {
  return async (_req, res) => {
    // Replicas share their state in Redis rather than gossip: the peers are the replicas announced there.
    const peers = await d.store.listPeers();
    sendJson(res, 200, {
      cluster: peers === undefined ? { status: 'disabled', peers: [] } : { name: d.replicaName, status: 'ready', peers },
      versionInfo: { version: d.version, revision: '', branch: '', buildUser: '', buildDate: '', goVersion: `node ${process.version}` },
      // The caller's tenant's configuration (its own, or the main one it falls back to).
      config: { original: d.dispatcher.plans.planFor(d.currentTenant()).config.original },
      uptime: formatTime(d.startedAt),
    });
  };
}

function getReceivers(d: ApiDeps): ApiHandler {
  return async (_req, res) => {
    sendJson(res, 200, d.dispatcher.plans.planFor(d.currentTenant()).config.receivers.map((r) => ({ name: r.name ?? '' })));
  };
}

/** Notifications given up after all retries, newest first (Tidemark's own endpoint; `limit` default 100). */
function getFailures(d: ApiDeps): ApiHandler {
  return async (_req, res, url) => {
    const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get('limit') ?? 100) || 100));
    const failures = await d.store.listFailures(limit);
    sendJson(res, 200, failures.map((f) => ({ ...f, at: formatTime(f.at) })));
  };
}

/** The Alertmanager v2 API routes (mounted by the role's HTTP server), plus Tidemark's failure log. */
export function notifyApiRoutes(d: ApiDeps): ApiRoute[] {
  const g = (stage: string, h: ApiHandler) => guarded(d, stage, h);
  return [
    { methods: ['POST'], path: '/api/v2/alerts', handler: g('post_alerts', postAlerts(d)) },
    { methods: ['GET'], path: '/api/v2/alerts', handler: g('get_alerts', getAlerts(d)) },
    { methods: ['GET'], path: '/api/v2/alerts/groups', handler: g('get_alert_groups', getAlertGroups(d)) },
    { methods: ['GET'], path: '/api/v2/silences', handler: g('get_silences', getSilences(d)) },
    { methods: ['POST'], path: '/api/v2/silences', handler: g('post_silences', postSilences(d)) },
    { methods: ['GET'], path: '/api/v2/silence/*', handler: g('get_silence', getSilence(d)) },
    { methods: ['DELETE'], path: '/api/v2/silence/*', handler: g('delete_silence', deleteSilence(d)) },
    { methods: ['GET'], path: '/api/v2/status', handler: g('status', getStatus(d)) },
    { methods: ['GET'], path: '/api/v2/receivers', handler: g('receivers', getReceivers(d)) },
    { methods: ['GET'], path: '/api/tidemark/v1/notify/failures', handler: g('failures', getFailures(d)) },
  ];
}
