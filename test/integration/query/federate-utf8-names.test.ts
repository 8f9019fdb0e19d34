import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition, ProtobufParser } from '../../../schemas/exposition/index.js';
import { prometheusApi } from '../../../pipeline/query/index.js';
import { Tsdb } from '../../../pipeline/tsdb/index.js';
import { serveRoutes, type RoutesServer } from './serve-routes.js';

const NOW = 1_700_000_000_000;
let dir: string;
let db: Tsdb;
let api: RoutesServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'federate-utf8-'));
  db = await Tsdb.open(dir);
  db.append({ __name__: 'my.metric', 'label.name': 'x', job: 'j' }, NOW - 1000, 1.5);
  db.append({ __name__: 'legacy_metric', job: 'j' }, NOW - 1000, 2);
  api = await serveRoutes(prometheusApi({ queryable: db, now: () => NOW, version: '1.2.3', externalLabels: { 'cluster.name': 'eu' } }).routes);
});

afterAll(async () => {
  await api?.close();
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

const MATCH = `match[]=${encodeURIComponent('{"my.metric"}')}&match[]=legacy_metric`;

async function federate(accept?: string): Promise<{ type: string | null; text: string }> {
  const res = await fetch(`${api.url}/federate?${MATCH}`, { headers: accept === undefined ? {} : { accept } });
  expect(res.status).toBe(200);
  return { type: res.headers.get('content-type'), text: await res.text() };
}

describe('/federate with UTF-8 metric and label names', () => {
  it('escapes names with underscores when the Accept header asks for no escaping, as Prometheus 3 federates', async () => {
    const { type, text } = await federate();
    expect(type).toBe('text/plain; version=0.0.4; charset=utf-8; escaping=underscores');
    expect(text).toBe([
      '# TYPE legacy_metric untyped',
      `legacy_metric{cluster_name="eu",job="j"} 2 ${NOW - 1000}`,
      '# TYPE my_metric untyped',
      `my_metric{cluster_name="eu",job="j",label_name="x"} 1.5 ${NOW - 1000}`,
      '',
    ].join('\n'));
  });

  it('writes names quoted for escaping=allow-utf-8, and the page parses back to the stored labels', async () => {
    const { type, text } = await federate('text/plain;version=1.0.0;escaping=allow-utf-8');
    expect(type).toBe('text/plain; version=0.0.4; charset=utf-8; escaping=allow-utf-8');
    expect(text).toContain(`{"my.metric","cluster.name"="eu",job="j","label.name"="x"} 1.5 ${NOW - 1000}\n`);
    expect(parseExposition(text).samples.map((s) => s.labels)).toEqual([
      { __name__: 'legacy_metric', 'cluster.name': 'eu', job: 'j' },
      { __name__: 'my.metric', 'cluster.name': 'eu', job: 'j', 'label.name': 'x' },
    ]);
  });

  it.each([
    ['dots', 'my_dot_metric{cluster_dot_name="eu",job="j",label_dot_name="x"}'],
    ['values', 'U__my_2e_metric{U__cluster_2e_name="eu",job="j",U__label_2e_name="x"}'],
  ])('escapes names with escaping=%s', async (scheme, series) => {
    const { text } = await federate(`text/plain;version=0.0.4;escaping=${scheme}`);
    expect(text).toContain(`${series} 1.5 ${NOW - 1000}\n`);
  });

  it('escapes the names of the delimited protobuf answer as asked, and keeps them with allow-utf-8', async () => {
    const names = async (escaping: string) => {
      const res = await fetch(`${api.url}/federate?${MATCH}`, { headers: { accept: `application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;escaping=${escaping}` } });
      expect(res.headers.get('content-type')).toContain(`encoding=delimited; escaping=${escaping}`);
      const p = new ProtobufParser(new Uint8Array(await res.arrayBuffer()), { nativeHistograms: true, classicHistograms: false });
      const out: object[] = [];
      for (let e = p.next(); e !== undefined; e = p.next()) if (e === 'series') out.push(p.labels());
      return out;
    };
    expect(await names('allow-utf-8')).toContainEqual({ __name__: 'my.metric', 'cluster.name': 'eu', job: 'j', 'label.name': 'x' });
    expect(await names('underscores')).toContainEqual({ __name__: 'my_metric', cluster_name: 'eu', job: 'j', label_name: 'x' });
  });
});
