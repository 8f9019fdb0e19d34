import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snappyBlockCompress, snappyBlockUncompress } from '../../../schemas/snappy-block.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prometheusApi, ReadRequestType, ReadResponseType, type QueryApiSettings } from '../../../pipeline/query/index.js';
import { Tsdb } from '../../../pipeline/tsdb/index.js';
import { serveRoutes, type RoutesServer } from './serve-routes.js';

const T0 = 1_700_000_000_000; // data from T0 to T0 + 1h, every 15 s
const NOW = T0 + 3_600_000;
let dir: string;
let db: Tsdb;
let api: RoutesServer;
let limited: RoutesServer;
let seriesLimited: RoutesServer;

async function start(settings: Omit<QueryApiSettings, 'queryable'>): Promise<RoutesServer> {
  return serveRoutes(prometheusApi({ queryable: db, now: () => NOW, version: '1.2.3', ...settings }).routes);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'query-api-'));
  db = await Tsdb.open(dir);
  for (let t = T0; t <= NOW; t += 15_000) {
    for (let i = 0; i < 3; i++) db.append({ __name__: 'http_requests_total', job: 'api', instance: `h${i}` }, t, (t - T0) / 1000 * (i + 1));
    db.append({ __name__: 'temperature', room: 'lab' }, t, 20.5);
  }
  db.append({ __name__: 'ended', job: 'x' }, NOW - 60_000, 1);
  db.append({ __name__: 'ended', job: 'x' }, NOW - 30_000, 0, true);
  api = await start({ externalLabels: { cluster: 'eu' } });
  limited = await start({ config: { max_samples: 100 } });
  seriesLimited = await start({ config: { max_series: 2 } });
});

