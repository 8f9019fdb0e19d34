import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, waitFor, type RunningCli } from '../e2e/cli-process.js';
import { launchBrowser, openPage, screenshot } from './browser.js';

/** What the graph element exposes (ops/web-ui/app/query/graph.tsx): the uPlot instance it draws with. */
interface PlotView {
  labels: string[];
  data: Array<Array<number | null>>;
}

interface RangeAnswer {
  data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
}

const HOSTS = ['a', 'b', 'c'];

// A target that refuses connections (port 9, discard) and rules over the written samples: at the
// last step ui_demo_value is 10, 20 and 30, so UiDemoHigh fires for b and c and UiDemoVeryHigh
// waits (pending) for c.
const CONFIG = `global:
  scrape_interval: 1s
  evaluation_interval: 1m
rule_files: ['rules.yml']
scrape_configs:
  - job_name: unreachable
    static_configs: [{ targets: ['127.0.0.1:9'], labels: { team: ui } }]
bus:
  partitions: 2
store:
  flush_interval_ms: 100
rules:
  allowed_lateness_ms: 0
  idle_timeout_ms: 500
`;
const RULES = `groups:
  - name: ui
    rules:
      - record: host:ui_demo_value:double
        expr: ui_demo_value * 2
      - alert: UiDemoHigh
        expr: ui_demo_value > 15
        labels: { severity: page }
        annotations: { summary: 'ui_demo_value of {{ $labels.host }} is {{ $value }}' }
      - alert: UiDemoVeryHigh
        expr: ui_demo_value > 25
        for: 1h
`;
const MINUTE = 60_000;
const LATENCY_BUCKETS: ReadonlyArray<readonly [string, number]> = [['0.1', 10], ['0.5', 30], ['1', 40], ['+Inf', 40]];

