export { notifyApiRoutes } from './notify-api.js';
export { tenantConfigApiRoutes, type TenantConfigApiDeps } from './tenant-config-handlers.js';
export type { ApiDeps, ApiHandler, ApiRoute } from './api-deps.js';
export { parsePostableAlerts, type ParsedAlerts } from './postable-alerts.js';
export { alertView, type GettableAlert } from './alert-view.js';
