import { gzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import { afterEach, describe, expect, it } from 'vitest';
import { LagBackpressure } from '../http-edge/index.js';
import { RecordingSink } from '../http-edge/testdata/recording-sink.js';
import { serveRoutes } from '../http-edge/testdata/serve-routes.js';
import type { SampleSink } from '../../schemas/sample-sink.js';
import { createRemoteWriteConnector } from './factory.js';
import { encodeWriteRequest, pbLabels, snappyWriteRequest, type PbHistogram, type PbWriteRequest } from './testdata/prompb.js';
import { remoteWriteConfigSchema } from './config.js';
import { snappyV2Request, V2_CONTENT_TYPE } from './testdata/writev2.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

async function receiver(config: Record<string, unknown> = {}, backpressure?: LagBackpressure) {
  const sink = new RecordingSink();
  const registry = new Registry();
  const conn = createRemoteWriteConnector({ sink, registry, backpressure }, remoteWriteConfigSchema.parse(config));
  await conn.start();
  const srv = await serveRoutes(conn.routes);
  closers.push(async () => {
    await srv.close();
    await conn.stop();
  });
  const post = (body: Buffer, headers: Record<string, string> = {}) =>
    fetch(`${srv.url}/api/v1/write`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', ...headers },
      body,
    });
  const metric = async (name: string, labels: Record<string, string> = {}) => {
    const m = await registry.getSingleMetric(name)?.get();
    return m?.values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((a, v) => a + v.value, 0) ?? 0;
  };
  return { sink, post, metric, url: srv.url };
}

const one = (labels: Record<string, string>, value = 1, timestamp = 1_700_000_000_000) => ({
  labels: pbLabels(labels),
  samples: [{ value, timestamp }],
});

