import { gzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingSink } from '../http-edge/testdata/recording-sink.js';
import { serveRoutes } from '../http-edge/testdata/serve-routes.js';
import { importConfigSchema } from './config.js';
import { createImportConnector } from './factory.js';
import { SERIES_RUNS_CONTENT_TYPE, SERIES_RUNS_PATH, SeriesRunsWriter } from './series-runs-body.js';
import type { Appender } from '../../schemas/sample-sink.js';
import { decodeWriteTokens, WRITE_TOKEN_HEADER } from '../../schemas/write-token.js';

/** A sink whose bus placed every unit's record at partition 3, offset 41. */
class AcknowledgingSink extends RecordingSink {
  override appender(): Appender {
    return { ...super.appender(), acknowledged: () => [{ partition: 3, offset: 41 }] };
  }
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

async function receiver(config: Record<string, unknown> = {}) {
  const sink = new RecordingSink();
  const conn = createImportConnector({ sink, registry: new Registry() }, importConfigSchema.parse(config));
  const srv = await serveRoutes(conn.routes);
  closers.push(() => srv.close());
  const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) => fetch(`${srv.url}${path}`, { method: 'POST', body, headers });
  const stored = () => sink.committed.map((s) => [s.labels, s.t, s.v]);
  return { sink, post, stored, url: srv.url };
}

