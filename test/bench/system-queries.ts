import { cpuMs } from './peers/index.js';

/** The system benchmark's dashboard: query_range over the whole ingested range. */
export const SYSTEM_QUERIES: readonly { readonly name: string; readonly query: string }[] = [
  { name: 'cpu by mode', query: 'sum by (mode) (rate(node_cpu_seconds_total[5m]))' },
  { name: 'top 5 instances by request rate', query: 'topk(5, sum by (instance) (rate(http_requests_total[5m])))' },
  { name: 'p99 latency by handler (classic histogram)', query: 'histogram_quantile(0.99, sum by (le, handler) (rate(http_request_duration_seconds_bucket[5m])))' },
  { name: 'one series by exact labels', query: 'node_cpu_seconds_total{instance="host-001:9100",job="node",cpu="0",mode="user"}' },
  { name: 'regex over 50 hosts, rate summed by instance', query: 'sum by (instance) (rate(node_network_receive_bytes_total{instance=~"host-0[0-4][0-9]:9100"}[5m]))' },
  { name: 'avg_over_time of load1', query: 'avg_over_time(node_load1[10m])' },
  { name: 'error ratio', query: 'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))' },
  { name: 'filesystem ratio', query: '1 - max by (instance) (node_filesystem_avail_bytes / node_filesystem_size_bytes)' },
  { name: 'series count by job', query: 'count by (job) ({job=~"n.*|a.*"})' },
];

/** A query_range answer: points by series (label set as canonical JSON), timestamps in seconds. */
export type RangeAnswer = Map<string, Map<number, number>>;

export interface QueryTarget {
  readonly url: string;
  /** Process ids whose CPU the query costs (the server and any shards it reads). */
  readonly pids: readonly number[];
  /** Extra parameters (VictoriaMetrics: nocache=1). */
  readonly params?: Readonly<Record<string, string>>;
}

function seriesKey(metric: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.keys(metric).sort().map((k) => [k, metric[k]]));
}

/** Runs one query_range; returns wall milliseconds, server CPU milliseconds and the answer. */
export async function rangeQuery(t: QueryTarget, query: string, startMs: number, endMs: number, stepMs: number): Promise<{ ms: number; cpu: number; answer: RangeAnswer }> {
  const body = new URLSearchParams({ query, start: String(startMs / 1000), end: String(endMs / 1000), step: String(stepMs / 1000), ...t.params });
  const cpu = (): number => t.pids.reduce((a, p) => a + cpuMs(p), 0);
  const c0 = cpu();
  const t0 = performance.now();
  const res = await fetch(`${t.url}/api/v1/query_range`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  const text = await res.text();
  const ms = performance.now() - t0;
  const used = cpu() - c0;
  const j = JSON.parse(text) as { status: string; error?: string; data?: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
  if (j.status !== 'success') throw new Error(`${t.url}: ${query}: ${j.error ?? text.slice(0, 200)}`);
  const answer: RangeAnswer = new Map();
  for (const r of j.data!.result) answer.set(seriesKey(r.metric), new Map(r.values.map(([ts, v]) => [ts, Number(v)])));
  return { ms, cpu: used, answer };
}

/** An instant query's single scalar-like value (the first result's), or undefined when empty. */
export async function instantValue(url: string, query: string, timeMs: number, params: Readonly<Record<string, string>> = {}): Promise<number | undefined> {
  const body = new URLSearchParams({ query, time: String(timeMs / 1000), ...params });
  const res = await fetch(`${url}/api/v1/query`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  const j = (await res.json()) as { status: string; error?: string; data?: { result: { value: [number, string] }[] } };
  if (j.status !== 'success') throw new Error(`${url}: ${query}: ${j.error}`);
  const r = j.data!.result[0];
  return r === undefined ? undefined : Number(r.value[1]);
}

/**
 * How `got` differs from `want` (Prometheus' answer): series missing or extra, points missing or
 * extra, values further apart than a relative 1e-9 (float sums in another order). "" when equal.
 */
export function compareAnswers(got: RangeAnswer, want: RangeAnswer): string {
  let missingSeries = 0;
  let extraSeries = 0;
  let missingPoints = 0;
  let extraPoints = 0;
  let differ = 0;
  let points = 0;
  let worst = 0;
  for (const [k, w] of want) {
    const g = got.get(k);
    points += w.size;
    if (g === undefined) {
      missingSeries++;
      continue;
    }
    for (const [ts, v] of w) {
      const x = g.get(ts);
      if (x === undefined) missingPoints++;
      else if (!(x === v || (Number.isNaN(x) && Number.isNaN(v)))) {
        const rel = Math.abs(x - v) / Math.max(Math.abs(x), Math.abs(v));
        if (!(rel <= 1e-9)) {
          differ++;
          worst = Math.max(worst, Number.isFinite(rel) ? rel : Infinity);
        }
      }
    }
    for (const ts of g.keys()) if (!w.has(ts)) extraPoints++;
  }
  for (const k of got.keys()) if (!want.has(k)) extraSeries++;
  const parts: string[] = [];
  if (missingSeries > 0) parts.push(`${missingSeries} of ${want.size} series missing`);
  if (extraSeries > 0) parts.push(`${extraSeries} extra series`);
  if (missingPoints > 0) parts.push(`${missingPoints} of ${points} points missing`);
  if (extraPoints > 0) parts.push(`${extraPoints} extra points`);
  if (differ > 0) parts.push(`${differ} of ${points} values differ (largest relative difference ${worst.toPrecision(2)})`);
  return parts.join(', ');
}
