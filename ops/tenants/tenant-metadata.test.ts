import { describe, expect, it } from 'vitest';
import { MetadataCatalog } from '../../pipeline/query/index.js';
import type { MetricMetadataSnapshot } from '../../schemas/metric-metadata-codec.js';
import { tenantsConfigSchema } from './config.js';
import { TenantMetadataReader, TenantMetadataSink } from './tenant-metadata.js';
import { TenantScope } from './tenant-scope.js';

const config = tenantsConfigSchema.parse({ enabled: true });
const entry = (help: string) => ({ metric: 'jobs', type: 'counter', help, unit: '' });
const pushed = (help: string): MetricMetadataSnapshot => ({ source: 'remote_write', target: {}, complete: false, timestampMs: 1, metrics: [entry(help)] });

function setup() {
  const scope = new TenantScope();
  const catalog = new MetadataCatalog();
  const settings = { config: () => config, scope };
  return { scope, sink: new TenantMetadataSink({ announce: (s) => catalog.apply(s) }, settings), reader: new TenantMetadataReader(catalog, settings) };
}

const helps = (reader: TenantMetadataReader): string[] => reader.sources().flatMap((s) => s.metrics.map((m) => m.help));

describe('metric metadata with tenants', () => {
  it('gives each tenant the metadata pushed in its own requests only, whatever tenant the snapshot named', () => {
    const { scope, sink, reader } = setup();
    scope.run('team-a', () => sink.announce(pushed('A')));
    scope.run('team-b', () => sink.announce({ ...pushed('B'), tenant: 'team-a' }));
    expect(scope.run('team-a', () => helps(reader))).toEqual(['A']);
    expect(scope.run('team-b', () => helps(reader))).toEqual(['B']);
    expect(scope.run('team-c', () => helps(reader))).toEqual([]);
    expect(helps(reader).sort()).toEqual(['A', 'B']);
  });

  it('gives a scrape target\'s metadata to the tenant its labels name, or to the default tenant', () => {
    const { scope, sink, reader } = setup();
    sink.announce({ source: 'scrape a', target: { job: 'a', tenant_id: 'team-a' }, complete: true, timestampMs: 1, metrics: [entry('scraped for A')] });
    sink.announce({ source: 'scrape b', target: { job: 'b' }, complete: true, timestampMs: 1, metrics: [entry('scraped unassigned')] });
    expect(scope.run('team-a', () => helps(reader))).toEqual(['scraped for A']);
    expect(scope.run('anonymous', () => helps(reader))).toEqual(['scraped unassigned']);
  });
});
