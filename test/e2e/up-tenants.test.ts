import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { snappyBlockCompress, snappyBlockUncompress } from '../../schemas/snappy-block.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadRequestType, ReadResponseType } from '../../pipeline/query/index.js';
import { pbLabels, snappyWriteRequest } from '../../connectors/remote-write/testdata/prompb.js';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

interface VectorAnswer {
  status: string;
  data: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

const PASSWORD = 'tenant-test-password';

/** Headers of a request authenticated as `user`, optionally naming a tenant. */
function as(user: string, tenant?: string): Record<string, string> {
  const h: Record<string, string> = { authorization: `Basic ${Buffer.from(`${user}:${PASSWORD}`).toString('base64')}` };
  if (tenant !== undefined) h['x-scope-orgid'] = tenant;
  return h;
}

describe('tidemark up with tenants', () => {
  let dir: string;
  let up: RunningCli;

  const write = (headers: Record<string, string>, lines: string[]): Promise<Response> =>
    fetch(`${up.url}/write?precision=ms`, { method: 'POST', headers, body: lines.join('\n') });
  const query = async (headers: Record<string, string>, q: string): Promise<Response> =>
    fetch(`${up.url}/api/v1/query?query=${encodeURIComponent(q)}`, { headers });
  const vector = async (headers: Record<string, string>, q: string): Promise<VectorAnswer['data']['result']> => {
    const res = await query(headers, q);
    expect(res.status).toBe(200);
    return ((await res.json()) as VectorAnswer).data.result;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-up-tenants-'));
    // Cost 4: the test pays bcrypt once per user, not the realistic cost of 10.
    const hash = bcrypt.hashSync(PASSWORD, 4);
    await writeFile(join(dir, 'web.yml'), `basic_auth_users:\n  alice: ${hash}\n  gateway: ${hash}\n  ops: ${hash}\n`);
    await writeFile(
      join(dir, 'tidemark.yml'),
      [
        'bus:',
        '  partitions: 2',
        'store:',
        '  flush_interval_ms: 100',
        'tenants:',
        '  enabled: true',
        '  users:',
        '    alice: team-a',
        '  operators: [ops]',
        '  overrides:',
        '    rate-limited: { ingestion_rate: 5, ingestion_burst_size: 5 }',
        '    series-limited: { max_active_series: 3 }',
        '    query-limited: { max_query_samples: 3 }',
        '',
      ].join('\n'),
    );
    up = await startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data'), '--web.config.file', join(dir, 'web.yml')]);
  });
  afterAll(async () => {
    if (up !== undefined) expect(await up.stop('SIGTERM')).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it('gives each of two tenants writing the same series names only its own series, in every read API', async () => {
    const now = Date.now();
    expect((await write(as('alice'), [`cpu,host=a usage=1 ${now}`])).status).toBe(204);
    expect((await write(as('gateway', 'team-b'), [`cpu,host=a usage=2 ${now}`])).status).toBe(204);

    const a = await waitFor(async () => {
      const r = await vector(as('alice'), 'cpu_usage');
      return r.length > 0 ? r : undefined;
    });
    const b = await waitFor(async () => {
      const r = await vector(as('gateway', 'team-b'), 'cpu_usage');
      return r.length > 0 ? r : undefined;
    });
    expect(a.map((s) => [s.metric.tenant_id, s.metric.host, s.value[1]])).toEqual([['team-a', 'a', '1']]);
    expect(b.map((s) => [s.metric.tenant_id, s.metric.host, s.value[1]])).toEqual([['team-b', 'a', '2']]);
    // Aggregations see one tenant's series too; the same user may name its own tenant in the header.
    expect((await vector(as('alice', 'team-a'), 'sum(cpu_usage)')).map((s) => s.value[1])).toEqual(['1']);

    const form = await fetch(`${up.url}/api/v1/query`, {
      method: 'POST',
      headers: { ...as('gateway', 'team-b'), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: 'cpu_usage' }),
    });
    expect(((await form.json()) as VectorAnswer).data.result.map((s) => s.value[1])).toEqual(['2']);

    const range = await fetch(`${up.url}/api/v1/query_range?query=cpu_usage&start=${(now - 60_000) / 1000}&end=${(now + 1000) / 1000}&step=1`, { headers: as('alice') });
    const matrix = (await range.json()) as { data: { result: Array<{ metric: Record<string, string> }> } };
    expect(matrix.data.result.map((s) => s.metric.tenant_id)).toEqual(['team-a']);

    const series = (await (await fetch(`${up.url}/api/v1/series?match[]=cpu_usage`, { headers: as('gateway', 'team-b') })).json()) as { data: Array<Record<string, string>> };
    expect(series.data.map((s) => s.tenant_id)).toEqual(['team-b']);

    const values = (await (await fetch(`${up.url}/api/v1/label/tenant_id/values`, { headers: as('alice') })).json()) as { data: string[] };
    expect(values.data).toEqual(['team-a']);
    const names = (await (await fetch(`${up.url}/api/v1/labels`, { headers: as('alice') })).json()) as { data: string[] };
    expect(names.data).toContain('host');

    const federate = await (await fetch(`${up.url}/federate?match[]=${encodeURIComponent('{__name__="cpu_usage"}')}`, { headers: as('gateway', 'team-b') })).text();
    expect(federate).toContain('tenant_id="team-b"');
    expect(federate).not.toContain('team-a');

    const read = ReadRequestType.encode({ queries: [{ startTimestampMs: now - 60_000, endTimestampMs: now + 1000, matchers: [{ type: 0, name: '__name__', value: 'cpu_usage' }] }] }).finish();
    const readRes = await fetch(`${up.url}/api/v1/read`, {
      method: 'POST',
      headers: { ...as('alice'), 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      body: snappyBlockCompress(read),
    });
    expect(readRes.status).toBe(200);
    const decoded = ReadResponseType.toObject(ReadResponseType.decode(snappyBlockUncompress(new Uint8Array(await readRes.arrayBuffer()))), { longs: Number }) as {
      results: Array<{ timeseries: Array<{ labels: Array<{ name: string; value: string }>; samples: Array<{ value: number }> }> }>;
    };
    const ts = decoded.results[0].timeseries;
    expect(ts.map((s) => s.labels.find((l) => l.name === 'tenant_id')?.value)).toEqual(['team-a']);
    expect(ts[0].samples.map((s) => s.value)).toEqual([1]);
  });

  it('overwrites a tenant label the sender forged, and a selector naming another tenant selects nothing of it', async () => {
    const now = Date.now();
    expect((await write(as('gateway', 'team-c'), [`forged,host=x,tenant_id=team-a v=3 ${now}`])).status).toBe(204);
    const own = await waitFor(async () => {
      const r = await vector(as('gateway', 'team-c'), 'forged_v');
      return r.length > 0 ? r : undefined;
    });
    expect(own.map((s) => s.metric.tenant_id)).toEqual(['team-c']);
    expect(await vector(as('alice'), 'forged_v')).toEqual([]);
    expect(await vector(as('gateway', 'team-c'), 'cpu_usage{tenant_id="team-a"}')).toEqual([]);

    // The same through remote_write and the import endpoint.
    const rw = await fetch(`${up.url}/api/v1/write`, {
      method: 'POST',
      headers: { ...as('gateway', 'team-c'), 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      body: snappyWriteRequest({ timeseries: [{ labels: pbLabels({ __name__: 'rw_forged', tenant_id: 'team-a' }), samples: [{ value: 4, timestamp: now }] }] }),
    });
    expect(rw.status).toBe(204);
    const imported = await fetch(`${up.url}/api/v1/import/prometheus`, { method: 'POST', headers: as('gateway', 'team-c'), body: `imp_forged{tenant_id="team-a"} 5 ${now}\n` });
    expect(imported.status).toBe(204);
    const both = await waitFor(async () => {
      const r = await vector(as('gateway', 'team-c'), '{__name__=~"rw_forged|imp_forged"}');
      return r.length === 2 ? r : undefined;
    });
    expect(both.map((s) => `${s.metric.__name__}/${s.metric.tenant_id}`).sort()).toEqual(['imp_forged/team-c', 'rw_forged/team-c']);
    expect(await vector(as('alice'), '{__name__=~"rw_forged|imp_forged"}')).toEqual([]);
    expect(await vector(as('gateway', 'team-c'), 'cpu_usage{tenant_id=~".+"}')).toEqual([]);
  });

  it('refuses a request that names no tenant with 401 and a mapped user naming another tenant with 403, and lets an operator read across tenants', async () => {
    const none = await query(as('gateway'), 'up');
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: string }).error).toContain('no org id');
    expect((await write(as('gateway'), [`cpu,host=z usage=1 ${Date.now()}`])).status).toBe(401);
    expect((await query(as('alice', 'team-b'), 'up')).status).toBe(403);
    expect((await query(as('gateway', 'a|b'), 'up')).status).toBe(400);
    // An operator naming no tenant sees every tenant; naming one, that tenant's series only.
    expect((await vector(as('ops'), 'cpu_usage')).map((s) => s.metric.tenant_id).sort()).toEqual(['team-a', 'team-b']);
    expect((await vector(as('ops', 'team-b'), 'cpu_usage')).map((s) => s.metric.tenant_id)).toEqual(['team-b']);
    // The process endpoints need no tenant.
    expect((await fetch(`${up.url}/-/healthy`, { headers: as('gateway') })).status).toBe(200);
  });

  it('keeps two tenants\' Pushgateway groups of the same job apart', async () => {
    const push = (tenant: string, value: number): Promise<Response> =>
      fetch(`${up.url}/metrics/job/batch`, { method: 'PUT', headers: as('gateway', tenant), body: `batch_done ${value}\n` });
    expect((await push('team-a', 10)).status).toBe(200);
    expect((await push('team-b', 20)).status).toBe(200);
    const a = await waitFor(async () => {
      const r = await vector(as('alice'), 'batch_done');
      return r.length > 0 ? r : undefined;
    });
    expect(a.map((s) => [s.metric.tenant_id, s.value[1]])).toEqual([['team-a', '10']]);
    const b = await vector(as('gateway', 'team-b'), 'batch_done');
    expect(b.map((s) => [s.metric.tenant_id, s.value[1]])).toEqual([['team-b', '20']]);
    const forged = await fetch(`${up.url}/metrics/job/batch/tenant_id/team-a`, { method: 'PUT', headers: as('gateway', 'team-b'), body: 'batch_done 1\n' });
    expect(forged.status).toBe(400);
    // The Pushgateway's listing shows every group of every tenant.
    expect((await fetch(`${up.url}/api/v1/metrics`, { headers: as('gateway', 'team-b') })).status).toBe(403);
  });

  it('answers 429 to a tenant over its ingestion rate, its active series or its query samples, and not to another', async () => {
    const now = Date.now();
    const lines = (n: number, metric: string): string[] => Array.from({ length: n }, (_, i) => `${metric},i=${i} v=${i} ${now}`);
    const rate = await write(as('gateway', 'rate-limited'), lines(6, 'burst'));
    expect(rate.status).toBe(429);
    expect(await rate.text()).toContain('ingestion rate limit');
    expect((await write(as('gateway', 'team-b'), lines(6, 'burst'))).status).toBe(204);

    expect((await write(as('gateway', 'series-limited'), lines(3, 'many'))).status).toBe(204);
    const series = await write(as('gateway', 'series-limited'), lines(4, 'many'));
    expect(series.status).toBe(429);
    expect(await series.text()).toContain('series limit of 3');

    expect((await write(as('gateway', 'query-limited'), lines(4, 'wide'))).status).toBe(204);
    await waitFor(async () => ((await vector(as('gateway', 'query-limited'), 'count(wide_v{i="0"})')).length > 0 ? true : undefined));
    const over = await query(as('gateway', 'query-limited'), 'sum(wide_v)');
    expect(over.status).toBe(429);
    expect(((await over.json()) as { error: string }).error).toContain('max_query_samples');
  });

  it('shows each tenant\'s samples received, active series and queries on /metrics', async () => {
    const text = await (await fetch(`${up.url}/metrics`, { headers: as('gateway') })).text();
    expect(text).toMatch(/tidemark_tenant_samples_received_total\{tenant="team-a"\} [1-9]/);
    expect(text).toMatch(/tidemark_tenant_active_series\{tenant="series-limited"\} 3\b/);
    expect(text).toMatch(/tidemark_tenant_queries_total\{tenant="team-b",endpoint="query"\} [1-9]/);
    expect(text).toMatch(/tidemark_tenant_limit_refusals_total\{tenant="rate-limited",limit="ingestion_rate"\} 1\b/);
    expect(text).toMatch(/tidemark_tenant_requests_refused_total\{reason="no_tenant"\} [1-9]/);
  });
});