describe('remote_write receiver', () => {
  it('stores every sample of a valid request and answers 204 after the commit', async () => {
    const r = await receiver();
    const req: PbWriteRequest = { timeseries: [one({ __name__: 'up', job: 'a' }, 1), one({ __name__: 'up', job: 'b' }, 0)] };
    const res = await r.post(snappyWriteRequest(req));
    expect(res.status).toBe(204);
    expect(r.sink.commits).toBe(1);
    expect(r.sink.committed.map((s) => [s.labels.job, s.v, s.t])).toEqual([
      ['a', 1, 1_700_000_000_000],
      ['b', 0, 1_700_000_000_000],
    ]);
    expect(await r.metric('tidemark_connector_received_samples_total', { connector: 'remote_write' })).toBe(2);
    expect(await r.metric('tidemark_connector_accepted_samples_total', { connector: 'remote_write' })).toBe(2);
  });

  it('stores every series of a body that expands to megabytes (decoded in slices)', async () => {
    const r = await receiver();
    const timeseries = Array.from({ length: 60_000 }, (_, i) => one({ __name__: 'big_body', job: 'j', instance: `host-${i}.example.org:9100`, pad: 'p'.repeat(40) }, i));
    const body = snappyWriteRequest({ timeseries });
    const res = await r.post(body);
    expect(res.status).toBe(204);
    expect(r.sink.committed).toHaveLength(60_000);
    expect(r.sink.committed[59_999]).toMatchObject({ v: 59_999, labels: { instance: 'host-59999.example.org:9100' } });
  });

  it('answers 400 naming the series limit for a large body with too many series', async () => {
    const r = await receiver({ limits: { series_limit: 1000 } });
    const timeseries = Array.from({ length: 60_000 }, (_, i) => one({ __name__: 'big_body', instance: `host-${i}.example.org:9100`, pad: 'p'.repeat(40) }, i));
    const res = await r.post(snappyWriteRequest({ timeseries }));
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/more than 1000 series/);
    expect(r.sink.committed).toHaveLength(0);
  });

  it('refuses a body past the series limit without decompressing the rest of it (its corrupt tail goes unseen)', async () => {
    const r = await receiver({ limits: { series_limit: 1000 } });
    const timeseries = Array.from({ length: 60_000 }, (_, i) => one({ __name__: 'big_body', instance: `host-${i}.example.org:9100`, pad: 'p'.repeat(40) }, i));
    const body = snappyWriteRequest({ timeseries });
    const res = await r.post(body.subarray(0, body.length - 1000));
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/more than 1000 series/);
    // Without the limit the same body is decoded to its end, where the corruption is found.
    const unlimited = await receiver({ limits: { series_limit: 0 } });
    const cut = await unlimited.post(body.subarray(0, body.length - 1000));
    expect(cut.status).toBe(400);
    expect(await cut.text()).toMatch(/snappy: corrupt input/);
  });

  it('accepts a body without Content-Encoding as snappy, as 1.0 clients send it', async () => {
    const r = await receiver();
    const res = await r.post(snappyWriteRequest({ timeseries: [one({ __name__: 'up' })] }), { 'content-encoding': '' });
    expect(res.status).toBe(204);
    expect(r.sink.committed).toHaveLength(1);
  });

  it.each([
    [{ 'content-type': 'application/json' }, /Content-Type/],
    [{ 'content-type': 'image/png' }, /Content-Type/],
    [{ 'content-encoding': 'gzip' }, /Content-Encoding "gzip"/],
    [{ 'content-encoding': 'deflate' }, /Content-Encoding "deflate"/],
    [{ 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v3.Request' }, /io.prometheus.write.v3.Request/],
  ])('answers 415 for unsupported media %o', async (headers, message) => {
    const r = await receiver();
    const res = await r.post(snappyWriteRequest({ timeseries: [one({ __name__: 'up' })] }), headers);
    expect(res.status).toBe(415);
    expect(await res.text()).toMatch(message);
    expect(r.sink.committed).toHaveLength(0);
  });

  it('answers 400 naming the byte offset for a corrupt protobuf body', async () => {
    const r = await receiver();
    const pb = encodeWriteRequest({ timeseries: [one({ __name__: 'up' })] });
    const res = await r.post(snappyBlockCompress(pb.subarray(0, pb.length - 4)));
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/cannot decode WriteRequest: .*\(at byte \d+\)/);
  });

  it('answers 400 for a corrupted snappy header', async () => {
    const r = await receiver();
    const res = await r.post(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2]));
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/snappy/);
  });

  it('stores the valid series of a request, rejects the one without a name with 400 naming it', async () => {
    const r = await receiver();
    const req = { timeseries: [one({ __name__: 'a' }), one({ job: 'nameless' }), one({ __name__: 'c' }), one({ __name__: 'd' })] };
    const res = await r.post(snappyWriteRequest(req));
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/1 of 4 series rejected .*series 1: series has no metric name/);
    expect(r.sink.committed.map((s) => s.labels.__name__)).toEqual(['a', 'c', 'd']);
    expect(await r.metric('tidemark_connector_rejected_samples_total', { reason: 'invalid_labels' })).toBe(1);
  });

  it('names a rejected series in the 400 body cut short, not echoed whole', async () => {
    const r = await receiver({ limits: { label_value_length_limit: 0 } });
    const huge = 'x'.repeat(1_000_000);
    const req = { timeseries: [one({ __name__: 'ok' }), one({ __name__: 'bad name', big: huge })] };
    const res = await r.post(snappyWriteRequest(req));
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(text).toMatch(/series 1 bad name\{big="x+… \(\d+ more characters\)/);
    expect(text.length).toBeLessThan(2000);
    expect(r.sink.committed.map((s) => s.labels.__name__)).toEqual(['ok']);
  });

  it('refuses samples too far in the future with 400 naming them, and stores the rest of the request', async () => {
    const r = await receiver();
    const now = Date.now();
    const year3000 = Date.UTC(3000, 0, 1);
    const req = {
      timeseries: [
        one({ __name__: 'ok' }, 1, now),
        { labels: pbLabels({ __name__: 'mixed' }), samples: [{ value: 1, timestamp: now - 1000 }, { value: 2, timestamp: year3000 }] },
        one({ __name__: 'soon' }, 3, now + 60_000),
      ],
    };
    const res = await r.post(snappyWriteRequest(req));
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/series 1 mixed: 1 of its 2 samples more than 600000 ms ahead .*3000-01-01T00:00:00.000Z/);
    expect(r.sink.committed.map((s) => [s.labels.__name__, s.v])).toEqual([['ok', 1], ['mixed', 1], ['soon', 3]]);
    expect(await r.metric('tidemark_connector_rejected_samples_total', { reason: 'too_far_in_future' })).toBe(1);
  });

  it('refuses samples older than max_age_ms behind the receiving clock with 400 naming them, and stores the rest of the request', async () => {
    const r = await receiver({ limits: { max_age_ms: 86_400_000 } });
    const now = Date.now();
    const req = {
      timeseries: [
        one({ __name__: 'ok' }, 1, now - 3600_000),
        { labels: pbLabels({ __name__: 'mixed' }), samples: [{ value: 1, timestamp: Date.UTC(2020, 0, 1) }, { value: 2, timestamp: now }] },
      ],
    };
    const res = await r.post(snappyWriteRequest(req));
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/series 1 mixed: 1 of its 2 samples more than 86400000 ms behind the receiving clock \(first at 2020-01-01T00:00:00.000Z; limits.max_age_ms/);
    expect(r.sink.committed.map((s) => [s.labels.__name__, s.v])).toEqual([['ok', 1], ['mixed', 2]]);
    expect(await r.metric('tidemark_connector_rejected_samples_total', { reason: 'too_old' })).toBe(1);
  });

  it('accepts any future timestamp with max_future_ms: 0', async () => {
    const r = await receiver({ limits: { max_future_ms: 0 } });
    const res = await r.post(snappyWriteRequest({ timeseries: [one({ __name__: 'far' }, 1, Date.UTC(3000, 0, 1))] }));
    expect(res.status).toBe(204);
    expect(r.sink.committed).toHaveLength(1);
  });

  it('carries a staleness marker through as a stale sample', async () => {
    const r = await receiver();
    const pb = encodeWriteRequest({ timeseries: [{ labels: pbLabels({ __name__: 'x' }), samples: [{ value: 42.125, timestamp: 5 }] }] });
    const at = pb.indexOf(Buffer.from(new Float64Array([42.125]).buffer));
    pb.writeUInt32LE(2, at);
    pb.writeUInt32LE(0x7ff00000, at + 4);
    expect((await r.post(snappyBlockCompress(pb))).status).toBe(204);
    expect(r.sink.committed[0]).toMatchObject({ t: 5, stale: true });
  });

  it('answers 413 when the body or its decompressed form exceeds the limit', async () => {
    const r = await receiver({ limits: { body_size_limit: 200, decompressed_body_size_limit: 1000 } });
    const big = { timeseries: Array.from({ length: 100 }, (_, i) => one({ __name__: 'm', i: String(i) })) };
    const tooBig = await r.post(Buffer.concat([snappyWriteRequest(big), Buffer.alloc(300)]));
    expect(tooBig.status).toBe(413);
    const pb = encodeWriteRequest({ timeseries: Array.from({ length: 40 }, () => one({ __name__: 'same_name_again_and_again' })) });
    expect(pb.length).toBeGreaterThan(1000);
    const compressed = snappyBlockCompress(pb);
    expect(compressed.length).toBeLessThan(200);
    const bomb = await r.post(compressed);
    expect(bomb.status).toBe(413);
    expect(await bomb.text()).toMatch(/decompressed body exceeds the limit of 1000 bytes/);
  });

  it('answers 400 when a request has more series, or a series more labels, than allowed', async () => {
    const r = await receiver({ limits: { series_limit: 2, label_limit: 3, label_value_length_limit: 10 } });
    const many = await r.post(snappyWriteRequest({ timeseries: [one({ __name__: 'a' }), one({ __name__: 'b' }), one({ __name__: 'c' })] }));
    expect(many.status).toBe(400);
    expect(await many.text()).toMatch(/more than 2 series, the limit/);
    const wide = await r.post(snappyWriteRequest({ timeseries: [one({ __name__: 'a', b: '1', c: '2', d: '3' })] }));
    expect(wide.status).toBe(400);
    expect(await wide.text()).toMatch(/series 0: series has 4 labels, more than the limit of 3/);
    const long = await r.post(snappyWriteRequest({ timeseries: [one({ __name__: 'a', path: '/a/very/long/path' })] }));
    expect(await long.text()).toMatch(/value of label "path" is 17 characters long/);
    expect(r.sink.committed).toHaveLength(0);
  });

  it('refuses a series over a label limit again when it comes back, named by its new index, and keeps the others', async () => {
    const r = await receiver({ limits: { label_limit: 3 } });
    const wide = one({ __name__: 'wide', b: '1', c: '2', d: '3' });
    const first = await r.post(snappyWriteRequest({ timeseries: [wide, one({ __name__: 'ok' })] }));
    expect(first.status).toBe(400);
    expect(await first.text()).toMatch(/first: series 0 .*: series 0: series has 4 labels, more than the limit of 3/);
    // The same label bytes again (a hit in the receiver's series cache), now second in the request.
    const again = await r.post(snappyWriteRequest({ timeseries: [one({ __name__: 'ok' }), wide] }));
    expect(again.status).toBe(400);
    expect(await again.text()).toMatch(/1 of 2 series rejected .*first: series 1 .*: series 1: series has 4 labels, more than the limit of 3/);
    expect(await r.metric('tidemark_connector_rejected_samples_total', { reason: 'label_limit' })).toBe(2);
    expect(r.sink.committed.map((x) => x.labels.__name__)).toEqual(['ok', 'ok']);
  });

  it('counts a series both badly named and over a label limit as invalid labels', async () => {
    const r = await receiver({ limits: { label_limit: 1 } });
    const res = await r.post(snappyWriteRequest({ timeseries: [one({ __name__: '0bad', a: '1' })] }));
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/invalid metric name "0bad"/);
    expect(await r.metric('tidemark_connector_rejected_samples_total', { reason: 'invalid_labels' })).toBe(1);
    expect(await r.metric('tidemark_connector_rejected_samples_total', { reason: 'label_limit' })).toBe(0);
  });

  it('requires the configured credentials, basic or bearer', async () => {
    const r = await receiver({ auth: { basic_auth: { username: 'prom', password: 's3cret' }, bearer_token: 'tok' } });
    const body = snappyWriteRequest({ timeseries: [one({ __name__: 'up' })] });
    const none = await r.post(body);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/Basic/);
    const wrong = await r.post(body, { authorization: `Basic ${Buffer.from('prom:nope').toString('base64')}` });
    expect(wrong.status).toBe(401);
    expect((await r.post(body, { authorization: `Basic ${Buffer.from('prom:s3cret').toString('base64')}` })).status).toBe(204);
    expect((await r.post(body, { authorization: 'Bearer tok' })).status).toBe(204);
    expect((await r.post(body, { authorization: 'Bearer other' })).status).toBe(401);
    expect(r.sink.committed).toHaveLength(2);
  });

  it('answers 503 with Retry-After when the bus does not acknowledge, and counts the samples rejected', async () => {
    const r = await receiver({ limits: { retry_after: 7 } });
    r.sink.failNext = Object.assign(new Error('broker down'), { retryable: true });
    const res = await r.post(snappyWriteRequest({ timeseries: [one({ __name__: 'up' }), one({ __name__: 'down' })] }));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.text()).toMatch(/broker down/);
    expect(await r.metric('tidemark_connector_rejected_samples_total', { reason: 'sink_unavailable' })).toBe(2);
  });

  it('answers 429 while consumers lag beyond the bound and 503 while the lag cannot be read', async () => {
    let lag: number | Error = 5_000;
    const bp = new LagBackpressure({
      readLag: async () => {
        if (lag instanceof Error) throw lag;
        return lag;
      },
      maxLag: 1_000,
      retryAfterSeconds: 3,
    });
    const r = await receiver({}, bp);
    const body = snappyWriteRequest({ timeseries: [one({ __name__: 'up' })] });
    await bp.poll();
    const shed = await r.post(body);
    expect(shed.status).toBe(429);
    expect(shed.headers.get('retry-after')).toBe('3');
    lag = new Error('connection refused');
    await bp.poll();
    expect((await r.post(body)).status).toBe(503);
    lag = 10;
    await bp.poll();
    expect((await r.post(body)).status).toBe(204);
  });

  it('answers 405 to a GET', async () => {
    const r = await receiver();
    const res = await fetch(`${r.url}/api/v1/write`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('keeps one HA replica per cluster, drops the other with 204, removes the replica label', async () => {
    const r = await receiver({ ha: { enabled: true, failover_timeout: '30s', update_timeout: '1s' } });
    const from = (replica: string, v: number) =>
      r.post(snappyWriteRequest({ timeseries: [one({ __name__: 'up', cluster: 'eu', __replica__: replica, job: 'x' }, v)] }));
    expect((await from('a', 1)).status).toBe(204);
    expect((await from('b', 2)).status).toBe(204);
    expect((await from('a', 3)).status).toBe(204);
    expect(r.sink.committed.map((s) => s.v)).toEqual([1, 3]);
    expect(r.sink.committed[0].labels).toEqual({ __name__: 'up', cluster: 'eu', job: 'x' });
    expect(await r.metric('tidemark_connector_rejected_samples_total', { reason: 'ha_replica_not_elected' })).toBe(1);
  });

  it('passes series without the HA labels through untouched', async () => {
    const r = await receiver({ ha: { enabled: true } });
    await r.post(snappyWriteRequest({ timeseries: [one({ __name__: 'up', __replica__: 'a' })] }));
    expect(r.sink.committed[0].labels).toEqual({ __name__: 'up', __replica__: 'a' });
  });

  it('refuses a gzip body even when it holds a valid request', async () => {
    const r = await receiver();
    const res = await r.post(gzipSync(encodeWriteRequest({ timeseries: [one({ __name__: 'up' })] })), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(415);
  });
});

const T = 1_700_000_000_000;
/** count 3: one observation in (-1,-0.5], one in (0.5,1], one in (1,2] (schema 0). */
const intHistogram = (timestamp: number): PbHistogram => ({
  countInt: 3, sum: 4.5, schema: 0, zeroThreshold: 0.001, timestamp,
  positiveSpans: [{ offset: 0, length: 2 }], positiveDeltas: [1, 0],
  negativeSpans: [{ offset: 0, length: 1 }], negativeDeltas: [1],
});
/** A float histogram with custom buckets (NHCB): bounds 0.1, 1, 10. */
const nhcb = (timestamp: number): PbHistogram => ({
  countFloat: 3.5, sum: 7, schema: -53, timestamp,
  positiveSpans: [{ offset: 0, length: 1 }, { offset: 2, length: 1 }], positiveCounts: [1, 2.5], customValues: [0.1, 1, 10],
});

describe('remote_write 1.0 receiver, native histograms', () => {
  it('stores the native histograms of a request beside its float samples', async () => {
    const r = await receiver();
    const req: PbWriteRequest = {
      timeseries: [{ labels: pbLabels({ __name__: 'rpc_seconds', job: 'a' }), samples: [{ value: 2, timestamp: T }], histograms: [intHistogram(T), nhcb(T + 15_000)] }],
    };
    const res = await r.post(snappyWriteRequest(req));
    expect(res.status).toBe(204);
    expect(r.sink.committed.map((s) => s.v)).toEqual([2]);
    expect(r.sink.committedHistograms.map((c) => [c.t, c.h.toString()])).toEqual([
      [T, '{count:3, sum:4.5, [-1,-0.5):1, (0.5,1]:1, (1,2]:1}'],
      [T + 15_000, '{count:3.5, sum:7, [-Inf,0.1]:1, (10,+Inf]:2.5}'],
    ]);
    expect(await r.metric('tidemark_connector_accepted_samples_total', { connector: 'remote_write' })).toBe(3);
  });

  it('refuses native histograms with 400 when the sink carries float samples only, storing the float series', async () => {
    const floats: number[] = [];
    const sink: SampleSink = { appender: () => ({ append: (_l, _t, v) => void floats.push(v), commit: async () => undefined, rollback: () => undefined }) };
    const conn = createRemoteWriteConnector({ sink, registry: new Registry() }, remoteWriteConfigSchema.parse({}));
    await conn.start();
    const srv = await serveRoutes(conn.routes);
    closers.push(async () => {
      await srv.close();
      await conn.stop();
    });
    const req: PbWriteRequest = { timeseries: [{ labels: pbLabels({ __name__: 'rpc_seconds' }), histograms: [intHistogram(T)] }, one({ __name__: 'up' }, 1, T)] };
    const res = await fetch(`${srv.url}/api/v1/write`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, body: snappyWriteRequest(req) });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/series 0 rpc_seconds: native histograms are not carried by this output/);
    expect(floats).toEqual([1]);
  });

  it('answers 400 for a histogram whose bucket counts go negative', async () => {
    const r = await receiver();
    const req: PbWriteRequest = { timeseries: [{ labels: pbLabels({ __name__: 'rpc_seconds' }), histograms: [{ ...intHistogram(T), positiveDeltas: [1, -2] }] }] };
    const res = await r.post(snappyWriteRequest(req));
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/histogram at .*: positive side: .*histogram has a bucket whose observation count is negative/);
    expect(r.sink.committedHistograms).toEqual([]);
  });
});

