import { gzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingSink } from '../http-edge/testdata/recording-sink.js';
import { serveRoutes } from '../http-edge/testdata/serve-routes.js';
import { createInfluxConnector } from './factory.js';
import { influxConfigSchema } from './config.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

async function receiver(config: Record<string, unknown> = {}) {
  const sink = new RecordingSink();
  const registry = new Registry();
  const conn = createInfluxConnector({ sink, registry }, influxConfigSchema.parse(config));
  const srv = await serveRoutes(conn.routes);
  closers.push(() => srv.close());
  const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${srv.url}${path}`, { method: 'POST', body, headers });
  return { sink, post, registry };
}

describe('influx line protocol receiver', () => {
  it('maps fields to {measurement}_{field} series with tags and the db label, as VictoriaMetrics does', async () => {
    const r = await receiver();
    const res = await r.post('/write?db=mydb&precision=s', 'm1,host=a value=1,b=true,s="str",i=5i 1700000000\nm2,db=own f=2 1700000001\n');
    expect(res.status).toBe(204);
    expect(r.sink.committed.map((s) => [s.labels, s.t, s.v])).toEqual([
      [{ host: 'a', db: 'mydb', __name__: 'm1_value' }, 1_700_000_000_000, 1],
      [{ host: 'a', db: 'mydb', __name__: 'm1_b' }, 1_700_000_000_000, 1],
      [{ host: 'a', db: 'mydb', __name__: 'm1_i' }, 1_700_000_000_000, 5],
      [{ db: 'own', __name__: 'm2_f' }, 1_700_000_001_000, 2],
    ]);
  });

  it('serves /api/v2/write with its precision names and no db label for the bucket', async () => {
    const r = await receiver();
    const res = await r.post('/api/v2/write?org=o&bucket=b&precision=ms', 'cpu,host=x usage=0.25 1700000000123');
    expect(res.status).toBe(204);
    expect(r.sink.committed).toEqual([{ labels: { host: 'x', __name__: 'cpu_usage' }, t: 1_700_000_000_123, v: 0.25, stale: false }]);
  });

  it('stamps lines without a timestamp with the time of arrival', async () => {
    const r = await receiver();
    const before = Date.now();
    await r.post('/write', 'up value=1');
    expect(r.sink.committed[0].t).toBeGreaterThanOrEqual(before);
    expect(r.sink.committed[0].t).toBeLessThanOrEqual(Date.now());
  });

  it('stores the good lines of a request with a bad one and answers 400 naming line and column', async () => {
    const r = await receiver();
    const res = await r.post('/write', 'a v=1 1000000000\nbad line here\n# comment\nc v=3 1000000000\n');
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/partial write: unable to parse line 2, column 9: missing field value for "line"; dropped=1 of 3 lines/);
    expect(r.sink.committed.map((s) => s.labels.__name__)).toEqual(['a_v', 'c_v']);
  });

  it('keeps a tag named __proto__ as a label, so two series do not merge', async () => {
    const r = await receiver();
    const res = await r.post('/write', 'm,__proto__=a v=1 1\nm,__proto__=b v=2 1', {});
    expect(res.status).toBe(204);
    expect(r.sink.committed.map((s) => Object.entries(s.labels))).toEqual([
      [['__proto__', 'a'], ['__name__', 'm_v']], [['__proto__', 'b'], ['__name__', 'm_v']],
    ]);
  });

  it('refuses a line that is not valid UTF-8, naming it, and stores the others', async () => {
    const r = await receiver();
    const body = Buffer.concat([Buffer.from('good v=1 1\nbad,host=a'), Buffer.from([0xff, 0xfe]), Buffer.from(' v=2 1\nalso_good v=3 1\n')]);
    const res = await r.post('/write', body);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/line 2.*invalid UTF-8/);
    expect(r.sink.committed.map((s) => s.labels['__name__'])).toEqual(['good_v', 'also_good_v']);
  });

  it('refuses a line whose timestamp is too far in the future, naming it, and stores the others', async () => {
    const r = await receiver();
    const res = await r.post('/write', `now v=1\nfar v=2 99999999999999999999\nalso v=3 ${Date.now() * 1e6}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/line 2, column 9: timestamp 99999999999999999999 is more than 600000 ms ahead/);
    expect(r.sink.committed.map((s) => s.labels['__name__'])).toEqual(['now_v', 'also_v']);
  });

  it('refuses a line older than max_age_ms behind the receiving clock, naming it, and stores the others', async () => {
    const r = await receiver({ limits: { max_age_ms: 86_400_000 } });
    const res = await r.post('/write?precision=ms', `now v=1\nold v=2 1577836800000\nalso v=3 ${Date.now()}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/line 2, column 9: timestamp 1577836800000 is more than 86400000 ms behind the receiving clock/);
    expect(r.sink.committed.map((s) => s.labels['__name__'])).toEqual(['now_v', 'also_v']);
  });

  it('replaces characters Prometheus names cannot hold', async () => {
    const r = await receiver();
    await r.post('/write', 'disk.io,dev-name=sda f\\=g=1 1');
    expect(r.sink.committed[0].labels).toEqual({ dev_name: 'sda', __name__: 'disk_io_f_g' });
  });

  it('follows the skip_single_field option', async () => {
    const r = await receiver({ skip_single_field: true });
    await r.post('/write', 'temp,room=k value=21.5 1\nload a=1,b=2 1');
    expect(r.sink.committed.map((s) => s.labels.__name__)).toEqual(['temp', 'load_a', 'load_b']);
  });

  it('accepts gzip bodies and refuses other encodings with 415', async () => {
    const r = await receiver();
    expect((await r.post('/write', gzipSync('z v=1 1'), { 'content-encoding': 'gzip' })).status).toBe(204);
    expect((await r.post('/write', 'z v=1 1', { 'content-encoding': 'br' })).status).toBe(415);
    expect(r.sink.committed).toHaveLength(1);
  });

  it('answers 400 for an unknown precision', async () => {
    const r = await receiver();
    const res = await r.post('/write?precision=d', 'z v=1 1');
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/invalid precision "d"/);
  });

  it('accepts InfluxDB 1.x u/p query credentials and v2 Token authorization', async () => {
    const r = await receiver({ auth: { basic_auth: { username: 'tel', password: 'pw' }, bearer_token: 'tok' } });
    expect((await r.post('/write', 'z v=1 1')).status).toBe(401);
    expect((await r.post('/write?u=tel&p=bad', 'z v=1 1')).status).toBe(401);
    expect((await r.post('/write?u=tel&p=pw', 'z v=1 1')).status).toBe(204);
    expect((await r.post('/api/v2/write', 'z v=1 1', { authorization: 'Token tok' })).status).toBe(204);
  });

  it('answers 400 naming the line for a label longer than allowed, and counts it', async () => {
    const r = await receiver({ limits: { label_value_length_limit: 5 } });
    const res = await r.post('/write', 'm,host=very-long-host v=1 1\nm,host=ok v=2 1');
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/line 1: value of label "host" is 14 characters long/);
    expect(r.sink.committed.map((s) => s.v)).toEqual([2]);
    const m = await r.registry.getSingleMetric('tidemark_connector_rejected_samples_total')?.get();
    expect(m?.values.find((v) => v.labels.reason === 'label_value_length_limit')?.value).toBe(1);
  });
});
