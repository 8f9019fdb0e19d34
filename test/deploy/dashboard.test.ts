import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExpr } from '../../pipeline/promql/index.js';
import { startCli, waitFor, type RunningCli } from '../e2e/cli-process.js';

const DASHBOARD = fileURLToPath(new URL('../../ops/dashboards/tidemark.json', import.meta.url));

interface Panel {
  readonly type: string;
  readonly title: string;
  readonly targets?: Array<{ expr: string }>;
}

/** Metric names a PromQL expression selects, found by the engine's own parser. */
function metricNames(expr: string): string[] {
  // Grafana substitutes its interval variables before the query reaches the data source.
  const ast = parseExpr(expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '1m'));
  const names: string[] = [];
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const n = node as { type?: string; name?: string | null; matchers?: Array<{ name: string; value: string }> };
    if (n.type === 'vector_selector') {
      const name = n.name ?? n.matchers?.find((m) => m.name === '__name__')?.value;
      if (name === undefined || name === null) throw new Error(`selector without a metric name in ${expr}`);
      names.push(name);
    }
    for (const v of Object.values(node)) walk(v);
  };
  walk(ast);
  return names;
}

/** Metric names in a /metrics exposition, histogram and summary series under their family name too. */
function exportedNames(exposition: string): Set<string> {
  const out = new Set<string>();
  for (const m of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    out.add(m[1]);
    if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(m[1] + s);
    if (m[2] === 'summary') for (const s of ['_sum', '_count']) out.add(m[1] + s);
  }
  return out;
}

let panels: Panel[];
let dir: string;
let up: RunningCli;
beforeAll(async () => {
  panels = (JSON.parse(await readFile(DASHBOARD, 'utf8')) as { panels: Panel[] }).panels;
  dir = await mkdtemp(join(tmpdir(), 'tidemark-dashboard-'));
  // tidemark up runs every role in one process, so it exports every metric a role does.
  up = await startCli(['up', '--data', join(dir, 'data')]);
});
afterAll(async () => {
  await up?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the Tidemark Grafana dashboard', () => {
  it('has panels for ingest rate, bus lag, head series, query latency, rule evaluation lag and notifications', () => {
    const titles = panels.map((p) => p.title);
    for (const t of ['Ingest rate', 'Bus lag per partition', 'Store head series', 'Query latency', 'Rule evaluation lag', 'Notifications']) {
      expect(titles).toContain(t);
    }
  });

  it('queries only with PromQL that parses', () => {
    const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(panels.filter((p) => p.type !== 'row').length);
    for (const e of exprs) expect(() => metricNames(e), e).not.toThrow();
  });

  it('uses only metric names that tidemark exports on /metrics', async () => {
    const exported = exportedNames(await (await fetch(`${up.url}/metrics`)).text());
    // The comparison can fail: the exposition is Tidemark's (build info), with each role's metrics.
    expect(exported).toContain('tidemark_build_info');
    const used = new Set(panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(t.expr))));
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((n) => !exported.has(n))).toEqual([]);
  });

  it('shows query latency from a histogram that records every query API request by handler', async () => {
    const res = await fetch(`${up.url}/api/v1/query?query=${encodeURIComponent('vector(1)')}`);
    expect(res.status).toBe(200);
    await res.text();
    const count = await waitFor(async () => {
      const text = await (await fetch(`${up.url}/metrics`)).text();
      const m = /^tidemark_query_request_duration_seconds_count\{handler="\/api\/v1\/query"\} (\d+)/m.exec(text);
      return m && Number(m[1]) >= 1 ? Number(m[1]) : undefined;
    });
    expect(count).toBeGreaterThanOrEqual(1);
  });
});
