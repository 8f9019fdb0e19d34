import type { Registry } from 'prom-client';
import { PushEdge, type Backpressure, type HttpHandler, type PushConnector } from '../http-edge/index.js';
import type { SampleSink } from '../../schemas/sample-sink.js';
import { defaultImportConfig, type ImportConfig } from './config.js';
import { ImportHandler, type ImportEndpoint } from './handler.js';
import { ImportMetrics } from './import-metrics.js';
import { SERIES_RUNS_PATH } from './series-runs-body.js';

export interface ImportSettings {
  readonly sink: SampleSink;
  readonly registry: Registry;
  readonly backpressure?: Backpressure;
}

export const importFactory = {
  type: 'import',
  defaultConfig: defaultImportConfig,
  create: createImportConnector,
};

/** VictoriaMetrics answers `/health` with OK; vmctl checks it before it imports. */
const health: HttpHandler = async (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('OK');
};

/**
 * VictoriaMetrics' import endpoints: `/api/v1/import` (JSON lines of `/api/v1/export`),
 * `/api/v1/import/prometheus`, `/api/v1/import/csv`; and `/api/v1/import/series-runs`, what
 * `tidemark import` sends once it has parsed a file itself. `config` is already validated.
 */
export function createImportConnector(settings: ImportSettings, config: ImportConfig): PushConnector {
  const edge = new PushEdge({
    connector: 'import',
    registry: settings.registry,
    auth: config.auth,
    limits: config.limits,
    backpressure: settings.backpressure,
  });
  const metrics = new ImportMetrics(settings.registry);
  const route = (path: string, endpoint: ImportEndpoint) => {
    const handler = new ImportHandler(edge, settings.sink, config, endpoint, metrics);
    return { methods: ['POST'], path, handler: edge.handler(['POST'], (p) => handler.handle(p)) };
  };
  return {
    routes: [
      route('/api/v1/import', 'vm-json'),
      route('/api/v1/import/prometheus', 'prometheus'),
      route('/api/v1/import/csv', 'csv'),
      route(SERIES_RUNS_PATH, 'series-runs'),
      { methods: ['GET', 'HEAD'], path: '/health', handler: health },
    ],
    async start() {},
    async stop() {},
  };
}
