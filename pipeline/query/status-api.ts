import { writeSuccess } from './api-response.js';
import { jsonHandler, type ApiContext, type QueryRoute } from './api-settings.js';

/** `/api/v1/status/buildinfo`, `/api/v1/status/runtimeinfo`, `/api/v1/status/flags`. */
export function statusRoutes(ctx: ApiContext): QueryRoute[] {
  const s = ctx.settings;
  return [
    {
      methods: ['GET'],
      path: '/api/v1/status/buildinfo',
      handler: jsonHandler(async (_req, res) => {
        writeSuccess(res, {
          version: s.version ?? '0.0.0',
          revision: s.revision ?? 'unknown',
          branch: 'main',
          buildUser: 'tidemark',
          buildDate: '',
          // Grafana reads the version to pick features; this field says what actually runs.
          goVersion: `node ${process.version}`,
        });
      }),
    },
    {
      methods: ['GET'],
      path: '/api/v1/status/runtimeinfo',
      handler: jsonHandler(async (_req, res) => {
        const config = s.configStatus?.() ?? { lastReloadSuccessful: true, lastSuccessMs: ctx.startTime };
        writeSuccess(res, {
          startTime: new Date(ctx.startTime).toISOString(),
          CWD: process.cwd(),
          reloadConfigSuccess: config.lastReloadSuccessful,
          lastConfigTime: new Date(config.lastSuccessMs).toISOString(),
          corruptionCount: 0,
          goroutineCount: 0,
          GOMAXPROCS: 1,
          GOMEMLIMIT: 0,
          GOGC: '',
          GODEBUG: '',
          storageRetention: s.storageRetention ?? '',
        });
      }),
    },
    {
      methods: ['GET'],
      path: '/api/v1/status/flags',
      handler: jsonHandler(async (_req, res) => {
        writeSuccess(res, {
          'query.timeout': `${ctx.config.timeout_ms / 1000}s`,
          'query.max-samples': String(ctx.config.max_samples),
          'query.lookback-delta': `${ctx.config.lookback_delta_ms / 1000}s`,
          ...s.flags,
        });
      }),
    },
  ];
}
