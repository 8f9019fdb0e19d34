import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import SnappyJS from 'snappyjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadRequestType, ReadResponseType } from '../../pipeline/query/index.js';
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
    await writeFile(join(dir, 'web.yml'), `basic_auth_users:\n  alice: ${hash}\n  gateway: ${hash}\n`);
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
      body: SnappyJS.compress(read),
    });
    expect(readRes.status).toBe(200);
    const decoded = ReadResponseType.toObject(ReadResponseType.decode(SnappyJS.uncompress(new Uint8Array(await readRes.arrayBuffer()))), { longs: Number }) as {
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
    expect(await vector(as('gateway', 'team-c'), 'cpu_usage{tenant_id=~".+"}')).toEqual([]);
  });

  it('refuses a request that names no tenant with 401, and a mapped user naming another tenant with 403', async () => {
    const none = await query(as('gateway'), 'up');
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: string }).error).toContain('no org id');
    expect((await write(as('gateway'), [`cpu,host=z usage=1 ${Date.now()}`])).status).toBe(401);
    expect((await query(as('alice', 'team-b'), 'up')).status).toBe(403);
    expect((await query(as('gateway', 'a|b'), 'up')).status).toBe(400);
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
