import { describe, expect, it } from 'vitest';
import { decodeMetricMetadata, encodeMetricMetadata, type MetricMetadataSnapshot } from '../../schemas/metric-metadata-codec.js';
import { SingleObjectCodec, loadSchema } from '../../schemas/codec.js';
import { MetadataCatalog } from './metadata-catalog.js';

const target = { job: 'node', instance: 'h:9100' };
const counter = { metric: 'req', type: 'counter', help: 'Requests.', unit: '' };
const gauge = { metric: 'temp', type: 'gauge', help: 'Temperature.', unit: 'celsius' };

function snap(s: Partial<MetricMetadataSnapshot>): MetricMetadataSnapshot {
  return { source: 'scrape a', target, complete: true, timestampMs: 1, metrics: [], ...s };
}

describe('the metadata catalog', () => {
  it('replaces a target\'s metadata with each complete snapshot and forgets the target on an empty one', () => {
    const c = new MetadataCatalog();
    c.apply(snap({ metrics: [gauge, counter] }));
    expect(c.sources()).toEqual([{ source: 'scrape a', target, updatedMs: 1, metrics: [counter, gauge] }]);
    c.apply(snap({ timestampMs: 2, metrics: [gauge] }));
    expect(c.sources()[0].metrics).toEqual([gauge]);
    c.apply(snap({ timestampMs: 3, metrics: [] }));
    expect(c.sources()).toEqual([]);
  });

  it('adds pushed metadata to what the source announced before, the newest entry of a metric winning', () => {
    const c = new MetadataCatalog();
    c.apply(snap({ source: 'remote_write', target: {}, complete: false, metrics: [counter] }));
    c.apply(snap({ source: 'remote_write', target: {}, complete: false, timestampMs: 5, metrics: [gauge, { ...counter, help: 'Newer.' }] }));
    expect(c.sources()).toEqual([{ source: 'remote_write', target: {}, updatedMs: 5, metrics: [{ ...counter, help: 'Newer.' }, gauge] }]);
  });

  it('reads back snapshots exactly as they were written to the topic', () => {
    const s = snap({ metrics: [counter, { ...gauge, help: 'Temperatur ☕ "quoted"\nline' }] });
    expect(decodeMetricMetadata(encodeMetricMetadata(s))).toEqual(s);
    const pushed = snap({ source: 'remote_write', tenant: 'team-a', target: {}, complete: false, metrics: [counter] });
    expect(decodeMetricMetadata(encodeMetricMetadata(pushed))).toEqual(pushed);
  });

  it('reads snapshots of the first schema version, which carry no tenant', () => {
    const v1 = new SingleObjectCodec<Omit<MetricMetadataSnapshot, 'tenant'>>(loadSchema('metric-metadata.v1.avsc'));
    const s = snap({ metrics: [counter] });
    expect(decodeMetricMetadata(v1.encode(s))).toEqual(s);
  });

  it('holds the metadata two tenants pushed through one source apart', () => {
    const c = new MetadataCatalog();
    c.apply(snap({ source: 'remote_write', tenant: 'team-a', target: {}, complete: false, metrics: [counter] }));
    c.apply(snap({ source: 'remote_write', tenant: 'team-b', target: {}, complete: false, metrics: [{ ...counter, help: 'Team B requests.' }] }));
    expect(c.sources().map((x) => `${x.tenant}: ${x.metrics.map((m) => m.help).join()}`)).toEqual(['team-a: Requests.', 'team-b: Team B requests.']);
  });
});
