import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, waitFor, type RunningCli } from '../e2e/cli-process.js';
import { launchBrowser, openPage, screenshot } from './browser.js';

interface SilenceAnswer {
  id: string;
  status: { state: string };
  matchers: { name: string; value: string; isRegex: boolean; isEqual?: boolean }[];
  createdBy: string;
  comment: string;
}

interface AlertAnswer {
  labels: Record<string, string>;
  status: { state: string; silencedBy: string[] };
}

const ALERTMANAGER_YML = `route:
  receiver: nobody
  group_by: [alertname]
  group_wait: 1h
receivers:
  - name: nobody
`;

/** Three firing alerts: two instances of DiskFull, one HighLatency. */
const ALERTS = [
  { labels: { alertname: 'DiskFull', instance: 'db-1', severity: 'page' }, annotations: { summary: 'disk of db-1 is full' } },
  { labels: { alertname: 'DiskFull', instance: 'db-2', severity: 'page' }, annotations: { summary: 'disk of db-2 is full' } },
  { labels: { alertname: 'HighLatency', instance: 'web-1', severity: 'ticket' }, annotations: {} },
];

describe('the Alertmanager pages of tidemark notify in chromium', () => {
  let dir: string;
  let notify: RunningCli;
  let browser: Browser;

  const postAlerts = async () => {
    const startsAt = new Date().toISOString();
    const endsAt = new Date(Date.now() + 3600_000).toISOString();
    const res = await fetch(`${notify.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ALERTS.map((a) => ({ ...a, startsAt, endsAt }))),
    });
    expect(res.status).toBe(200);
  };
  const alerts = async (): Promise<AlertAnswer[]> => (await (await fetch(`${notify.url}/api/v2/alerts`)).json()) as AlertAnswer[];
  const silences = async (): Promise<SilenceAnswer[]> => (await (await fetch(`${notify.url}/api/v2/silences`)).json()) as SilenceAnswer[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-am-ui-'));
    await writeFile(join(dir, 'alertmanager.yml'), ALERTMANAGER_YML);
    await writeFile(join(dir, 'tidemark.yml'), `alerting: { alertmanager_config_file: ${join(dir, 'alertmanager.yml')} }\n`);
    notify = await startCli(['notify', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]);
    await postAlerts();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    if (notify !== undefined) expect(await notify.stop('SIGTERM')).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the alert groups and creates a silence from an alert, previewing the alerts it matches; the alert shows silenced; expiring it lifts that', async () => {
    const { page, errors } = await openPage(browser);
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${notify.url}/alertmanager`);
    const groups = page.locator('[data-testid=alert-group]');
    await expect.poll(() => groups.count()).toBe(2);
    expect(await page.locator('[data-testid=alert]').count()).toBe(3);
    expect(await page.locator('[data-testid=alert-group]', { hasText: 'DiskFull' }).textContent()).toContain('disk of db-1 is full');
    await screenshot(page, 'alertmanager-alerts');

    // The Silence button of db-1's alert opens the editor with that alert's labels as matchers.
    const db1 = page.locator('[data-testid=alert]', { hasText: 'instance="db-1"' });
    await db1.locator('[data-testid=silence-alert]').click();
    await page.waitForURL(/\/alertmanager\/silences\/new\?filter=/);
    const rows = page.locator('[data-testid=matcher-row]');
    await expect.poll(() => rows.count()).toBe(3);
    await expect.poll(() => page.locator('[data-testid=preview-count]').textContent()).toBe('1 alert match.');

    // Widen it: instance =~ "db-.*" catches both DiskFull alerts (the preview follows), then drop severity.
    const names = await rows.locator('input[name=matcher-name]').evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
    expect(names).toEqual(['alertname', 'instance', 'severity']);
    const instanceRow = rows.nth(names.indexOf('instance'));
    await instanceRow.locator('select[name=matcher-op]').selectOption('=~');
    await instanceRow.locator('input[name=matcher-value]').fill('db-.*');
    await expect.poll(() => page.locator('[data-testid=preview-count]').textContent()).toBe('2 alerts match.');
    const severityRow = rows.nth(names.indexOf('severity'));
    await severityRow.locator('select[name=matcher-op]').selectOption('!=');
    await severityRow.locator('input[name=matcher-value]').fill('ticket');
    await expect.poll(() => page.locator('[data-testid=preview-alert]').count()).toBe(2);

    // A duration of 90m moves the end; creator and comment are required.
    await page.locator('input[name=duration]').fill('1h30m');
    const start = Date.parse(`${await page.locator('input[name=start]').inputValue()}Z`);
    const end = Date.parse(`${await page.locator('input[name=end]').inputValue()}Z`);
    expect(end - start).toBe(90 * 60_000);
    await page.locator('[data-testid=create-silence]').click();
    await expect.poll(() => page.locator('.silence-editor .error').textContent()).toContain('Creator is required');
    await page.locator('input[name=createdBy]').fill('oncall@example.com');
    await page.locator('input[name=comment]').fill('disk replacement under way');
    await screenshot(page, 'alertmanager-silence-editor');
    await page.locator('[data-testid=create-silence]').click();

    // The new silence is listed, as the API has it.
    await page.waitForURL(/\/alertmanager\/silences\?id=/);
    const id = new URL(page.url()).searchParams.get('id')!;
    const listed = page.locator(`[data-testid=silence][data-id="${id}"]`);
    await expect.poll(() => listed.getAttribute('data-state')).toBe('active');
    expect(await listed.textContent()).toContain('instance=~"db-.*"');
    expect(await listed.textContent()).toContain('oncall@example.com');
    const stored = (await silences()).find((s) => s.id === id);
    expect(stored?.matchers).toEqual([
      { name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true },
      { name: 'instance', value: 'db-.*', isRegex: true, isEqual: true },
      { name: 'severity', value: 'ticket', isRegex: false, isEqual: false },
    ]);
    expect(stored?.comment).toBe('disk replacement under way');

    // Both DiskFull alerts show as silenced by it; HighLatency does not.
    await page.goto(`${notify.url}/alertmanager`);
    const silencedRows = page.locator('[data-testid=alert][data-state=suppressed]');
    await expect.poll(() => silencedRows.count()).toBe(2);
    expect(await silencedRows.first().locator('[data-testid=silenced-by]').textContent()).toContain(id);
    expect(await page.locator('[data-testid=alert][data-state=active]').textContent()).toContain('HighLatency');
    await screenshot(page, 'alertmanager-alerts-silenced');
    // Hiding silenced alerts leaves one.
    await page.locator('input[name=silenced]').uncheck();
    await expect.poll(() => page.locator('[data-testid=alert]').count()).toBe(1);

    // Expire it from the list: it moves to the expired tab and the alerts are active again.
    await page.goto(`${notify.url}/alertmanager/silences`);
    await expect.poll(() => page.locator('[data-testid=count-active]').textContent()).toBe('(1)');
    await page.locator(`[data-testid=silence][data-id="${id}"] [data-testid=expire]`).click();
    await expect.poll(() => page.locator('[data-testid=count-active]').textContent()).toBe('(0)');
    expect(await page.locator('[data-testid=count-expired]').textContent()).toBe('(1)');
    await page.getByRole('tab', { name: /Expired/ }).click();
    await expect.poll(() => page.locator(`[data-testid=silence][data-id="${id}"]`).getAttribute('data-state')).toBe('expired');
    await screenshot(page, 'alertmanager-silences-expired');
    expect((await silences()).find((s) => s.id === id)?.status.state).toBe('expired');
    await waitFor(async () => ((await alerts()).every((a) => a.status.state === 'active') ? true : undefined), 10_000);
    expect(errors).toEqual([]);
    await page.close();
  });
});
