/**
 * How a request is confined to its tenant, by path:
 * - `open`: process endpoints that hold no tenant's data (health, readiness, the role's own /metrics, build info): no tenant needed;
 * - `query`: the PromQL `query` parameter is rewritten;
 * - `match`: every `match[]` selector is rewritten (one for the tenant is added when none is given);
 * - `remote_read`: every query of the protobuf body is rewritten;
 * - `pushgateway`: the tenant joins the grouping key, so tenants' groups of the same job are distinct;
 * - `targets`: the answer keeps the tenant's scrape targets (tenants.scrape_configs);
 * - `rules`, `alerts`: the answer keeps the tenant's rules, alerts (metadata is the tenant's own as
 *   the query API reads it: tenant-metadata.ts);
 * - `am_alerts`, `am_silences`: Alertmanager's `filter` gets the tenant's matcher;
 * - `am_post_alerts`: posted alerts get the tenant label;
 * - `alert_history`: a replay's alert state changes get the tenant label;
 * - `am_post_silence`: a silence gets the tenant's matcher, and may update only the tenant's silence;
 * - `am_silence`: one silence by id, the tenant's only (404 otherwise);
 * - `refused`: endpoints that would show or change every tenant's data at once (403);
 * - `tenant`: the rest: a tenant is required; what they write is labelled by the sink.
 */
export type RouteScope =
  | 'open' | 'query' | 'match' | 'remote_read' | 'pushgateway' | 'targets' | 'rules' | 'alerts'
  | 'am_alerts' | 'am_silences' | 'am_post_alerts' | 'alert_history' | 'am_post_silence' | 'am_silence' | 'refused' | 'tenant';

const OPEN = new Set(['/metrics', '/api/v1/status/buildinfo']);
const QUERY = new Set(['/api/v1/query', '/api/v1/query_range', '/api/v1/query_exemplars']);
const MATCH = new Set(['/api/v1/series', '/api/v1/labels', '/federate', '/api/v1/admin/tsdb/delete_series']);
/**
 * Pushgateway's group listing and wipe (with any route prefix), the TSDB's cardinality statistics,
 * snapshot and other whole-TSDB admin calls, the notifier's delivery failures; and the store protocol (`/api/v1/store/`), which
 * the query role speaks as an operator (tenants.operators), never a tenant.
 */
const REFUSED_SUFFIXES = ['/api/v1/admin/wipe', '/api/v1/metrics'];
const REFUSED = new Set([
  '/api/v1/status/tsdb',
  '/api/v1/admin/tsdb/snapshot',
  '/api/v1/admin/tsdb/clean_tombstones',
  '/api/v1/admin/tsdb/rebuild_downsampled',
  '/api/tidemark/v1/notify/failures',
]);

export function routeScope(method: string, pathname: string): RouteScope {
  if (pathname.startsWith('/-/') || (OPEN.has(pathname) && (method === 'GET' || method === 'HEAD'))) return 'open';
  if (QUERY.has(pathname)) return 'query';
  if (MATCH.has(pathname) || /^\/api\/v1\/label\/[^/]+\/values$/.test(pathname)) return 'match';
  if (pathname === '/api/v1/read') return 'remote_read';
  if (pathname === '/api/v1/targets') return 'targets';
  if (pathname === '/api/v1/rules') return 'rules';
  if (pathname === '/api/v1/alerts') return 'alerts';
  if (pathname === '/api/v2/alerts' || pathname === '/api/v2/alerts/groups') return method === 'POST' ? 'am_post_alerts' : 'am_alerts';
  if (pathname === '/api/v2/silences') return method === 'POST' ? 'am_post_silence' : 'am_silences';
  if (pathname.startsWith('/api/v2/silence/')) return 'am_silence';
  if (pathname === '/api/v1/alert_history/replayed' && method === 'POST') return 'alert_history';
  if (REFUSED.has(pathname) || REFUSED_SUFFIXES.some((s) => pathname.endsWith(s)) || pathname.startsWith('/api/v1/store/')) return 'refused';
  if (method !== 'GET' && /\/metrics\/job(@base64)?\//.test(pathname)) return 'pushgateway';
  return 'tenant';
}