describe('remote_write 2.0 receiver', () => {
  const v2 = { 'content-type': V2_CONTENT_TYPE, 'x-prometheus-remote-write-version': '2.0.0' };

  it('stores the samples of a symbolized request and reports what it wrote in the response headers', async () => {
    const r = await receiver();
    const res = await r.post(
      snappyV2Request([
        {
          labels: { __name__: 'http_requests_total', job: 'api' },
          samples: [{ value: 5, timestamp: 1_700_000_000_000, startTimestamp: 1_699_999_000_000 }, { value: 7, timestamp: 1_700_000_015_000 }],
          exemplars: [{ labels: { trace_id: 'abc' }, value: 1, timestamp: 1_700_000_014_000 }],
          metadata: { type: 1, help: 'Requests.', unit: '' },
        },
        { labels: { __name__: 'up', job: 'api' }, samples: [{ value: 1, timestamp: 1_700_000_000_000 }] },
      ]),
      v2,
    );
    expect(res.status).toBe(204);
    expect(res.headers.get('x-prometheus-remote-write-samples-written')).toBe('3');
    expect(res.headers.get('x-prometheus-remote-write-exemplars-written')).toBe('1');
    expect(res.headers.get('x-prometheus-remote-write-histograms-written')).toBe('0');
    expect(r.sink.committed.map((s) => [s.labels.__name__, s.labels.job, s.v, s.t])).toEqual([
      ['http_requests_total', 'api', 5, 1_700_000_000_000],
      ['http_requests_total', 'api', 7, 1_700_000_015_000],
      ['up', 'api', 1, 1_700_000_000_000],
    ]);
  });

  it('passes each sample start timestamp on: its own, else the series created timestamp', async () => {
    const r = await receiver();
    const res = await r.post(
      snappyV2Request([
        { labels: { __name__: 'a_total' }, samples: [{ value: 5, timestamp: 1_700_000_000_000, startTimestamp: 1_699_999_000_000 }, { value: 7, timestamp: 1_700_000_015_000 }] },
        { labels: { __name__: 'b_total' }, createdTimestamp: 1_600_000_000_000, samples: [{ value: 1, timestamp: 1_700_000_000_000 }, { value: 2, timestamp: 1_700_000_015_000, startTimestamp: 1_700_000_000_001 }] },
        { labels: { __name__: 'up' }, samples: [{ value: 1, timestamp: 1_700_000_000_000 }] },
      ]),
      v2,
    );
    expect(res.status).toBe(204);
    expect(r.sink.committed.map((s) => [s.labels.__name__, s.t, s.st])).toEqual([
      ['a_total', 1_700_000_000_000, 1_699_999_000_000],
      ['a_total', 1_700_000_015_000, undefined],
      ['b_total', 1_700_000_000_000, 1_600_000_000_000],
      ['b_total', 1_700_000_015_000, 1_700_000_000_001],
      ['up', 1_700_000_000_000, undefined],
    ]);
  });

  it('passes a histogram sample start timestamp on', async () => {
    const r = await receiver();
    const res = await r.post(snappyV2Request([
      { labels: { __name__: 'latency' }, histograms: [{ ...intHistogram(T), startTimestamp: T - 60_000 }, intHistogram(T + 15_000)] },
    ]), v2);
    expect(res.status).toBe(204);
    expect(r.sink.committedHistograms.map((h) => [h.t, h.st])).toEqual([[T, T - 60_000], [T + 15_000, undefined]]);
  });

  it('stores native histograms and counts them apart from float samples in the response headers', async () => {
    const r = await receiver();
    const res = await r.post(snappyV2Request([
      { labels: { __name__: 'latency' }, histograms: [intHistogram(T), { ...intHistogram(T + 15_000), countInt: 5, zeroCountInt: 2, resetHint: 2 }] },
      { labels: { __name__: 'up' }, samples: [{ value: 1, timestamp: T }], histograms: [nhcb(T)] },
    ]), v2);
    expect(res.status).toBe(204);
    expect(res.headers.get('x-prometheus-remote-write-histograms-written')).toBe('3');
    expect(res.headers.get('x-prometheus-remote-write-samples-written')).toBe('1');
    expect(r.sink.committedHistograms.map((c) => `${c.labels.__name__} ${c.t} ${c.h.constructor.name} ${c.h.counterResetHint} ${c.h.toString()}`)).toEqual([
      `latency ${T} Histogram unknown {count:3, sum:4.5, [-1,-0.5):1, (0.5,1]:1, (1,2]:1}`,
      `latency ${T + 15_000} Histogram not_reset {count:5, sum:4.5, [-1,-0.5):1, [-0.001,0.001]:2, (0.5,1]:1, (1,2]:1}`,
      `up ${T} FloatHistogram unknown {count:3.5, sum:7, [-Inf,0.1]:1, (10,+Inf]:2.5}`,
    ]);
  });

  it('answers 400 naming the series, the histogram and Prometheus\' reason for an invalid histogram, and stores the others', async () => {
    const r = await receiver();
    const res = await r.post(snappyV2Request([
      { labels: { __name__: 'latency', job: 'a' }, histograms: [{ ...intHistogram(T), positiveDeltas: [1] }] },
      { labels: { __name__: 'latency', job: 'b' }, histograms: [{ ...intHistogram(T), negativeDeltas: [-1] }] },
      { labels: { __name__: 'latency', job: 'c' }, histograms: [intHistogram(T)] },
    ]), v2);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(
      /2 of 3 series rejected.*first: series 0 latency\{job="a"\}: histogram at 2023-11-14T22:13:20.000Z: positive side: spans need 2 buckets, have 1 buckets: histogram spans specify different number of buckets than provided/,
    );
    expect(res.headers.get('x-prometheus-remote-write-histograms-written')).toBe(null);
    expect(r.sink.committedHistograms.map((c) => c.labels.job)).toEqual(['c']);
    expect(await r.metric('tidemark_connector_rejected_samples_total', { connector: 'remote_write', reason: 'invalid_histogram' })).toBe(2);
  });

  it('rejects a series without a metric name with 400 and stores the others (partial write)', async () => {
    const r = await receiver();
    const res = await r.post(
      snappyV2Request([
        { labels: { job: 'x' }, samples: [{ value: 1, timestamp: 1_700_000_000_000 }] },
        { labels: { __name__: 'up' }, samples: [{ value: 1, timestamp: 1_700_000_000_000 }] },
      ]),
      v2,
    );
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/series 0.*no metric name/);
    expect(r.sink.committed.map((s) => s.labels.__name__)).toEqual(['up']);
  });

  it('accepts UTF-8 names with the utf8 validation scheme, and refuses them with legacy', async () => {
    const series = [{ labels: { __name__: 'http.server.duration', 'service name': 'a' }, samples: [{ value: 1, timestamp: 1_700_000_000_000 }] }];
    const utf8 = await receiver({ metric_name_validation_scheme: 'utf8' });
    expect((await utf8.post(snappyV2Request(series), v2)).status).toBe(204);
    expect(utf8.sink.committed[0].labels).toEqual({ __name__: 'http.server.duration', 'service name': 'a' });
    const legacy = await receiver();
    expect((await legacy.post(snappyV2Request(series), v2)).status).toBe(400);
  });

  it('answers 400 for a symbol reference outside the table', async () => {
    const r = await receiver();
    // Request{symbols: [""], timeseries: [{labels_refs: [1, 2]}]}
    const body = snappyBlockCompress(Buffer.from([0x22, 0x00, 0x2a, 0x04, 0x0a, 0x02, 0x01, 0x02]));
    const res = await r.post(body, v2);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/symbol reference 1 out of range/);
  });
});