describe('import endpoints', () => {
  it('store the JSON lines VictoriaMetrics exports, with their timestamps, and say how many samples', async () => {
    const r = await receiver();
    const body = [
      '{"metric":{"__name__":"up","job":"a"},"values":[1,0],"timestamps":[1700000000000,1700000015000]}',
      '{"metric":{"__name__":"temp","room":"k"},"values":[21.5],"timestamps":[1700000000123]}',
      '',
    ].join('\n');
    const res = await r.post('/api/v1/import', body);
    expect(res.status).toBe(204);
    expect(res.headers.get('x-tidemark-imported-samples')).toBe('3');
    expect(r.stored()).toEqual([
      [{ __name__: 'up', job: 'a' }, 1_700_000_000_000, 1],
      [{ __name__: 'up', job: 'a' }, 1_700_000_015_000, 0],
      [{ __name__: 'temp', room: 'k' }, 1_700_000_000_123, 21.5],
    ]);
  });

  it('refuse samples too far in the future, naming their line, and store the rest', async () => {
    const r = await receiver();
    const year3000 = Date.UTC(3000, 0, 1);
    const body = `{"metric":{"__name__":"up","job":"a"},"values":[1,2],"timestamps":[1700000000000,${year3000}]}\n`;
    const res = await r.post('/api/v1/import', body);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/line 1: 1 of its 2 samples more than 600000 ms ahead/);
    expect(r.stored()).toEqual([[{ __name__: 'up', job: 'a' }, 1_700_000_000_000, 1]]);
  });

  it('refuse samples older than max_age_ms behind the receiving clock, naming their line, and store the rest', async () => {
    const r = await receiver({ limits: { max_age_ms: 86_400_000 } });
    const now = Date.now();
    const body = `{"metric":{"__name__":"up","job":"a"},"values":[1,2],"timestamps":[1700000000000,${now}]}\n`;
    const res = await r.post('/api/v1/import', body);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/line 1: 1 of its 2 samples more than 86400000 ms behind the receiving clock/);
    expect(r.stored()).toEqual([[{ __name__: 'up', job: 'a' }, now, 2]]);
  });

  it('read the non-finite values VictoriaMetrics writes unquoted', async () => {
    const r = await receiver();
    const res = await r.post('/api/v1/import', '{"metric":{"__name__":"x"},"values":[NaN,Inf,-Inf,2],"timestamps":[1,2,3,4]}');
    expect(res.status).toBe(204);
    expect(r.sink.committed.map((s) => s.v)).toEqual([NaN, Infinity, -Infinity, 2]);
  });

  it('store the good lines of a request with bad ones and answer 400 listing each bad line with its reason', async () => {
    const r = await receiver();
    const body = [
      '{"metric":{"__name__":"a"},"values":[1],"timestamps":[1000]}',
      '{"metric":{"__name__":"b"},"values":[1,2],"timestamps":[1000]}',
      'not json',
      '{"metric":{"__name__":"c"},"values":[3],"timestamps":[1000]}',
    ].join('\n');
    const res = await r.post('/api/v1/import', body);
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toMatch(/^partial import: 2 of 4 lines rejected; the 2 samples of the other lines are stored\n/);
    expect(text).toMatch(/^line 2: 2 values but 1 timestamps$/m);
    expect(text).toMatch(/^line 3: invalid JSON: /m);
    expect(r.sink.committed.map((s) => s.labels.__name__)).toEqual(['a', 'c']);
  });

  it('list at most max_errors_listed bad lines and count the rest', async () => {
    const r = await receiver({ max_errors_listed: 2 });
    const res = await r.post('/api/v1/import', 'x\ny\nz\n');
    const text = await res.text();
    expect(text.match(/^line \d+:/gm)).toHaveLength(2);
    expect(text).toMatch(/\.\.\. and 1 more bad lines/);
  });

  it('read Prometheus text with millisecond timestamps and stamp the others with the timestamp query arg', async () => {
    const r = await receiver();
    const res = await r.post('/api/v1/import/prometheus?timestamp=1700000000', '# TYPE m counter\nm{a="1"} 5 1700000001000\nm{a="2"} 6\n');
    expect(res.status).toBe(204);
    expect(r.stored()).toEqual([
      [{ __name__: 'm', a: '1' }, 1_700_000_001_000, 5],
      [{ __name__: 'm', a: '2' }, 1_700_000_000_000, 6],
    ]);
  });

  it('read OpenMetrics with second timestamps, with or without the closing # EOF', async () => {
    const r = await receiver();
    const om = { 'content-type': 'application/openmetrics-text; version=1.0.0' };
    expect((await r.post('/api/v1/import/prometheus', '# TYPE c counter\nc_total 1 1700000000.5\n# EOF\n', om)).status).toBe(204);
    expect((await r.post('/api/v1/import/prometheus', '# TYPE c counter\nc_total 2 1700000001\n', om)).status).toBe(204);
    expect(r.stored()).toEqual([
      [{ __name__: 'c_total' }, 1_700_000_000_500, 1],
      [{ __name__: 'c_total' }, 1_700_000_001_000, 2],
    ]);
  });

  it('carry on after a bad exposition line and name its line number', async () => {
    const r = await receiver();
    const res = await r.post('/api/v1/import/prometheus', 'a 1 1000\nb{ 2 1000\nc 3 1000\nd x 1000\ne 5 1000\n');
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toMatch(/^line 2: /m);
    expect(text).toMatch(/^line 4: /m);
    expect(r.sink.committed.map((s) => s.labels.__name__)).toEqual(['a', 'c', 'e']);
  });

  it('map CSV columns as VictoriaMetrics does', async () => {
    const r = await receiver();
    const format = encodeURIComponent('2:metric:ask,3:metric:bid,1:label:ticker,4:label:market,5:time:unix_s');
    const res = await r.post(`/api/v1/import/csv?format=${format}`, 'GOOG,1.23,4.56,NYSE,1700000000\n"MS,FT",3.21,,NASDAQ,1700000060\n');
    expect(res.status).toBe(204);
    expect(r.stored()).toEqual([
      [{ __name__: 'ask', ticker: 'GOOG', market: 'NYSE' }, 1_700_000_000_000, 1.23],
      [{ __name__: 'bid', ticker: 'GOOG', market: 'NYSE' }, 1_700_000_000_000, 4.56],
      [{ __name__: 'ask', ticker: 'MS,FT', market: 'NASDAQ' }, 1_700_000_060_000, 3.21],
    ]);
  });

  it('read CSV times as unix_ms, unix_ns and rfc3339 and refuse rows whose time or value does not parse', async () => {
    const r = await receiver();
    const post = (spec: string, body: string) => r.post(`/api/v1/import/csv?format=${encodeURIComponent(spec)}`, body);
    expect((await post('1:time:unix_ms,2:metric:v', '1700000000123,1\n')).status).toBe(204);
    expect((await post('1:time:unix_ns,2:metric:v', '1700000000123456789,2\n')).status).toBe(204);
    expect((await post('1:time:rfc3339,2:metric:v', '2023-11-14T22:13:20.5Z,3\n')).status).toBe(204);
    expect(r.sink.committed.map((s) => s.t)).toEqual([1_700_000_000_123, 1_700_000_000_123, 1_700_000_000_500]);
    const res = await post('1:time:unix_s,2:metric:v', 'yesterday,1\n1700000000,abc\n1700000000\n');
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toMatch(/^line 1: column 1: cannot parse "yesterday" as unix_s time$/m);
    expect(text).toMatch(/^line 2: column 2: cannot parse "abc" as the value of v$/m);
    expect(text).toMatch(/^line 3: 1 columns, the format needs 2$/m);
  });

  it('refuse a CSV request without a usable format with 400 and store nothing', async () => {
    const r = await receiver();
    for (const q of ['', '?format=1:label:x', '?format=1:time:custom:2006', '?format=1:metric:a,1:label:b']) {
      const res = await r.post(`/api/v1/import/csv${q}`, '1,2\n');
      expect(res.status).toBe(400);
    }
    expect(r.sink.committed).toEqual([]);
  });

  it('add extra_label query args to every series, and accept gzip bodies', async () => {
    const r = await receiver();
    const res = await r.post('/api/v1/import?extra_label=src=backfill&extra_label=job=override', gzipSync('{"metric":{"__name__":"a","job":"j"},"values":[1],"timestamps":[5]}\n'), {
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(204);
    expect(r.stored()).toEqual([[{ __name__: 'a', job: 'override', src: 'backfill' }, 5, 1]]);
  });

  it('answer 503 and report nothing stored when the bus does not acknowledge', async () => {
    const r = await receiver();
    r.sink.failNext = new Error('broker down');
    const res = await r.post('/api/v1/import', '{"metric":{"__name__":"a"},"values":[1],"timestamps":[5]}');
    expect(res.status).toBe(503);
    expect(r.sink.committed).toEqual([]);
  });

  it('hold a request to series_limit distinct series, counting a run of one series once, and refuse it whole beyond', async () => {
    const r = await receiver({ limits: { series_limit: 2 } });
    const run = Array.from({ length: 50 }, (_, i) => `a{k="1"} ${i} ${1000 + i}`).join('\n');
    expect((await r.post('/api/v1/import/prometheus', `${run}\nb 1 1000\n`)).status).toBe(204);
    expect(r.sink.committed).toHaveLength(51);
    const res = await r.post('/api/v1/import/prometheus', 'a 1 2000\nb 1 2000\nc 1 2000\n');
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/more than 2 series/);
    expect(r.sink.committed).toHaveLength(51);
  });

  it('store the series runs tidemark import sends, with extra labels, and name a refused run by its number', async () => {
    const r = await receiver();
    const w = new SeriesRunsWriter();
    w.add({ labels: { __name__: 'up', job: 'a' }, timestamps: [1_700_000_000_000, 1_700_000_015_000], values: [1, 0] });
    w.add({ labels: { __name__: 'up', 'bad-name': 'x' }, timestamps: [1_700_000_000_000], values: [1] });
    w.add({ labels: { __name__: 'temp' }, timestamps: [1_700_000_000_123], values: [21.5] });
    const res = await r.post(`${SERIES_RUNS_PATH}?extra_label=src=backfill`, w.body(), { 'content-type': SERIES_RUNS_CONTENT_TYPE });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('partial import: 1 of 3 lines rejected; the 3 samples of the other lines are stored\nline 2: invalid label name "bad-name"\n');
    expect(r.stored()).toEqual([
      [{ __name__: 'up', job: 'a', src: 'backfill' }, 1_700_000_000_000, 1],
      [{ __name__: 'up', job: 'a', src: 'backfill' }, 1_700_000_015_000, 0],
      [{ __name__: 'temp', src: 'backfill' }, 1_700_000_000_123, 21.5],
    ]);
    const notRuns = await r.post(SERIES_RUNS_PATH, 'up 1 1\n');
    expect(notRuns.status).toBe(400);
    expect(await notRuns.text()).toMatch(/series-runs body: the body does not start with "TMSR"/);
  });

  it('store the staleness markers of series runs as markers, and answer with the write token of what the bus acknowledged', async () => {
    const sink = new AcknowledgingSink();
    const conn = createImportConnector({ sink, registry: new Registry() }, importConfigSchema.parse({}));
    const srv = await serveRoutes(conn.routes);
    closers.push(() => srv.close());
    const w = new SeriesRunsWriter();
    w.add({ labels: { __name__: 'job:up:sum', job: 'a' }, timestamps: [1_700_000_000_000, 1_700_000_060_000, 1_700_000_120_000], values: [2, NaN, NaN], stale: [2] });
    const res = await fetch(`${srv.url}${SERIES_RUNS_PATH}`, { method: 'POST', body: w.body(), headers: { 'content-type': SERIES_RUNS_CONTENT_TYPE } });
    expect(res.status).toBe(204);
    expect(sink.committed.map((s) => [s.t, s.v, s.stale])).toEqual([[1_700_000_000_000, 2, false], [1_700_000_060_000, NaN, false], [1_700_000_120_000, NaN, true]]);
    expect(decodeWriteTokens(res.headers.get(WRITE_TOKEN_HEADER) ?? '')).toEqual(new Map([[3, 42]]));
  });

  it('answer /health with OK, as VictoriaMetrics does for vmctl', async () => {
    const r = await receiver();
    const res = await fetch(`${r.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('OK');
  });
});
