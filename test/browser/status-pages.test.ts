import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, waitFor, type RunningCli } from '../e2e/cli-process.js';
import { launchBrowser, openPage, screenshot } from './browser.js';

interface TsdbStatus {
  data: { headStats: { numSeries: number }; seriesCountByMetricName: { name: string; value: number }[] };
}

describe("tidemark up's web UI in chromium (TSDB status, Pushgateway and bus pages)", () => {
  let dir: string;
  let up: RunningCli;
  let browser: Browser;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-web-ui-status-'));
    await writeFile(join(dir, 'tidemark.yml'), 'global: { scrape_interval: 1s }\nbus: { partitions: 2 }\nstore: { flush_interval_ms: 100 }\n');
    up = await startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]);
    // 12 series of ui_card_a over 4 zones, 3 of ui_card_b.
    const now = Date.now();
    const lines: string[] = [];
    for (let i = 0; i < 12; i++) lines.push(`ui_card,zone=z${i % 4},pod=p${i} a=${i} ${now}`);
    for (let i = 0; i < 3; i++) lines.push(`ui_card,zone=z9,pod=q${i} b=${i} ${now}`);
    expect((await fetch(`${up.url}/write?precision=ms`, { method: 'POST', body: lines.join('\n') })).status).toBe(204);
    await waitFor(async () => {
      const s = (await (await fetch(`${up.url}/api/v1/status/tsdb`)).json()) as TsdbStatus;
      return s.data.seriesCountByMetricName.some((e) => e.name === 'ui_card_a' && e.value === 12) ? true : undefined;
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    if (up !== undefined) expect(await up.stop('SIGTERM')).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it('shows the TSDB status with the top lists of the API, and narrows them to a metric and a focus label', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${up.url}/tsdb-status`);
    const byMetric = page.locator('[data-testid=by-metric]');
    await expect.poll(() => byMetric.locator('tbody tr').first().textContent()).toContain('ui_card_a12');
    const api = (await (await fetch(`${up.url}/api/v1/status/tsdb`)).json()) as TsdbStatus;
    const rows = await byMetric.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent ?? '')));
    expect(rows.map(([name, count]) => ({ name, value: Number(count) }))).toEqual(api.data.seriesCountByMetricName);
    expect(await page.locator('[data-testid=head-stats]').textContent()).toContain(String(api.data.headStats.numSeries));
    await screenshot(page, 'tsdb-status');

    // A click on the metric selects its series; a focus label breaks them down by value.
    await byMetric.getByText('ui_card_a', { exact: true }).click();
    await expect.poll(() => page.locator('[data-testid=total-series]').textContent()).toBe('12');
    await page.locator('input[name=focusLabel]').fill('zone');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/focusLabel=zone/);
    const focus = page.locator('[data-testid=by-focus] tbody tr');
    await expect.poll(() => focus.count()).toBe(4);
    expect(await focus.first().textContent()).toMatch(/^z\d3/);
    await screenshot(page, 'tsdb-status-focused');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lists pushed groups with their metrics and push times, and deletes a group with its button', async () => {
    const push = async (path: string, body: string) => {
      const res = await fetch(`${up.url}/metrics/${path}`, { method: 'PUT', body });
      expect(res.status).toBe(200);
    };
    await push('job/batch/instance/runner-1', '# TYPE ui_batch_last_success gauge\nui_batch_last_success 1700000000\nui_batch_records{stage="load"} 42\n');
    await push('job/flink/task@base64/bWFwL3Npbms', 'ui_flink_busy 0.25\n');
    const { page, errors } = await openPage(browser);
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${up.url}/pushgateway`);
    const groups = page.locator('[data-testid=group]');
    await expect.poll(() => groups.count()).toBe(2);
    const batch = page.locator('[data-testid=group][data-group="/metrics/job/batch/instance/runner-1"]');
    await batch.locator('summary .labels').click();
    expect(await batch.textContent()).toContain('ui_batch_records');
    expect(await batch.textContent()).toContain('stage="load"');
    expect(await batch.locator('tr[data-metric=ui_batch_records] td.value').textContent()).toBe('42');
    expect(await batch.locator('summary').textContent()).toMatch(/pushed \d.* ago/);
    // A value with a slash is addressed as @base64, as the Pushgateway's own page does.
    const flink = page.locator('[data-testid=group][data-group="/metrics/job/flink/task@base64/bWFwL3Npbms="]');
    expect(await flink.count()).toBe(1);
    expect(await flink.locator('summary').textContent()).toContain('task="map/sink"');
    await screenshot(page, 'pushgateway');

    await flink.getByRole('button', { name: 'Delete group' }).click();
    await expect.poll(() => groups.count()).toBe(1);
    const api = (await (await fetch(`${up.url}/api/v1/metrics`)).json()) as { data: { labels: Record<string, string> }[] };
    expect(api.data.map((g) => g.labels)).toEqual([{ job: 'batch', instance: 'runner-1' }]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('serves the Alertmanager pages of its built-in notifier too', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${up.url}/alertmanager/silences`);
    await expect.poll(() => page.locator('main').textContent()).toContain('No active silences.');
    await page.getByRole('button', { name: /Alertmanager/ }).click();
    await page.getByRole('menuitem', { name: 'Alerts' }).click();
    await page.waitForURL(/\/alertmanager$/);
    await expect.poll(() => page.locator('main').textContent()).toContain('No alerts.');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows the topics and the consumer groups with their lag per partition', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${up.url}/bus`);
    const samples = page.locator('[data-testid=topics] tr[data-topic="tidemark.samples"]');
    await expect.poll(() => samples.count()).toBe(1);
    expect(await samples.locator('td').nth(1).textContent()).toBe('2');
    const store = page.locator('[data-testid=consumer-group][data-group=store][data-topic="tidemark.samples"]');
    await expect.poll(() => store.count()).toBe(1);
    expect(await store.locator('tbody tr').count()).toBe(2);
    const api = (await (await fetch(`${up.url}/api/v1/status/bus`)).json()) as { data: { groups: { group: string; topic: string; partitions: { high: number }[] }[] } };
    const apiStore = api.data.groups.find((g) => g.group === 'store' && g.topic === 'tidemark.samples')!;
    // The page's high watermarks are at most the API's a moment later (the bus only grows).
    const highs = await store.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.querySelectorAll('td')[3].textContent)));
    highs.forEach((h, i) => expect(h).toBeLessThanOrEqual(apiStore.partitions[i].high));
    expect(highs.every((h) => h > 0)).toBe(true);
    expect(await store.locator('summary').textContent()).toContain('1 member');
    await screenshot(page, 'bus');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows what the import endpoints took, per endpoint, from the role\'s own metrics', async () => {
    const now = Date.now();
    const body = Array.from({ length: 6 }, (_, i) => `{"metric":{"__name__":"ui_backfill","n":"${i}"},"values":[1,2],"timestamps":[${now - 60_000},${now - 30_000}]}`).join('\n');
    expect((await fetch(`${up.url}/api/v1/import`, { method: 'POST', body })).status).toBe(204);
    const bad = 'ui_backfill_text{a="1"} 1\nnot a metric line\n';
    expect((await fetch(`${up.url}/api/v1/import/prometheus`, { method: 'POST', body: bad })).status).toBe(400);
    const { page, errors } = await openPage(browser);
    await page.goto(`${up.url}/backfill`);
    const json = page.locator('[data-testid=imports] tr[data-endpoint=vm-json]');
    await expect.poll(() => json.locator('[data-testid=import-samples]').textContent()).toBe('12');
    expect(await json.locator('td').nth(1).textContent()).toBe('1');
    const text = page.locator('[data-testid=imports] tr[data-endpoint=prometheus]');
    // One request partly stored: its good line stored, its bad line counted.
    expect(await text.locator('td').evaluateAll((tds) => tds.slice(1, 7).map((td) => td.textContent))).toEqual(['0', '1', '0', '1', '2', '1']);
    expect(await page.locator('main').textContent()).toContain('No shard rebuild in this process');
    await screenshot(page, 'backfill');
    expect(errors).toEqual([]);
    await page.close();
  });
});
