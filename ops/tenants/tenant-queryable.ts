import { QueryApiError } from '../../pipeline/query/index.js';
import { seriesSamples, type LabelMatcher, type Querier, type Queryable, type SelectHints, type SeriesSet } from '../../pipeline/tsdb/index.js';
import { limitsOf, type TenantsConfig } from './config.js';
import type { TenantMetrics } from './tenant-metrics.js';
import type { TenantScope } from './tenant-scope.js';

/** A query read more samples than its tenant's max_query_samples: 429, as Mimir answers a tenant over its limits. */
export class TenantQueryLimitError extends QueryApiError {
  override readonly status = 429;
  constructor(
    readonly tenant: string,
    readonly limit: number,
  ) {
    super('execution', `the query of tenant ${JSON.stringify(tenant)} would read more than ${limit} samples (tenants.limits.max_query_samples)`, { code: 'tenant_query_samples' });
  }
}

/**
 * The storage the query API reads, counting the samples each tenant's request selects (usage
 * metrics and max_query_samples). Which series a tenant may read is decided before (the
 * rewritten selectors); this only counts.
 */
export class TenantCountingQueryable implements Queryable {
  constructor(
    private readonly inner: Queryable,
    private readonly settings: { readonly config: () => TenantsConfig; readonly scope: TenantScope; readonly metrics: TenantMetrics },
  ) {}

  querier(mint: number, maxt: number): Querier {
    const inner = this.inner.querier(mint, maxt);
    const { config, scope, metrics } = this.settings;
    const count = (set: SeriesSet): void => {
      const request = scope.current();
      if (request === undefined) return;
      let n = 0;
      for (const s of set.series) n += seriesSamples(s);
      request.querySamples += n;
      metrics.querySamples.inc({ tenant: request.tenant }, n);
      const max = limitsOf(config(), request.tenant).max_query_samples;
      if (max > 0 && request.querySamples > max) {
        metrics.limitRefusals.inc({ tenant: request.tenant, limit: 'max_query_samples' });
        throw new TenantQueryLimitError(request.tenant, max);
      }
    };
    return {
      async select(matchers: readonly LabelMatcher[], hints: SelectHints): Promise<SeriesSet> {
        const set = await inner.select(matchers, hints);
        count(set);
        return set;
      },
      // A select the engine answered from another's series is read, and counted, as its own.
      answered(matchers: readonly LabelMatcher[], hints: SelectHints, set: SeriesSet): void {
        count(set);
        inner.answered?.(matchers, hints, set);
      },
      labelNames: (matchers) => inner.labelNames(matchers),
      labelValues: (name, matchers) => inner.labelValues(name, matchers),
      close: () => inner.close(),
    };
  }
}
