import { AsyncLocalStorage } from 'node:async_hooks';

/** What the code serving one request knows of its tenant. */
export interface TenantRequest {
  readonly tenant: string;
  /** Samples the request's queries read so far (max_query_samples). */
  querySamples: number;
}

/**
 * The tenant of the request in progress, carried through the request's asynchronous work:
 * connectors hand samples to a SampleSink and the query engine reads a Queryable without knowing
 * the request, so the stamping sink and the counting queryable find the tenant here. It decides
 * nothing about what a request can see (the rewritten selectors do, tenant-gate.ts); it labels
 * writes and counts reads.
 */
export class TenantScope {
  private readonly storage = new AsyncLocalStorage<TenantRequest>();

  run<T>(tenant: string, fn: () => T): T {
    return this.storage.run({ tenant, querySamples: 0 }, fn);
  }

  /** The request in progress, undefined outside any (scrapes, timers, bus consumers). */
  current(): TenantRequest | undefined {
    return this.storage.getStore();
  }
}