afterAll(async () => {
  await api?.close();
  await limited?.close();
  await seriesLimited?.close();
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function getJson(server: RoutesServer, path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(server.url + path, init);
  return { status: res.status, body: await res.json() };
}

const q = (s: string) => encodeURIComponent(s);

describe('the Prometheus query API', () => {
  it('answers an instant query with a vector of string values and float-second timestamps', async () => {
    const { status, body } = await getJson(api, `/api/v1/query?query=${q('http_requests_total{instance="h1"}')}&time=${(T0 + 60_500) / 1000}`);
    expect(status).toBe(200);
    expect(body).toEqual({
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: { __name__: 'http_requests_total', instance: 'h1', job: 'api' }, value: [(T0 + 60_500) / 1000, '120'] }] },
    });
  });

  it('formats NaN and infinities as Prometheus does, and a scalar as a pair', async () => {
    const { body } = await getJson(api, `/api/v1/query?query=${q('vector(1/0) or label_replace(vector(0/0), "a", "b", "", "")')}&time=${NOW / 1000}`);
    expect(body.data.result.map((r: any) => r.value[1]).sort()).toEqual(['+Inf', 'NaN']);
    const s = await getJson(api, `/api/v1/query?query=${q('-1/0')}&time=${NOW / 1000}`);
    expect(s.body.data).toEqual({ resultType: 'scalar', result: [NOW / 1000, '-Inf'] });
  });

  it('uses the current time when an instant query names none', async () => {
    const { body } = await getJson(api, `/api/v1/query?query=time()`);
    expect(body.data.result).toEqual([NOW / 1000, String(NOW / 1000)]);
  });

  it('answers a range query given as a form POST with RFC 3339 times and a duration step', async () => {
    const form = new URLSearchParams({
      query: 'sum(rate(http_requests_total[5m]))',
      start: new Date(T0 + 600_000).toISOString(),
      end: new Date(T0 + 720_000).toISOString(),
      step: '1m',
    });
    const { status, body } = await getJson(api, '/api/v1/query_range', { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(status).toBe(200);
    expect(body.data.resultType).toBe('matrix');
    expect(body.data.result).toHaveLength(1);
    expect(body.data.result[0].metric).toEqual({});
    expect(body.data.result[0].values.map((p: [number, string]) => p[0])).toEqual([600, 660, 720].map((s) => T0 / 1000 + s));
    for (const [, v] of body.data.result[0].values) expect(Number(v)).toBeCloseTo(6, 9);
  });

  it('accepts a step in float seconds', async () => {
    const { body } = await getJson(api, `/api/v1/query_range?query=temperature&start=${T0 / 1000}&end=${T0 / 1000 + 60}&step=30`);
    expect(body.data.result[0].values).toEqual([[T0 / 1000, '20.5'], [T0 / 1000 + 30, '20.5'], [T0 / 1000 + 60, '20.5']]);
  });

  it.each([
    ['/api/v1/query?query=sum(', 400, 'bad_data', 'invalid parameter "query": 1:5: parse error'],
    ['/api/v1/query?query=up&time=yesterday', 400, 'bad_data', 'invalid parameter "time": cannot parse "yesterday" to a valid timestamp'],
    ['/api/v1/query_range?query=up&start=10&end=5&step=1', 400, 'bad_data', 'end timestamp must not be before start time'],
    ['/api/v1/query_range?query=up&start=0&end=5&step=0', 400, 'bad_data', 'zero or negative query resolution step widths are not accepted'],
    ['/api/v1/query_range?query=up&start=0&end=5&step=fast', 400, 'bad_data', 'invalid parameter "step": cannot parse "fast" to a valid duration'],
    ['/api/v1/query_range?query=up&end=5&step=1', 400, 'bad_data', 'invalid parameter "start": cannot parse "" to a valid timestamp'],
    ['/api/v1/query_range?query=up&start=0&end=11001&step=1', 400, 'bad_data', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)'],
    ['/api/v1/query_range?query=up[5m]&start=0&end=10&step=1', 400, 'bad_data', 'invalid parameter "query": invalid expression type "range vector" for range query'],
    ['/api/v1/query?query=label_replace(http_requests_total, "instance", "x", "", "")', 422, 'execution', 'vector cannot contain metrics with the same labelset'],
    ['/api/v1/label/1bad/values', 400, 'bad_data', 'invalid label name: "1bad"'],
    ['/api/v1/series', 400, 'bad_data', 'no match[] parameter provided'],
    ['/api/v1/label/job/other', 404, 'not_found', 'no API endpoint'],
  ])('answers %s with %i %s', async (path, status, errorType, message) => {
    const res = await getJson(api, path);
    expect(res.status).toBe(status);
    expect(res.body.status).toBe('error');
    expect(res.body.errorType).toBe(errorType);
    expect(res.body.error).toContain(message);
  });

  it('accepts a range query of exactly 11,000 steps', async () => {
    const res = await getJson(api, `/api/v1/query_range?query=vector(1)&start=0&end=11000&step=1`);
    expect(res.status).toBe(200);
    expect(res.body.data.result[0].values).toHaveLength(11_001);
  });

  it('refuses a query that would hold more samples than max_samples with 422', async () => {
    const res = await getJson(limited, `/api/v1/query_range?query=temperature&start=${T0 / 1000}&end=${NOW / 1000}&step=15`);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ errorType: 'execution', error: 'query processing would load too many samples into memory in query execution' });
  });

  it('answers at a max_samples of exactly what its selects load, and refuses one sample less before decoding', async () => {
    const query = `/api/v1/query?query=${q('sum(count_over_time(http_requests_total[30m]))')}&time=${NOW / 1000}`;
    const free = await getJson(api, `${query}&stats=all`);
    const loaded = free.body.data.stats.samples.loadedSamples;
    // Three series of 121 samples in the 30m range (both ends in), their chunks wholly or partly in it.
    expect(loaded).toBeGreaterThanOrEqual(3 * 121);
    expect(free.body.data.stats.samples.totalQueryableSamples).toBe(3 * 121);
    const exact = await start({ config: { max_samples: loaded } });
    const under = await start({ config: { max_samples: loaded - 1 } });
    try {
      const ok = await getJson(exact, query);
      expect(ok.status).toBe(200);
      expect(ok.body.data).toEqual({ resultType: 'vector', result: free.body.data.result });
      const refused = await getJson(under, query);
      expect(refused.status).toBe(422);
      expect(refused.body).toEqual({ status: 'error', errorType: 'execution', error: 'query processing would load too many samples into memory in query execution' });
    } finally {
      await exact.close();
      await under.close();
    }
  });

  it('refuses a query that selects more series than max_series with 422', async () => {
    const res = await getJson(seriesLimited, `/api/v1/query?query=http_requests_total&time=${NOW / 1000}`);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ errorType: 'execution', error: 'query would select more than 2 series (max_series)' });
  });

  it('answers a query that outlives its timeout with 503 timeout', async () => {
    const res = await getJson(api, `/api/v1/query_range?query=${q('count_over_time(http_requests_total[1h])')}&start=${T0 / 1000}&end=${T0 / 1000 + 11_000}&step=1&timeout=1ms`);
    expect(res.status).toBe(503);
    expect(res.body.errorType).toBe('timeout');
    expect(res.body.error).toContain('query timed out');
  });

  it('reports query statistics when stats is asked for', async () => {
    const { body } = await getJson(api, `/api/v1/query?query=${q('sum(http_requests_total)')}&time=${NOW / 1000}&stats=all`);
    // Inside `data`, as Prometheus writes it.
    expect(body.stats).toBeUndefined();
    expect(body.data.resultType).toBe('vector');
    // three series, each with the samples of the 5 m lookback window before NOW (inclusive ends).
    expect(body.data.stats.samples.totalQueryableSamples).toBe(3 * 21);
    // What the selects loaded (the columns sized by the chunks they read) and, with the one-point
    // result, the peak held; 16 bytes a loaded sample.
    const { loadedSamples, peakSamples, loadedBytes } = body.data.stats.samples;
    expect(loadedSamples).toBeGreaterThanOrEqual(3 * 21);
    expect(peakSamples).toBe(loadedSamples + 1);
    expect(loadedBytes).toBe(16 * loadedSamples);
    expect(body.data.stats.timings.execTotalTime).toBeGreaterThanOrEqual(0);
    const plain = await getJson(api, `/api/v1/query?query=${q('sum(http_requests_total)')}&time=${NOW / 1000}`);
    expect(plain.body.data.stats).toBeUndefined();
  });

  it('truncates results to limit with a warning', async () => {
    const { body } = await getJson(api, `/api/v1/query?query=http_requests_total&time=${NOW / 1000}&limit=2`);
    expect(body.data.result).toHaveLength(2);
    expect(body.warnings).toEqual(['results truncated due to limit']);
  });
});

