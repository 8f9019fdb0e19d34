import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { prometheusApi } from '../../../pipeline/query/index.js';
import { Tsdb } from '../../../pipeline/tsdb/index.js';
import { serveRoutes, type RoutesServer } from './serve-routes.js';

// Native histograms stored in a TSDB (blocks and head) answered through the query API routes,
// in Prometheus 3's JSON shapes.
const H = 3_600_000;
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % (2 * H));
const END = T0 + 4 * H;
let dir: string;
let db: Tsdb;
let api: RoutesServer;

/** A counter histogram after `k` scrapes: k observations in (0.5,1], 2k in (1,2]. */
function counter(k: number): FloatHistogram {
  return new FloatHistogram({ schema: 0, count: 3 * k, sum: 4 * k, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [k, 2 * k] });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'query-api-nh-'));
  db = await Tsdb.open(dir);
  for (let t = T0, k = 0; t <= END; t += 60_000, k++) {
    db.appendHistogram({ __name__: 'request_duration_seconds', job: 'api' }, t, counter(k));
    db.append({ __name__: 'up', job: 'api' }, t, 1);
  }
  await db.flush();
  api = await serveRoutes(prometheusApi({ queryable: db, now: () => END, version: '1.2.3' }).routes);
});

afterAll(async () => {
  await api?.close();
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function getJson(path: string): Promise<any> {
  const res = await fetch(api.url + path);
  expect(res.status).toBe(200);
  return res.json();
}

const q = (s: string) => encodeURIComponent(s);

describe('native histograms through the query API', () => {
  it('has cut part of the histograms into a block, so the answers read blocks and head', () => {
    expect(db.listBlocks().length).toBeGreaterThan(0);
  });

  it('answers an instant selector with the histogram of each series', async () => {
    const body = await getJson(`/api/v1/query?query=${q('request_duration_seconds')}&time=${(T0 + 10 * 60_000) / 1000}`);
    expect(body.data.result).toEqual([{
      metric: { __name__: 'request_duration_seconds', job: 'api' },
      histogram: [(T0 + 10 * 60_000) / 1000, { count: '30', sum: '40', buckets: [[0, '0.5', '1', '10'], [0, '1', '2', '20']] }],
    }]);
  });

  it('computes rate over histograms across the block boundary and a quantile of it', async () => {
    const at = (T0 + 2 * H + 2 * 60_000) / 1000;
    const rate = await getJson(`/api/v1/query?query=${q('rate(request_duration_seconds[5m])')}&time=${at}`);
    // One scrape a minute: 3 observations and a sum of 4 a minute.
    expect(rate.data.result[0].histogram[1].count).toBe('0.05');
    expect(Number(rate.data.result[0].histogram[1].sum)).toBeCloseTo(4 / 60, 12);
    const median = await getJson(`/api/v1/query?query=${q('histogram_quantile(0.5, rate(request_duration_seconds[5m]))')}&time=${at}`);
    expect(median.data.result).toHaveLength(1);
    const v = Number(median.data.result[0].value[1]);
    expect(v).toBeGreaterThan(1);
    expect(v).toBeLessThanOrEqual(2);
  });

  it('answers a range query with the points of a histogram series in "histograms" and those of a float series in "values"', async () => {
    const body = await getJson(`/api/v1/query_range?query=${q('{job="api"}')}&start=${T0 / 1000}&end=${(T0 + 120_000) / 1000}&step=60`);
    const byName = Object.fromEntries(body.data.result.map((r: any) => [r.metric.__name__, r]));
    expect(byName.up.values).toEqual([[T0 / 1000, '1'], [T0 / 1000 + 60, '1'], [T0 / 1000 + 120, '1']]);
    expect(byName.up.histograms).toBeUndefined();
    expect(byName.request_duration_seconds.values).toBeUndefined();
    expect(byName.request_duration_seconds.histograms.map((p: any) => [p[0], p[1].count])).toEqual([[T0 / 1000, '0'], [T0 / 1000 + 60, '3'], [T0 / 1000 + 120, '6']]);
  });

  it('answers histogram_count as a float and a float function over a histogram with nothing', async () => {
    const at = (T0 + 60 * 60_000) / 1000;
    const count = await getJson(`/api/v1/query?query=${q('histogram_count(request_duration_seconds)')}&time=${at}`);
    expect(count.data.result).toEqual([{ metric: { job: 'api' }, value: [at, '180'] }]);
    const abs = await getJson(`/api/v1/query?query=${q('abs(request_duration_seconds)')}&time=${at}`);
    expect(abs.data.result).toEqual([]);
  });

  it('leaves histogram series out of federate (the text format has none)', async () => {
    const res = await fetch(`${api.url}/federate?match[]=${q('{job="api"}')}`);
    const text = await res.text();
    expect(text).toContain('up{job="api"} 1');
    expect(text).not.toContain('request_duration_seconds');
  });
});
