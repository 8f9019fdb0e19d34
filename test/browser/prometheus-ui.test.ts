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
const MINUTE = 60_000;

describe("tidemark up's web UI in chromium (Prometheus pages)", () => {
  let dir: string;
  let up: RunningCli;
  let browser: Browser;
  /** The samples written: ui_demo_value{host=H} = k * (index of H + 1) at t0 + k minutes, k = 0..10. */
  let t0: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-web-ui-'));
    await writeFile(join(dir, 'tidemark.yml'), 'bus:\n  partitions: 2\nstore:\n  flush_interval_ms: 100\n');
    up = await startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]);
    t0 = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
    const lines: string[] = [];
    for (let k = 0; k <= 10; k++) HOSTS.forEach((h, i) => lines.push(`ui_demo,host=${h} value=${k * (i + 1)} ${t0 + k * MINUTE}`));
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
});
