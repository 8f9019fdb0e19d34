import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { QueryMetrics } from './metrics.js';

describe('QueryMetrics', () => {
  it('counts each request by handler and code, marks it partial once, and shares one registry with another query API', async () => {
    const registry = new Registry();
    const metrics = new QueryMetrics(registry);
    const second = new QueryMetrics(registry);
    const observer = metrics.fanoutObserver();
    const route = metrics.instrument({
      methods: ['GET'],
      path: '/api/v1/query',
      handler: async (_req, res) => {
        observer.partialRead();
        await new Promise((resolve) => setImmediate(resolve));
        observer.partialRead();
        res.statusCode = 422;
        res.end('{}');
      },
    });
    const server = createServer((req, res) => void route.handler(req, res, new URL(req.url ?? '/', 'http://x')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/query`;
      for (let i = 0; i < 2; i++) expect((await fetch(url)).status).toBe(422);
      second.storeFailed('store-a');
      // The count is taken when the server closes the response, which may follow the client's read.
      let text = '';
      for (let i = 0; i < 100 && !text.includes('code="422"} 2'); i++) {
        text = await registry.metrics();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(text).toContain('tidemark_query_requests_total{handler="/api/v1/query",code="422"} 2');
      expect(text).toContain('tidemark_query_partial_responses_total 2');
      expect(text).toContain('tidemark_query_store_failures_total{store="store-a"} 1');
      expect(text).toContain('tidemark_query_request_duration_seconds_count{handler="/api/v1/query"} 2');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
