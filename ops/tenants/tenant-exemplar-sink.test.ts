import { describe, expect, it } from 'vitest';
import type { SeriesExemplar } from '../../schemas/exemplar-codec.js';
import { tenantsConfigSchema } from './config.js';
import { TenantExemplarSink } from './tenant-exemplar-sink.js';
import { TenantScope } from './tenant-scope.js';

describe('the tenant-stamping exemplar sink', () => {
  it('labels an exemplar\'s series as its samples are: the request\'s tenant, else its own label or default_tenant', () => {
    const config = tenantsConfigSchema.parse({ enabled: true });
    const scope = new TenantScope();
    const recorded: SeriesExemplar[] = [];
    const sink = new TenantExemplarSink({ record: (e) => void recorded.push(...e) }, { config: () => config, scope });
    const exemplar = (series: Record<string, string>): SeriesExemplar => ({ series, labels: { trace_id: 't' }, value: 1, timestampMs: 1 });
    scope.run('a', () => sink.record([exemplar({ __name__: 'x', tenant_id: 'b' })]));
    sink.record([exemplar({ __name__: 'x', tenant_id: 'ops' }), exemplar({ __name__: 'x' })]);
    expect(recorded.map((e) => e.series.tenant_id)).toEqual(['a', 'ops', 'anonymous']);
    expect(recorded[0].labels).toEqual({ trace_id: 't' });
  });
});
