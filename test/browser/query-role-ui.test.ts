import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisUrl } from '../harness/index.js';
import { startCli, type RunningCli } from '../e2e/cli-process.js';
import { PAGES, pagesOf } from '../../ops/web-ui/pages.js';
import { launchBrowser, openPage } from './browser.js';

describe("tidemark query's web UI", () => {
  let dir: string;
  let query: RunningCli;
  let browser: Browser;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-query-ui-'));
    query = await startCli(['query', '--redis', redisUrl(), '--data', join(dir, 'data')]);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    if (query !== undefined) expect(await query.stop('SIGTERM')).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it("serves Prometheus' pages and no other product's", async () => {
    const home = await fetch(`${query.url}/`, { redirect: 'manual' });
    expect(home.status).toBe(302);
    expect(home.headers.get('location')).toBe('/query');
    const prometheus = pagesOf(['prometheus']);
    for (const page of PAGES) {
      const res = await fetch(`${query.url}${page.paths[0]}`);
      expect(res.status, page.paths[0]).toBe(page.app === 'prometheus' ? 200 : 404);
    }
    expect(await (await fetch(`${query.url}/query`)).text()).toContain(`content="${prometheus.map((p) => p.id).join(',')}"`);
  });

  it('answers a query in the browser and says which pages need another role', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${query.url}/graph?g0.expr=vector(7)&g0.tab=table`);
    await expect.poll(() => page.locator('[data-testid=table] td.value').textContent()).toBe('7');
    await page.goto(`${query.url}/targets`);
    await expect.poll(() => page.locator('main .notice').textContent()).toContain('does not serve /api/v1/targets');
    // The API's 404 is logged by the browser as a failed resource; nothing else went wrong.
    expect(errors.filter((e) => !e.includes('404'))).toEqual([]);
    await page.close();
  });
});