describe("tidemark up's web UI in chromium (Prometheus pages)", () => {
  let dir: string;
  let up: RunningCli;
  let browser: Browser;
  /** The samples written: ui_demo_value{host=H} = k * (index of H + 1) at t0 + k minutes, k = 0..10. */
  let t0: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-web-ui-'));
    await writeFile(join(dir, 'tidemark.yml'), CONFIG);
    await writeFile(join(dir, 'rules.yml'), RULES);
    up = await startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]);
    t0 = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
    const lines: string[] = [];
    for (let k = 0; k <= 10; k++) HOSTS.forEach((h, i) => lines.push(`ui_demo,host=${h} value=${k * (i + 1)} ${t0 + k * MINUTE}`));
    // A classic histogram whose median is 0.3 throughout: 10 of 40 at most 0.1, 30 at most 0.5.
    for (let k = 0; k <= 10; k++) {
      for (const [le, n] of LATENCY_BUCKETS) lines.push(`ui_latency,le=${le} bucket=${n} ${t0 + k * MINUTE}`);
    }
    const res = await fetch(`${up.url}/write?precision=ms`, { method: 'POST', body: lines.join('\n') });
    expect(res.status).toBe(204);
    await waitFor(async () => {
      const body = (await (await fetch(`${up.url}/api/v1/query?query=count(ui_demo_value)`)).json()) as { data: { result: Array<{ value: [number, string] }> } };
      return body.data.result[0]?.value[1] === '3' ? true : undefined;
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    if (up !== undefined) expect(await up.stop('SIGTERM')).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it('redirects / to the query page, with Query, Alerts and the Status menu in the navigation bar', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${up.url}/`);
    await page.waitForURL(/\/query$/);
    const nav = page.locator('nav.navbar');
    await expect.poll(() => nav.textContent()).toContain('Status');
    expect(await nav.textContent()).toContain('Query');
    expect(await nav.textContent()).toContain('Alerts');
    await page.getByRole('button', { name: /Status/ }).click();
    await page.getByRole('menuitem', { name: 'Command-line flags' }).click();
    await page.waitForURL(/\/flags$/);
    await expect.poll(() => page.locator('[data-testid=flags]').textContent()).toContain('--query.timeout');
    await screenshot(page, 'flags');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws the series of a /graph?g0.expr= URL with the points the query API returns for the same range', async () => {
    const { page, errors } = await openPage(browser);
    const end = t0 + 10 * MINUTE;
    const endInput = new Date(end).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
    const search = new URLSearchParams({ 'g0.expr': 'ui_demo_value', 'g0.tab': '0', 'g0.range_input': '15m', 'g0.end_input': endInput, 'g0.step_input': '60' });
    await page.goto(`${up.url}/graph?${search}`);
    const graph = page.locator('[data-testid=graph]');
    await graph.waitFor();
    const plot = await graph.evaluate((el: { uplot?: { series: Array<{ label?: string }>; data: Array<ArrayLike<number | null>> } }): PlotView | undefined => {
      const u = el.uplot;
      return u === undefined ? undefined : { labels: u.series.slice(1).map((s) => s.label ?? ''), data: u.data.map((col) => Array.from(col)) };
    });
    expect(plot).toBeDefined();
    expect(plot!.labels).toEqual(HOSTS.map((h) => `ui_demo_value{host="${h}"}`));

    // The steps are start, start + 1m, ..., end: 16 of them, the first 5 before any sample.
    const start = end - 15 * MINUTE;
    expect(plot!.data[0]).toEqual(Array.from({ length: 16 }, (_, j) => (start + j * MINUTE) / 1000));
    HOSTS.forEach((_, i) => expect(plot!.data[i + 1]).toEqual([null, null, null, null, null, ...Array.from({ length: 11 }, (_, k) => k * (i + 1))]));

    const api = (await (
      await fetch(`${up.url}/api/v1/query_range?${new URLSearchParams({ query: 'ui_demo_value', start: String(start / 1000), end: String(end / 1000), step: '60' })}`)
    ).json()) as RangeAnswer;
    for (const [i, s] of api.data.result.entries()) {
      for (const [t, v] of s.values) expect(plot!.data[i + 1][plot!.data[0].indexOf(t)]).toBe(Number(v));
    }
    await expect.poll(() => page.locator('[data-testid=stats]').textContent()).toMatch(/Result series: 3 · Samples: \d+/);
    await screenshot(page, 'graph');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws a second panel of the URL stacked, histogram_quantile as a line, and shows the values under the cursor in the legend', async () => {
    const { page, errors } = await openPage(browser);
    const end = t0 + 10 * MINUTE;
    const endInput = new Date(end).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
    const search = new URLSearchParams({
      'g0.expr': 'histogram_quantile(0.5, ui_latency_bucket)', 'g0.tab': 'graph', 'g0.range_input': '10m', 'g0.end_input': endInput, 'g0.step_input': '60',
      'g1.expr': 'ui_demo_value', 'g1.tab': 'graph', 'g1.range_input': '10m', 'g1.end_input': endInput, 'g1.step_input': '60', 'g1.stacked': '1',
    });
    await page.goto(`${up.url}/graph?${search}`);
    const read = (panel: number) =>
      page.locator(`[data-testid=panel-${panel}] [data-testid=graph]`).evaluate((el: { uplot?: { series: Array<{ label?: string }>; data: Array<ArrayLike<number | null>> } }) =>
        el.uplot === undefined ? undefined : { labels: el.uplot.series.slice(1).map((x) => x.label ?? ''), data: el.uplot.data.map((c) => Array.from(c)) },
      );
    await expect.poll(() => read(0)).toBeDefined();
    const quantile = (await read(0))!;
    expect(quantile.labels).toEqual(['{}']);
    // 0.1 + (0.5 - 0.1) * (20 - 10) / (30 - 10), in floating point as PromQL computes it.
    expect(quantile.data[1]).toHaveLength(11);
    for (const v of quantile.data[1]) expect(v).toBeCloseTo(0.3, 12);

    await expect.poll(() => read(1)).toBeDefined();
    const stacked = (await read(1))!;
    // Drawn as running sums a, a+b, a+b+c: 1k, 3k, 6k at minute k.
    expect(stacked.data.slice(1)).toEqual([1, 3, 6].map((f) => Array.from({ length: 11 }, (_, k) => f * k)));
    expect(await page.locator('[data-testid=panel-1] [data-testid=stacked]').isChecked()).toBe(true);

    // The legend shows each series' own value where the cursor is, not the stacked sum.
    const over = page.locator('[data-testid=panel-1] .u-over');
    const box = (await over.boundingBox())!;
    await over.hover({ position: { x: box.width * 0.7, y: box.height / 2 } });
    const idx = await page.locator('[data-testid=panel-1] [data-testid=graph]').evaluate((el: { uplot?: { cursor: { idx?: number | null } } }) => el.uplot?.cursor.idx ?? null);
    expect(idx).not.toBeNull();
    const legend = await page.locator('[data-testid=panel-1] .u-legend .u-series .u-value').allTextContents();
    expect(legend.slice(1)).toEqual(HOSTS.map((_, i) => String(idx! * (i + 1))));
    await screenshot(page, 'graph-panels');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('runs an expression typed into the editor as a table and writes it into the shareable URL', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${up.url}/query`);
    const editor = page.locator('[data-testid=expression] .cm-content');
    await editor.click();
    await page.keyboard.type('ui_demo_value * 2');
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=execute]').click();
    const rows = page.locator('[data-testid=table] tr');
    await expect.poll(() => rows.count()).toBe(3);
    const cells = await rows.evaluateAll((trs: Array<{ cells: ArrayLike<{ textContent: string | null }> }>) => trs.map((tr) => Array.from(tr.cells, (c) => c.textContent ?? '')));
    expect(cells).toEqual(HOSTS.map((h, i) => [`{host="${h}"}`, String(2 * 10 * (i + 1))]));
    const url = new URL(page.url());
    expect(url.pathname).toBe('/query');
    expect(url.searchParams.get('g0.expr')).toBe('ui_demo_value * 2');
    expect(url.searchParams.get('g0.tab')).toBe('table');
    await screenshot(page, 'table');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('widens the range with +, narrows it with -, and adds a panel, each written into the URL', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${up.url}/graph?g0.expr=ui_demo_value&g0.tab=graph&g0.range_input=1h`);
    await page.locator('[data-testid=graph]').waitFor();
    const param = (k: string) => new URL(page.url()).searchParams.get(k);
    await page.getByTitle('Widen the time range').click();
    await expect.poll(() => param('g0.range_input')).toBe('2h');
    expect(await page.locator('[data-testid=range]').inputValue()).toBe('2h');
    await page.getByTitle('Shrink the time range').click();
    await page.getByTitle('Shrink the time range').click();
    await expect.poll(() => param('g0.range_input')).toBe('30m');
    await page.locator('[data-testid=range]').fill('3h');
    await page.locator('[data-testid=range]').press('Enter');
    await expect.poll(() => param('g0.range_input')).toBe('3h');
    await page.locator('[data-testid=add-panel]').click();
    await expect.poll(() => page.locator('[data-testid=panel-1]').count()).toBe(1);
    expect(param('g1.expr')).toBe('');
    expect(param('g0.expr')).toBe('ui_demo_value');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('completes metric names in the expression editor from the server', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${up.url}/query`);
    await page.locator('[data-testid=expression] .cm-content').click();
    await page.keyboard.type('ui_dem');
    const options = page.locator('.cm-tooltip-autocomplete li');
    await expect.poll(() => options.allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('ui_demo_value')]));
    expect(errors).toEqual([]);
    await page.close();
  });
  it('shows target health with the last scrape error, and the labels before relabeling on demand', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${up.url}/targets`);
    const row = page.locator('[data-pool=unreachable] tr.target');
    await expect.poll(() => row.getAttribute('data-health')).toBe('down');
    expect(await row.locator('.error-cell').textContent()).not.toBe('');
    expect(await row.textContent()).toContain('team="ui"');
    expect(await row.textContent()).not.toContain('__address__');
    await row.getByRole('button', { name: /labels before relabeling/ }).click();
    expect(await row.locator('.before-relabeling').textContent()).toContain('__address__="127.0.0.1:9"');
    await screenshot(page, 'targets');

    await page.goto(`${up.url}/service-discovery`);
    await expect.poll(() => page.locator('[data-testid=service-discovery]').textContent()).toContain('__address__="127.0.0.1:9"');
    expect(await page.locator('[data-testid=service-discovery]').textContent()).toContain('instance="127.0.0.1:9"');
    await screenshot(page, 'service-discovery');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lists rule health and the alerts that fire and wait, with their labels and annotations', async () => {
    await waitFor(async () => {
      const body = (await (await fetch(`${up.url}/api/v1/alerts`)).json()) as { data: { alerts: unknown[] } };
      return body.data.alerts.length === 3 ? true : undefined;
    });
    const { page, errors } = await openPage(browser);
    await page.goto(`${up.url}/rules`);
    const rules = page.locator('[data-testid=rules] tr.rule');
    await expect.poll(() => rules.count()).toBe(3);
    expect(await rules.evaluateAll((trs: Array<{ dataset: Record<string, string> }>) => trs.map((t) => t.dataset.health))).toEqual(['ok', 'ok', 'ok']);
    expect(await page.locator('[data-testid=rules]').textContent()).toContain('host:ui_demo_value:double');
    await screenshot(page, 'rules');

    await page.goto(`${up.url}/alerts`);
    const high = page.locator('.alert-rule', { hasText: 'UiDemoHigh' });
    await expect.poll(() => high.getAttribute('data-state')).toBe('firing');
    const firing = high.locator('tr.alert');
    expect(await firing.count()).toBe(2);
    expect(await firing.nth(0).textContent()).toContain('host="b"');
    expect(await firing.nth(0).textContent()).toContain('ui_demo_value of b is 20');
    expect(await firing.nth(1).textContent()).toContain('host="c"');
    const veryHigh = page.locator('.alert-rule', { hasText: 'UiDemoVeryHigh' });
    expect(await veryHigh.getAttribute('data-state')).toBe('pending');
    expect(await veryHigh.locator('tr.alert').count()).toBe(1);
    expect(await page.locator('[data-testid=active-alerts]').textContent()).toContain('2 firing, 1 pending');
    await screenshot(page, 'alerts');

    // Firing only: the pending rule is filtered out, and the filter is in the URL.
    await page.locator('[data-testid=show-pending]').uncheck();
    await expect.poll(() => veryHigh.count()).toBe(0);
    expect(new URL(page.url()).searchParams.getAll('state')).toEqual(['firing', 'inactive']);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows the configuration, the runtime and build information', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${up.url}/config`);
    await expect.poll(() => page.locator('[data-testid=config]').textContent()).toContain('job_name: unreachable');
    await screenshot(page, 'config');
    await page.goto(`${up.url}/status`);
    await expect.poll(() => page.locator('[data-testid=runtime-info]').textContent()).toContain('Working directory');
    const build = (await (await fetch(`${up.url}/api/v1/status/buildinfo`)).json()) as { data: { version: string } };
    expect(await page.locator('[data-testid=build-info]').textContent()).toContain(build.data.version);
    await screenshot(page, 'status');
    expect(errors).toEqual([]);
    await page.close();
  });
});
