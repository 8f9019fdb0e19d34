import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../schemas/exposition/index.js';
import { decodeDelimited, encodeDelimited, METRIC_TYPE } from '../../schemas/exposition/testdata/metric-family-encoder.js';
import type { Labels } from '../../schemas/labels.js';
import type { HistogramValue } from '../../schemas/sample.js';
import type { Appender } from '../../schemas/sample-sink.js';
import { GroupEmitter, storedHistogram } from './group-samples.js';
import { LabelRules } from './label-rules.js';
import { MetricStore } from './metric-store.js';
import { readGroupsFile, writeGroupsFile } from './persistence-file.js';
import { gatherFamilies, writePushgatewayProtobuf, writePushgatewayText } from './pushgateway-exposition.js';
import { convertPush } from './pushed-family.js';

/** What client_golang's push package sends for a registry with a native+classic histogram and a counter. */
const BODY = encodeDelimited([
  {
    name: 'rpc_seconds', help: 'RPC latency.', type: METRIC_TYPE.HISTOGRAM,
    metric: [{
      histogram: {
        sample_count: 12, sample_sum: 9.25, schema: 0, zero_threshold: 0.001, zero_count: 2,
        negative_span: [{ offset: 1, length: 1 }], negative_delta: [1],
        positive_span: [{ offset: 0, length: 2 }], positive_delta: [4, 1],
        bucket: [{ cumulative_count: 7, upper_bound: 1 }, { cumulative_count: 12, upper_bound: 2 }],
      },
    }],
  },
  { name: 'native_only_seconds', type: METRIC_TYPE.HISTOGRAM, metric: [{ histogram: { sample_count: 3, sample_sum: 1.5, schema: 1, positive_span: [{ offset: 0, length: 1 }], positive_delta: [3] } }] },
  { name: 'jobs_total', help: 'Jobs.', type: METRIC_TYPE.COUNTER, metric: [{ counter: { value: 17 } }] },
]);

function pushed(store = new MetricStore()) {
  const grouping = { job: 'batch' };
  const c = convertPush(parseExposition(BODY, { format: 'protobuf' }), grouping);
  return store.push({ grouping, families: c.families, replace: true, hasTimestamps: c.hasTimestamps, nowMs: 1000 });
}

function recorder(histograms: boolean) {
  const floats: string[] = [];
  const hs: string[] = [];
  const app: Appender = {
    append: (l: Labels, _t, v) => void floats.push(`${l.__name__}${l.le === undefined ? '' : `{le=${l.le}}`} ${v}`),
    appendHistogram: histograms ? (l: Labels, _t, h: HistogramValue) => void hs.push(`${l.__name__} ${h.toString()}`) : undefined,
    commit: async () => {},
    rollback: () => {},
  };
  return { app, floats, hs };
}

