import { apiContext, type QueryApiSettings, type QueryRoute } from './api-settings.js';
import { federateRoutes } from './federate.js';
import { metadataRoutes } from './metadata-api.js';
import { queryRoutes } from './query-api.js';
import { remoteReadRoutes } from './remote-read.js';
import { seriesRoutes } from './series-api.js';
import { statusRoutes } from './status-api.js';
import { tsdbStatusRoutes } from './tsdb-status-api.js';

/**
 * The Prometheus HTTP API of the `tidemark query` role (and `tidemark up`), as routes for the
 * role's HTTP server to mount. Reads go through `settings.queryable`: a Tsdb, or the fan-out over
 * every store shard (FanoutQueryable).
 */
export function prometheusApi(settings: QueryApiSettings): { routes: QueryRoute[] } {
  const ctx = apiContext(settings);
  return {
    routes: [...queryRoutes(ctx), ...seriesRoutes(ctx), ...(settings.metadata === undefined ? [] : metadataRoutes(settings.metadata)), ...statusRoutes(ctx), ...tsdbStatusRoutes(ctx), ...remoteReadRoutes(ctx), ...federateRoutes(ctx)],
  };
}
