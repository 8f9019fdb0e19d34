import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium (ops/install-deps.sh installs it): nothing is downloaded. */
export const CHROMIUM = process.env.TIDEMARK_CHROMIUM ?? '/usr/bin/chromium';

/** Where browser suites keep screenshots of the pages they check (gitignored). */
export const SCREENSHOTS = fileURLToPath(new URL('../../test-artifacts/screenshots/', import.meta.url));

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true });
}

/**
 * A page (of the browser, or of a context) that records what the app threw or logged as an
 * error, so a suite can assert that a page rendered without either.
 */
export async function openPage(target: Browser | BrowserContext): Promise<{ page: Page; errors: string[] }> {
  // A context brings its own options (credentials, viewport); a page of the browser gets a wide viewport.
  const page = 'newContext' in target ? await target.newPage({ viewport: { width: 1280, height: 900 } }) : await target.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return { page, errors };
}

/** Saves a full-page screenshot as test-artifacts/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
