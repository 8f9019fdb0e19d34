import { AsyncLocalStorage } from 'node:async_hooks';
import type { Counter, Histogram, Registry } from 'prom-client';
import { registeredCounter, registeredHistogram } from '../../schemas/registered-metrics.js';
import type { QueryRoute } from './api-settings.js';

/** Told by the fan-out about each read: which stores failed, and whether the answer was partial. */
export interface FanoutObserver {
  /** A store could not be read (its name as the registry gives it). */
  storeFailed(store: string): void;
  /** A read went on without some stores: the request's answer is partial (it carries warnings). */
  partialRead(): void;
}

/**
 * The query role's metric set: requests and their durations per handler (route path) and status
 * code, labelled as Prometheus' `prometheus_http_requests_total` and
 * `prometheus_http_request_duration_seconds`; store reads that failed; partial responses.
 */
export class QueryMetrics implements FanoutObserver {
  private readonly requests: Counter<'handler' | 'code'>;
  private readonly duration: Histogram<'handler'>;
  private readonly storeFailures: Counter<'store'>;
  private readonly partial: Counter<string>;
  /**
   * Per request: whether a read of it was partial (one request may read several times). Only a
   * fan-out reports partial reads, so a request runs in this storage only once one is observed:
   * an AsyncLocalStorage switches on V8's promise hooks for the whole process, a cost on every
   * promise (about 0.1 µs each here), which `tidemark up`, reading no remote store, need not pay.
   */
  private readonly request = new AsyncLocalStorage<{ partial: boolean }>();
  private observing = false;

  constructor(registry: Registry) {
    this.requests = registeredCounter(registry, 'tidemark_query_requests_total',
      'Requests of the Prometheus HTTP API, by handler (route path) and status code.', ['handler', 'code']);
    this.duration = registeredHistogram(registry, 'tidemark_query_request_duration_seconds',
      'Time taken to answer a request of the Prometheus HTTP API, by handler (route path).', ['handler'],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]);
    this.storeFailures = registeredCounter(registry, 'tidemark_query_store_failures_total',
      'Reads of a store that failed during fan-out, by store.', ['store']);
    this.partial = registeredCounter(registry, 'tidemark_query_partial_responses_total',
      'Requests answered without some stores (partial responses carrying a warning).');
  }

  /** The route, counting its requests and timing them under its path (`/api/v1/label/*` for parameterized ones). */
  instrument(route: QueryRoute): QueryRoute {
    const handler = route.path;
    return {
      ...route,
      handler: async (req, res, url) => {
        const end = this.duration.startTimer({ handler });
        const scope = { partial: false };
        res.once('close', () => {
          end();
          this.requests.inc({ handler, code: String(res.statusCode) });
          if (scope.partial) this.partial.inc();
        });
        if (this.observing) await this.request.run(scope, () => route.handler(req, res, url));
        else await route.handler(req, res, url);
      },
    };
  }

  /** This set as the observer of a fan-out's reads: its requests count their partial reads. */
  fanoutObserver(): FanoutObserver {
    this.observing = true;
    return this;
  }

  storeFailed(store: string): void {
    this.storeFailures.inc({ store });
  }

  partialRead(): void {
    const scope = this.request.getStore();
    if (scope !== undefined) scope.partial = true;
    else this.partial.inc();
  }
}