describe('tidemark up with tenants\' rules, alerts and silences', () => {
  let dir: string;
  let up: RunningCli;
  let hook: Server;
  const notified: Array<{ receiver: string; alerts: Array<{ status: string; labels: Record<string, string> }> }> = [];
  const tenantRules = `groups:
  - name: load
    rules:
      - record: tenant:load:sum
        expr: sum(load_v)
      - alert: LoadHigh
        expr: tenant:load:sum > 5
`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-up-tenant-rules-'));
    hook = createServer((req, res) => {
      if (req.method === 'GET') {
        // Also a scrape target, for what arrives outside any request.
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('# HELP hook_requests_total Requests.\n# TYPE hook_requests_total counter\nhook_requests_total 1\n');
        return;
      }
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        notified.push(JSON.parse(body));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const hookAddress = `127.0.0.1:${(hook.address() as AddressInfo).port}`;
    const hookUrl = `http://${hookAddress}/hook`;
    for (const t of ['a', 'b']) {
      await mkdir(join(dir, t));
      await writeFile(join(dir, t, 'load.yml'), tenantRules);
    }
    await writeFile(join(dir, 'alertmanager.yml'), `route:\n  receiver: hook\n  group_wait: 0s\nreceivers:\n  - name: hook\n    webhook_configs: [{ url: '${hookUrl}' }]\n`);
    await writeFile(join(dir, 'am-team-c.yml'), `route:\n  receiver: c-hook\n  group_wait: 0s\nreceivers:\n  - name: c-hook\n    webhook_configs: [{ url: '${hookUrl}' }]\n`);
    await writeFile(
      join(dir, 'tidemark.yml'),
      [
        'global:',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: hook',
        '    scrape_interval: 1s',
        `    static_configs: [{ targets: ['${hookAddress}'] }]`,
        'alerting:',
        '  alertmanager_config_file: alertmanager.yml',
        'bus:',
        '  partitions: 1',
        'store:',
        '  flush_interval_ms: 100',
        'rules:',
        '  allowed_lateness_ms: 0',
        '  idle_timeout_ms: 500',
        'tenants:',
        '  enabled: true',
        '  rule_files:',
        "    team-a: ['a/*.yml']",
        "    team-b: ['b/*.yml']",
        '  alertmanager_configs:',
        '    team-c: am-team-c.yml',
        '',
      ].join('\n'),
    );
    up = await startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]);
  });
  afterAll(async () => {
    if (up !== undefined) expect(await up.stop('SIGTERM')).toBe(0);
    await new Promise<void>((r) => hook.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  const tenant = (t: string): Record<string, string> => ({ 'x-scope-orgid': t });
  const json = async <T>(path: string, t: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${up.url}${path}`, { ...init, headers: { ...tenant(t), ...(init.headers as Record<string, string>) } });
    expect(res.status, `${path} as ${t}`).toBe(200);
    return (await res.json()) as T;
  };

  it('evaluates a tenant\'s rules on its own series only, and its alerts carry the tenant to the notifier', async () => {
    const push = async (): Promise<void> => {
      const t = Date.now();
      await fetch(`${up.url}/write?precision=ms`, { method: 'POST', headers: tenant('team-a'), body: `load,host=x v=10 ${t}` });
      await fetch(`${up.url}/write?precision=ms`, { method: 'POST', headers: tenant('team-b'), body: `load,host=x v=1 ${t}` });
    };
    // Samples keep coming so event time advances.
    const pusher = setInterval(() => void push(), 300);
    try {
      await waitFor(async () => (notified.some((n) => n.alerts.some((a) => a.status === 'firing')) ? true : undefined), 30_000);
      const recorded = async (t: string): Promise<string[] | undefined> => {
        const r = (await json<VectorAnswer>(`/api/v1/query?query=${encodeURIComponent('tenant:load:sum')}`, t)).data.result;
        return r.length > 0 ? r.map((s) => `${s.metric.tenant_id}=${s.value[1]}`) : undefined;
      };
      expect(await waitFor(() => recorded('team-a'))).toEqual(['team-a=10']);
      expect(await waitFor(() => recorded('team-b'))).toEqual(['team-b=1']);
    } finally {
      clearInterval(pusher);
    }
    const firing = notified.flatMap((n) => n.alerts).filter((a) => a.status === 'firing');
    expect(new Set(firing.map((a) => `${a.labels.alertname}/${a.labels.tenant_id}`))).toEqual(new Set(['LoadHigh/team-a']));

    const alertsA = await json<{ data: { alerts: Array<{ labels: Record<string, string> }> } }>('/api/v1/alerts', 'team-a');
    expect(alertsA.data.alerts.map((a) => a.labels.tenant_id)).toEqual(['team-a']);
    expect((await json<{ data: { alerts: unknown[] } }>('/api/v1/alerts', 'team-b')).data.alerts).toEqual([]);
    const rulesB = await json<{ data: { groups: Array<{ rules: Array<{ name: string; labels: Record<string, string> }> }> } }>('/api/v1/rules', 'team-b');
    expect(rulesB.data.groups.flatMap((g) => g.rules.map((r) => `${r.name}/${r.labels.tenant_id}`))).toEqual(['tenant:load:sum/team-b', 'LoadHigh/team-b']);
    const amA = await json<Array<{ labels: Record<string, string> }>>('/api/v2/alerts', 'team-a');
    expect(amA.map((a) => `${a.labels.alertname}/${a.labels.tenant_id}`)).toEqual(['LoadHigh/team-a']);
    expect(await json<unknown[]>('/api/v2/alerts', 'team-b')).toEqual([]);
  });

  it('gives scraped samples and their metadata to default_tenant, and no other tenant the metadata', async () => {
    const scraped = await waitFor(async () => {
      const r = (await json<VectorAnswer>('/api/v1/query?query=up', 'anonymous')).data.result;
      return r.length > 0 ? r : undefined;
    });
    expect(scraped.map((s) => `${s.metric.job}/${s.metric.tenant_id}`)).toEqual(['hook/anonymous']);
    expect((await json<VectorAnswer>('/api/v1/query?query=up', 'team-a')).data.result).toEqual([]);
    const own = await waitFor(async () => {
      const m = (await json<{ data: Record<string, unknown> }>('/api/v1/metadata', 'anonymous')).data;
      return 'hook_requests_total' in m ? m : undefined;
    });
    expect(Object.keys(own)).toContain('hook_requests_total');
    const other = (await json<{ data: Record<string, unknown> }>('/api/v1/metadata', 'team-a')).data;
    expect(Object.keys(other)).not.toContain('hook_requests_total');
  });

  it('shows each tenant the HELP and TYPE it sent itself, not another tenant\'s of the same metric name', async () => {
    const now = Date.now();
    const push = (t: string, metadata: Array<{ type: number; metricFamilyName: string; help: string; unit: string }>): Promise<Response> =>
      fetch(`${up.url}/api/v1/write`, {
        method: 'POST',
        headers: { ...tenant(t), 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
        body: snappyWriteRequest({ timeseries: [{ labels: pbLabels({ __name__: 'jobs_done', job: 'batch' }), samples: [{ value: 1, timestamp: now }] }], metadata }),
      });
    // MetricType 1 is a counter, 2 a gauge.
    expect((await push('team-a', [{ type: 1, metricFamilyName: 'jobs_done', help: 'Jobs team A finished.', unit: '' }])).status).toBe(204);
    expect((await push('team-b', [{ type: 2, metricFamilyName: 'jobs_done', help: 'Jobs team B finished.', unit: '' }])).status).toBe(204);
    // team-c has series of that name and sent no metadata for it.
    expect((await push('team-c', [])).status).toBe(204);
    const metadataOf = async (t: string): Promise<Record<string, unknown>> => (await json<{ data: Record<string, unknown> }>('/api/v1/metadata?metric=jobs_done', t)).data;
    const a = await waitFor(async () => ((await metadataOf('team-a')).jobs_done !== undefined ? metadataOf('team-a') : undefined));
    const b = await waitFor(async () => ((await metadataOf('team-b')).jobs_done !== undefined ? metadataOf('team-b') : undefined));
    expect(a).toEqual({ jobs_done: [{ type: 'counter', help: 'Jobs team A finished.', unit: '' }] });
    expect(b).toEqual({ jobs_done: [{ type: 'gauge', help: 'Jobs team B finished.', unit: '' }] });
    await waitFor(async () => ((await json<VectorAnswer>('/api/v1/query?query=jobs_done', 'team-c')).data.result.length > 0 ? true : undefined));
    expect(await metadataOf('team-c')).toEqual({});
  });

  it('labels posted alerts with the poster\'s tenant, whatever label they carry', async () => {
    const startsAt = new Date().toISOString();
    const post = await fetch(`${up.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { ...tenant('team-b'), 'content-type': 'application/json' },
      body: JSON.stringify([{ labels: { alertname: 'Posted', tenant_id: 'team-a' }, startsAt }]),
    });
    expect(post.status).toBe(200);
    const b = await json<Array<{ labels: Record<string, string> }>>(`/api/v2/alerts?filter=${encodeURIComponent('alertname="Posted"')}`, 'team-b');
    expect(b.map((a) => a.labels.tenant_id)).toEqual(['team-b']);
    expect(await json<unknown[]>(`/api/v2/alerts?filter=${encodeURIComponent('alertname="Posted"')}`, 'team-a')).toEqual([]);
  });

  it('delivers the alerts of a tenant with an Alertmanager configuration of its own to its receiver only', async () => {
    const post = async (t: string, alertname: string): Promise<void> => {
      const res = await fetch(`${up.url}/api/v2/alerts`, {
        method: 'POST',
        headers: { ...tenant(t), 'content-type': 'application/json' },
        body: JSON.stringify([{ labels: { alertname }, startsAt: new Date().toISOString() }]),
      });
      expect(res.status).toBe(200);
    };
    await post('team-c', 'OwnRoute');
    await post('team-d', 'MainRoute');
    const byReceiver = async (): Promise<Map<string, string[]> | undefined> => {
      const m = new Map<string, string[]>();
      for (const n of notified) for (const a of n.alerts) if (a.labels.alertname === 'OwnRoute' || a.labels.alertname === 'MainRoute') m.set(n.receiver, [...(m.get(n.receiver) ?? []), `${a.labels.alertname}/${a.labels.tenant_id}`]);
      return m.size === 2 ? m : undefined;
    };
    const delivered = await waitFor(byReceiver);
    expect(delivered.get('c-hook')).toEqual(['OwnRoute/team-c']);
    expect(delivered.get('hook')).toEqual(['MainRoute/team-d']);
    expect(notified.filter((n) => n.receiver === 'c-hook').flatMap((n) => n.alerts.map((a) => a.labels.tenant_id))).toEqual(['team-c']);
    const status = async (t: string): Promise<string> => (await json<{ config: { original: string } }>('/api/v2/status', t)).config.original;
    expect(await status('team-c')).toContain('c-hook');
    expect(await status('team-d')).not.toContain('c-hook');
  });

  it('keeps a tenant\'s silences to its alerts and out of another tenant\'s reach', async () => {
    const now = Date.now();
    const silence = { matchers: [{ name: 'alertname', value: 'LoadHigh', isRegex: false }, { name: 'tenant_id', value: 'team-b', isRegex: false }], startsAt: new Date(now).toISOString(), endsAt: new Date(now + 3_600_000).toISOString(), createdBy: 'test', comment: 'forged tenant matcher' };
    const { silenceID } = await json<{ silenceID: string }>('/api/v2/silences', 'team-a', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(silence) });
    const own = await json<Array<{ id: string; matchers: Array<{ name: string; value: string }> }>>('/api/v2/silences', 'team-a');
    expect(own.map((s) => s.id)).toEqual([silenceID]);
    expect(own[0].matchers.find((m) => m.name === 'tenant_id')?.value).toBe('team-a');
    expect(await json<unknown[]>('/api/v2/silences', 'team-b')).toEqual([]);

    expect((await fetch(`${up.url}/api/v2/silence/${silenceID}`, { headers: tenant('team-b') })).status).toBe(404);
    expect((await fetch(`${up.url}/api/v2/silence/${silenceID}`, { method: 'DELETE', headers: tenant('team-b') })).status).toBe(404);
    const takeover = await fetch(`${up.url}/api/v2/silences`, { method: 'POST', headers: { ...tenant('team-b'), 'content-type': 'application/json' }, body: JSON.stringify({ ...silence, id: silenceID }) });
    expect(takeover.status).toBe(404);
    expect((await fetch(`${up.url}/api/v2/silence/${silenceID}`, { method: 'DELETE', headers: tenant('team-a') })).status).toBe(200);
  });
});
