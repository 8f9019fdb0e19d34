import type { Registry } from 'prom-client';
import { PushEdge, type Backpressure, type PushConnector } from '../http-edge/index.js';
import type { SampleSink } from '../../schemas/sample-sink.js';
import { defaultInfluxConfig, type InfluxConfig } from './config.js';
import { InfluxHandler } from './handler.js';

export interface InfluxSettings {
  readonly sink: SampleSink;
  readonly registry: Registry;
  readonly backpressure?: Backpressure;
}

export const influxFactory = {
  type: 'influx',
  defaultConfig: defaultInfluxConfig,
  create: createInfluxConnector,
};

/** InfluxDB line protocol at `/write` (1.x) and `/api/v2/write` (2.x); `config` is already validated. */
export function createInfluxConnector(settings: InfluxSettings, config: InfluxConfig): PushConnector {
  const edge = new PushEdge({
    connector: 'influx',
    registry: settings.registry,
    auth: config.auth,
    limits: config.limits,
    backpressure: settings.backpressure,
  });
  const v1 = new InfluxHandler(edge, settings.sink, config, false);
  const v2 = new InfluxHandler(edge, settings.sink, config, true);
  // InfluxDB 1.x clients may pass credentials as `u` and `p` query args.
  const queryCredentials = (url: URL) => ({ username: url.searchParams.get('u'), password: url.searchParams.get('p') });
  return {
    routes: [
      { methods: ['POST'], path: '/write', handler: edge.handler(['POST'], (p) => v1.handle(p), queryCredentials) },
      { methods: ['POST'], path: '/api/v2/write', handler: edge.handler(['POST'], (p) => v2.handle(p)) },
    ],
    async start() {},
    async stop() {},
  };
}
