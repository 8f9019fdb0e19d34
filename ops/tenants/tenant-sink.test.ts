import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { OverloadedError } from '../../connectors/http-edge/index.js';
import type { Labels } from '../../schemas/labels.js';
import { appendUnit, type Appender, type SampleSink } from '../../schemas/sample-sink.js';
import { Histogram } from '../../schemas/native-histogram/index.js';
import { tenantsConfigSchema } from './config.js';
import { TenantLimiter } from './tenant-limits.js';
import { TenantMetrics } from './tenant-metrics.js';
import { TenantScope } from './tenant-scope.js';
import { TenantSink } from './tenant-sink.js';

/** A sink that keeps what was committed. */
class KeepingSink implements SampleSink {
  readonly stored: Labels[] = [];
  appender(): Appender {
    const pending: Labels[] = [];
    return {
      append: (labels) => void pending.push(labels),
      commit: async () => void this.stored.push(...pending),
      rollback: () => void (pending.length = 0),
    };
  }
}

function setup(overrides: Record<string, unknown> = {}) {
  const config = tenantsConfigSchema.parse({ enabled: true, overrides: { limited: overrides } });
  const scope = new TenantScope();
  const limiter = new TenantLimiter(config);
  const registry = new Registry();
  const metrics = new TenantMetrics(registry, limiter);
  const inner = new KeepingSink();
  const sink = new TenantSink(inner, { config: () => config, scope, limiter, metrics });
  return { inner, sink, scope, limiter, registry };
}

describe('the tenant-stamping sink', () => {
  it('labels a request\'s samples with its tenant, over whatever the sender wrote', async () => {
    const { inner, sink, scope } = setup();
    await scope.run('a', () => appendUnit(sink, (app) => {
      app.append({ __name__: 'up' }, 1, 1);
      app.append({ __name__: 'up', tenant_id: 'b' }, 1, 1);
    }));
    expect(inner.stored).toEqual([{ __name__: 'up', tenant_id: 'a' }, { __name__: 'up', tenant_id: 'a' }]);
  });

  it('stamps native-histogram samples with the tenant too, and carries histograms only when the sink it wraps does', async () => {
    const { sink: floatsOnly } = setup();
    expect(floatsOnly.appender().appendHistogram).toBeUndefined();
    const config = tenantsConfigSchema.parse({ enabled: true });
    const scope = new TenantScope();
    const limiter = new TenantLimiter(config);
    const stored: string[] = [];
    const inner: SampleSink = {
      appender: () => ({
        append: () => undefined,
        appendHistogram: (labels, t, h) => void stored.push(`${JSON.stringify(labels)} ${t} ${h.count}`),
        commit: async () => undefined,
        rollback: () => undefined,
      }),
    };
    const sink = new TenantSink(inner, { config: () => config, scope, limiter, metrics: new TenantMetrics(new Registry(), limiter) });
    await scope.run('a', () => appendUnit(sink, (app) => app.appendHistogram!({ __name__: 'rpc', tenant_id: 'b' }, 5, new Histogram({ count: 2, zeroCount: 2 }))));
    expect(stored).toEqual(['{"__name__":"rpc","tenant_id":"a"} 5 2']);
  });

  it('keeps the tenant label of samples appended outside a request, and gives the others default_tenant', async () => {
    const { inner, sink } = setup();
    await appendUnit(sink, (app) => {
      app.append({ __name__: 'up', tenant_id: 'ops' }, 1, 1);
      app.append({ __name__: 'up' }, 1, 1);
    });
    expect(inner.stored.map((l) => l.tenant_id)).toEqual(['ops', 'anonymous']);
  });

  it('refuses a push over the tenant\'s rate with OverloadedError, stores none of it, and gives its samples back', async () => {
    const { inner, sink, scope, limiter } = setup({ ingestion_rate: 3 });
    const push = (n: number) => scope.run('limited', () => appendUnit(sink, (app) => {
      for (let i = 0; i < n; i++) app.append({ __name__: 'x', i: String(i) }, 1, 1);
    }));
    await expect(push(4)).rejects.toBeInstanceOf(OverloadedError);
    expect(inner.stored).toEqual([]);
    expect(limiter.takeSamples('limited', 3)).toBe(true);
  });

  it('refuses a push that would take the tenant over max_active_series, and counts series once stored', async () => {
    const { inner, sink, scope, limiter, registry } = setup({ max_active_series: 2 });
    const push = (names: string[]) => scope.run('limited', () => appendUnit(sink, (app) => {
      for (const n of names) app.append({ __name__: n }, 1, 1);
    }));
    await push(['a', 'b', 'a']);
    expect(limiter.activeSeries('limited')).toBe(2);
    await expect(push(['a', 'c'])).rejects.toThrow(/series limit of 2/);
    await push(['b']);
    expect(inner.stored).toHaveLength(4);
    expect(await registry.getSingleMetricAsString('tidemark_tenant_samples_received_total')).toContain('tidemark_tenant_samples_received_total{tenant="limited"} 4');
  });
});
