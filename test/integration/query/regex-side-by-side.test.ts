import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareAnswers } from './compare-answers.js';
import { startSideBySide, type SideBySide } from './side-by-side-servers.js';
import { DATA_START, SAMPLES_PER_SERIES, type DataFamily } from './side-by-side-dataset.js';

// Label values RE2 and JavaScript regexes disagree on: case folding, Unicode, astral characters.
const GROUPS = ['production', 'Prod-eu', 'PRO', 'preprod', 'staging', 'Ωmega', 'kelvin-\u212a', 'emoji-😀', 'tail-end', 'x-Tail', '42'];

function dataset(): DataFamily[] {
  const series = GROUPS.map((group, g) => {
    const values = new Float64Array(SAMPLES_PER_SERIES);
    for (let i = 0; i < values.length; i++) values[i] = (g + 1) * i;
    return { labels: { __name__: 'http_requests_total', job: 'api', group }, values };
  });
  return [{ name: 'http_requests_total', type: 'counter', series }];
}

const QUERIES = [
  'rate(http_requests_total{group=~"((?i)PRO).*"}[1m])',
  'http_requests_total{group=~"(?i)pro.*"}',
  'http_requests_total{group!~"(?i).*tail.*"}',
  'http_requests_total{group=~"(?i).*K.*"}',
  'http_requests_total{group=~"\\\\pL+"}',
  'http_requests_total{group=~"\\\\p{Greek}.*"}',
  'http_requests_total{group=~"[[:^digit:]]+"}',
  'http_requests_total{group=~"[[:digit:]]+|staging"}',
  'http_requests_total{group=~"emoji-."}',
  'http_requests_total{group=~"\\\\Qx-Tail\\\\E|PRO"}',
  'http_requests_total{group=~"(?P<first>p)r.*"}',
  'http_requests_total{group=~".*\\\\z"}',
  'count by (short) (label_replace(http_requests_total, "short", "$1", "group", "(?i)(p).*"))',
];

const S = DATA_START / 1000;
const TIME = S + 3600 + 37;

let servers: SideBySide;
let prometheus: SideBySide['prometheus'];
let tidemark: SideBySide['tidemark'];

beforeAll(async () => {
  servers = await startSideBySide(dataset(), 'regex-side-by-side');
  ({ prometheus, tidemark } = servers);
}, 60_000);

afterAll(async () => {
  await servers?.close();
});

interface Answer {
  status: string;
  errorType?: string;
  error?: string;
  data: { resultType: string; result: Array<{ metric: Record<string, string> }> };
}

async function ask(base: string, query: string): Promise<{ status: number; body: Answer }> {
  const form = new URLSearchParams({ query, time: String(TIME) });
  const res = await fetch(`${base}/api/v1/query`, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  return { status: res.status, body: (await res.json()) as Answer };
}

describe('RE2 regex matchers through the query API over a TSDB, beside Prometheus', () => {
  it.each(QUERIES)('answer %s as Prometheus does', async (query) => {
    const [p, t] = await Promise.all([ask(prometheus.url, query), ask(tidemark.url, query)]);
    expect(p.body.status, JSON.stringify(p.body)).toBe('success');
    expect(p.body.data.result.length).toBeGreaterThan(0);
    expect(compareAnswers(p.body, t.body)).toEqual([]);
  });

  it('selects exactly the groups that start with pro in any case for ((?i)PRO).*', async () => {
    const t = await ask(tidemark.url, 'http_requests_total{group=~"((?i)PRO).*"}');
    const groups = t.body.data.result.map((r) => r.metric.group).sort();
    expect(groups).toEqual(['PRO', 'Prod-eu', 'production']);
  });

  it('rejects a lookahead with the status and message Prometheus gives', async () => {
    const query = 'http_requests_total{group=~"(?=x)"}';
    const [p, t] = await Promise.all([ask(prometheus.url, query), ask(tidemark.url, query)]);
    expect(p.status).toBe(400);
    expect(t.status).toBe(p.status);
    expect(t.body.errorType).toBe(p.body.errorType);
    expect(t.body.error).toBe(p.body.error);
  });
});
