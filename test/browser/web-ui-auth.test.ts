import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type RunningCli } from '../e2e/cli-process.js';
import { launchBrowser, openPage } from './browser.js';
import type { Browser } from 'playwright-core';

describe('the web UI behind --web.config.file basic auth', () => {
  let dir: string;
  let up: RunningCli;
  let browser: Browser;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-web-ui-auth-'));
    await writeFile(join(dir, 'web.yml'), `basic_auth_users:\n  admin: ${bcrypt.hashSync('change-me', 4)}\n`);
    up = await startCli(['up', '--web.config.file', join(dir, 'web.yml'), '--data', join(dir, 'data')]);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    if (up !== undefined) expect(await up.stop('SIGTERM')).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it('asks for the password for the pages and the bundle as for the API', async () => {
    for (const path of ['/', '/query', '/graph?g0.expr=up', '/targets']) {
      const res = await fetch(`${up.url}${path}`, { redirect: 'manual' });
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic');
    }
    const index = await (await fetch(`${up.url}/query`, { headers: { authorization: `Basic ${Buffer.from('admin:change-me').toString('base64')}` } })).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(index)?.[1];
    expect(script).toBeDefined();
    expect((await fetch(`${up.url}${script}`)).status).toBe(401);
    expect((await fetch(`${up.url}${script}`, { headers: { authorization: `Basic ${Buffer.from('admin:wrong').toString('base64')}` } })).status).toBe(401);
  });

  it('works in a browser given the credentials: the page, its scripts and its API calls pass', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'admin', password: 'change-me' }, viewport: { width: 1280, height: 900 } });
    const { page, errors } = await openPage(context);
    await page.goto(`${up.url}/graph?g0.expr=vector(42)&g0.tab=table`);
    await expect.poll(() => page.locator('[data-testid=table] td.value').textContent()).toBe('42');
    expect(errors).toEqual([]);
    await context.close();
  });
});
