import type { Registry } from 'prom-client';
import { PushEdge, type Backpressure, type PushConnector } from '../http-edge/index.js';
import type { MetadataSink } from '../../schemas/metadata-sink.js';
import type { SampleSink } from '../../schemas/sample-sink.js';
import type { OtlpConfig } from './config.js';
import { OtlpHandler } from './handler.js';

export interface OtlpSettings {
  readonly sink: SampleSink;
  readonly metadata?: MetadataSink;
  readonly registry: Registry;
  readonly backpressure?: Backpressure;
}

/** The OTLP/HTTP metrics receiver at OTLP's path and at Prometheus'; `config` is already validated. */
export function createOtlpConnector(settings: OtlpSettings, config: OtlpConfig): PushConnector {
  const edge = new PushEdge({ connector: 'otlp', registry: settings.registry, auth: config.auth, limits: config.limits, backpressure: settings.backpressure });
  const handler = new OtlpHandler(edge, settings.sink, settings.metadata);
  const route = edge.handler(['POST'], (p) => handler.handle(p));
  return {
    routes: [
      { methods: ['POST'], path: '/otlp/v1/metrics', handler: route },
      { methods: ['POST'], path: '/api/v1/otlp/v1/metrics', handler: route },
    ],
    async start() {},
    async stop() {},
  };
}