describe('Pushgateway protobuf pushes', () => {
  it('keeps a pushed native histogram beside its classic buckets, and count and sum for one without buckets', () => {
    const g = pushed();
    const rpc = g.families.get('rpc_seconds')!.family.metrics[0];
    expect(rpc.native?.toString()).toBe('{count:12, sum:9.25, [-2,-1):1, [-0.001,0.001]:2, (0.5,1]:4, (1,2]:5}');
    expect(rpc.buckets).toEqual([[1, 7], [2, 12]]);
    const only = g.families.get('native_only_seconds')!.family.metrics[0];
    expect([only.count, only.sum, only.buckets]).toEqual([3, 1.5, []]);
  });

  it('exposes a native-only histogram in the text format as its count, sum and +Inf bucket, as expfmt writes it', () => {
    const s = new MetricStore();
    pushed(s);
    const text = writePushgatewayText(gatherFamilies(s.all()));
    expect(text).toContain('native_only_seconds_bucket{instance="",job="batch",le="+Inf"} 3\nnative_only_seconds_sum{instance="",job="batch"} 1.5\nnative_only_seconds_count{instance="",job="batch"} 3\n');
  });

  it('emits native histograms as histogram samples to a sink that takes them, and classic series to one that does not', () => {
    const g = pushed();
    const native = recorder(true);
    new GroupEmitter(new LabelRules([])).appendGroup(native.app, g, 5000);
    expect(native.hs.sort()).toEqual([
      'native_only_seconds {count:3, sum:1.5, (0.7071067811865475,1]:3}',
      'rpc_seconds {count:12, sum:9.25, [-2,-1):1, [-0.001,0.001]:2, (0.5,1]:4, (1,2]:5}',
    ]);
    expect(native.floats.filter((f) => f.startsWith('rpc_seconds') || f.startsWith('native_only'))).toEqual([]);
    const classic = recorder(false);
    new GroupEmitter(new LabelRules([])).appendGroup(classic.app, g, 5000);
    expect(classic.hs).toEqual([]);
    expect(classic.floats.filter((f) => f.startsWith('rpc_seconds')).sort()).toEqual(['rpc_seconds_bucket{le=+Inf} 12', 'rpc_seconds_bucket{le=1} 7', 'rpc_seconds_bucket{le=2} 12', 'rpc_seconds_count 12', 'rpc_seconds_sum 9.25']);
  });

  it('serves a native histogram of schema 12 back as pushed and emits it reduced to schema 8, as Prometheus scraping the Pushgateway stores it', () => {
    // Schema 12 buckets 15..19 (one observation each) are buckets 1 (15, 16) and 2 (17..19) of schema 8.
    const fine = { sample_count: 5, sample_sum: 5.01, schema: 12, positive_span: [{ offset: 15, length: 5 }], positive_delta: [1, 0, 0, 0, 0] };
    const body = encodeDelimited([{ name: 'fine_seconds', type: METRIC_TYPE.HISTOGRAM, metric: [{ histogram: fine }] }]);
    const grouping = { job: 'batch' };
    const c = convertPush(parseExposition(body, { format: 'protobuf' }), grouping);
    const store = new MetricStore();
    const g = store.push({ grouping, families: c.families, replace: true, hasTimestamps: false, nowMs: 1000 });
    const native = g.families.get('fine_seconds')!.family.metrics[0].native!;
    expect(() => native.validate()).toThrow(/invalid schema/);
    expect(() => storedHistogram(native).validate()).not.toThrow();

    const rec = recorder(true);
    new GroupEmitter(new LabelRules([])).appendGroup(rec.app, g, 5000);
    expect(rec.hs).toEqual(['fine_seconds {count:5, sum:5.01, (1,1.0027112750502025]:2, (1.0027112750502025,1.0054299011128027]:3}']);

    const served = decodeDelimited(writePushgatewayProtobuf(gatherFamilies(store.all()))).find((f) => f.name === 'fine_seconds');
    expect(served?.metric).toMatchObject([{ histogram: { schema: 12, positive_span: [{ offset: 15, length: 5 }], positive_delta: [1, 0, 0, 0, 0] } }]);
  });

  it('finds invalid a native histogram of a schema beyond the reserved range, or of schema 12 whose buckets do not add up to its count', () => {
    const invalid = [
      { sample_count: 1, schema: 53, positive_span: [{ offset: 0, length: 1 }], positive_delta: [1] },
      { sample_count: 5, schema: 12, positive_span: [{ offset: 0, length: 1 }], positive_delta: [1] },
    ];
    for (const histogram of invalid) {
      const [s] = parseExposition(encodeDelimited([{ name: 'h', type: METRIC_TYPE.HISTOGRAM, metric: [{ histogram }] }]), { format: 'protobuf' }).samples;
      expect(() => storedHistogram(s.histogram!).validate()).toThrow();
    }
  });

  it('keeps native histograms in the persistence file across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tidemark-pgw-nh-'));
    try {
      const g = pushed();
      await writeGroupsFile(join(dir, 'groups.json'), [g]);
      const [back] = await readGroupsFile(join(dir, 'groups.json'), () => g.key);
      const rpc = back.families.get('rpc_seconds')!.family.metrics[0].native!;
      expect(rpc.toString()).toBe(g.families.get('rpc_seconds')!.family.metrics[0].native!.toString());
      expect(rpc.constructor).toBe(g.families.get('rpc_seconds')!.family.metrics[0].native!.constructor);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
