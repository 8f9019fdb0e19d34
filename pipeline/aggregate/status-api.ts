/** `GET /api/v1/status/aggregates`: the aggregation rules and their figures, Prometheus API style. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AggregatorStatus } from './aggregator.js';

export interface AggregatesStatusRoute {
  readonly methods: string[];
  readonly path: string;
  readonly handler: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;
}

/** `status()` is undefined until the aggregator runs (the route answers an empty rule list). */
export function aggregatesStatusRoute(status: () => AggregatorStatus | undefined): AggregatesStatusRoute {
  return {
    methods: ['GET'],
    path: '/api/v1/status/aggregates',
    handler: async (_req, res) => {
      const data = status() ?? { rules: [], watermarkMs: null, partitions: [], partitionsMissing: 0, lagRecords: 0, lastCheckpoint: null };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data }));
    },
  };
}
