import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snappyBlockCompress, snappyBlockUncompress } from '../../../schemas/snappy-block.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { decodeDelimited } from '../../../schemas/exposition/testdata/metric-family-encoder.js';
import { prometheusApi } from '../../../pipeline/query/index.js';
import { ReadRequestType, ReadResponseType } from '../../../pipeline/query/remote-read.js';
import { Tsdb } from '../../../pipeline/tsdb/index.js';
import { serveRoutes, type RoutesServer } from './serve-routes.js';

// Native histograms in a TSDB answered by federate (protobuf) and remote read (SAMPLES).
const T0 = 1_700_000_000_000;
const END = T0 + 10 * 60_000;
let dir: string;
let db: Tsdb;
let api: RoutesServer;

/** A counter histogram after `k` scrapes: k observations in (0.5,1], 2k in (1,2], k in [-2,-1). */
function counter(k: number): FloatHistogram {
  return new FloatHistogram({
    schema: 0, count: 4 * k, sum: 2 * k, zeroThreshold: 0.001,
    positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [k, 2 * k], negativeSpans: [{ offset: 1, length: 1 }], negativeBuckets: [k],
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'query-read-nh-'));
  db = await Tsdb.open(dir);
  for (let t = T0, k = 1; t <= END; t += 60_000, k++) {
    db.appendHistogram({ __name__: 'request_duration_seconds', job: 'api' }, t, counter(k));
    db.append({ __name__: 'up', job: 'api' }, t, 1);
  }
  await db.flush();
  api = await serveRoutes(prometheusApi({ queryable: db, now: () => END, version: '1.2.3', externalLabels: { cluster: 'eu' } }).routes);
});

afterAll(async () => {
  await api?.close();
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

const PROTOBUF_ACCEPT = 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3';

describe('federate and remote read with native histograms', () => {
  it('federates histograms as histogram families with float counts when protobuf is preferred', async () => {
    const res = await fetch(`${api.url}/federate?match[]=${encodeURIComponent('{job="api"}')}`, { headers: { accept: PROTOBUF_ACCEPT } });
    expect(res.headers.get('content-type')).toBe('application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=underscores');
    expect(decodeDelimited(new Uint8Array(await res.arrayBuffer()))).toEqual([
      {
        name: 'request_duration_seconds',
        type: 4,
        metric: [{
          label: [{ name: 'cluster', value: 'eu' }, { name: 'job', value: 'api' }],
          timestamp_ms: END,
          histogram: {
            sample_sum: 22, sample_count_float: 44, zero_threshold: 0.001,
            negative_span: [{ offset: 1, length: 1 }], negative_count: [11],
            positive_span: [{ length: 2 }], positive_count: [11, 22],
          },
        }],
      },
      { name: 'up', type: 3, metric: [{ label: [{ name: 'cluster', value: 'eu' }, { name: 'job', value: 'api' }], untyped: { value: 1 }, timestamp_ms: END }] },
    ]);
  });

  it('federates text when text is preferred, leaving histograms out', async () => {
    const res = await fetch(`${api.url}/federate?match[]=${encodeURIComponent('{job="api"}')}`, { headers: { accept: 'text/plain;version=0.0.4;q=0.9,application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.5' } });
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('up{cluster="eu",job="api"} 1');
    expect(text).not.toContain('request_duration_seconds');
  });

  it('answers remote read with the histograms of a series beside its float samples', async () => {
    const request = ReadRequestType.encode({
      queries: [{ startTimestampMs: END - 90_000, endTimestampMs: END, matchers: [{ type: 0, name: 'job', value: 'api' }] }],
    }).finish();
    const res = await fetch(`${api.url}/api/v1/read`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      body: snappyBlockCompress(request),
    });
    expect(res.status).toBe(200);
    const body = ReadResponseType.toObject(ReadResponseType.decode(snappyBlockUncompress(new Uint8Array(await res.arrayBuffer()))), { longs: Number, defaults: false }) as {
      results: Array<{ timeseries: Array<{ labels: Array<{ name: string; value: string }>; samples?: unknown[]; histograms?: Array<Record<string, unknown>> }> }>;
    };
    const byName = Object.fromEntries(body.results[0].timeseries.map((ts) => [ts.labels.find((l) => l.name === '__name__')?.value, ts]));
    expect(byName.up.samples).toHaveLength(2);
    expect(byName.up.histograms ?? []).toEqual([]);
    expect(byName.request_duration_seconds.samples ?? []).toEqual([]);
    expect(byName.request_duration_seconds.histograms).toEqual([
      {
        countFloat: 40, sum: 20, zeroThreshold: 0.001, negativeSpans: [{ offset: 1, length: 1 }], negativeCounts: [10],
        positiveSpans: [{ length: 2 }], positiveCounts: [10, 20], resetHint: 2, timestamp: END - 60_000,
      },
      {
        countFloat: 44, sum: 22, zeroThreshold: 0.001, negativeSpans: [{ offset: 1, length: 1 }], negativeCounts: [11],
        positiveSpans: [{ length: 2 }], positiveCounts: [11, 22], resetHint: 2, timestamp: END,
      },
    ]);
  });
});