describe('the Prometheus metadata API', () => {
  it('lists series matching any match[] selector, sorted', async () => {
    const { body } = await getJson(api, `/api/v1/series?match[]=${q('http_requests_total{instance=~"h[01]"}')}&match[]=temperature&start=${T0 / 1000}&end=${NOW / 1000}`);
    expect(body).toEqual({
      status: 'success',
      data: [
        { __name__: 'http_requests_total', instance: 'h0', job: 'api' },
        { __name__: 'http_requests_total', instance: 'h1', job: 'api' },
        { __name__: 'temperature', room: 'lab' },
      ],
    });
  });

  it('lists label names, optionally restricted by match[]', async () => {
    expect((await getJson(api, '/api/v1/labels')).body.data).toEqual(['__name__', 'instance', 'job', 'room']);
    expect((await getJson(api, `/api/v1/labels?match[]=temperature`)).body.data).toEqual(['__name__', 'room']);
  });

  it('lists the values of a label', async () => {
    expect((await getJson(api, '/api/v1/label/__name__/values')).body.data).toEqual(['ended', 'http_requests_total', 'temperature']);
    expect((await getJson(api, `/api/v1/label/instance/values?match[]=${q('http_requests_total{instance!="h2"}')}`)).body.data).toEqual(['h0', 'h1']);
  });

  it('answers exemplars, build, runtime and flag requests', async () => {
    expect((await getJson(api, `/api/v1/query_exemplars?query=up&start=0&end=10`)).body).toEqual({ status: 'success', data: [] });
    expect((await getJson(api, '/api/v1/status/buildinfo')).body.data.version).toBe('1.2.3');
    expect((await getJson(api, '/api/v1/status/runtimeinfo')).body.data).toHaveProperty('startTime');
    expect((await getJson(api, '/api/v1/status/flags')).body.data['query.lookback-delta']).toBe('300s');
  });

  it('formats a query the way Prometheus prints it', async () => {
    const { body } = await getJson(api, `/api/v1/format_query?query=${q('sum   by(job)(rate(foo{a="b"}[90m] offset 1d))>bool on(job)group_left(x) bar')}`);
    expect(body.data).toBe('sum by (job) (rate(foo{a="b"}[1h30m] offset 1d)) > bool on (job) group_left (x) bar');
  });
});

describe('remote read and federation', () => {
  it('answers a snappy protobuf ReadRequest with the raw samples of the matched series', async () => {
    const request = ReadRequestType.encode({
      queries: [{ startTimestampMs: T0, endTimestampMs: T0 + 30_000, matchers: [{ type: 0, name: '__name__', value: 'temperature' }] }],
    }).finish();
    const res = await fetch(api.url + '/api/v1/read', {
      method: 'POST',
      body: snappyBlockCompress(request),
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('snappy');
    const decoded = ReadResponseType.toObject(ReadResponseType.decode(snappyBlockUncompress(new Uint8Array(await res.arrayBuffer()))), { longs: Number });
    expect(decoded).toEqual({
      results: [{
        timeseries: [{
          labels: [{ name: '__name__', value: 'temperature' }, { name: 'cluster', value: 'eu' }, { name: 'room', value: 'lab' }],
          samples: [0, 15_000, 30_000].map((d) => ({ value: 20.5, timestamp: T0 + d })),
        }],
      }],
    });
  });

  it('refuses a remote read body that is not snappy protobuf with 400', async () => {
    const res = await fetch(api.url + '/api/v1/read', { method: 'POST', body: 'hello' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('cannot decode remote read request');
  });

  it('federates the latest sample of each matched series with external labels, skipping ended series', async () => {
    const res = await fetch(`${api.url}/federate?match[]=temperature&match[]=ended&match[]=${q('http_requests_total{instance="h0"}')}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    expect(await res.text()).toBe([
      '# TYPE http_requests_total untyped',
      `http_requests_total{cluster="eu",instance="h0",job="api"} 3600 ${NOW}`,
      '# TYPE temperature untyped',
      `temperature{cluster="eu",room="lab"} 20.5 ${NOW}`,
      '',
    ].join('\n'));
  });
});
