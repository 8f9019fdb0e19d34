import { execFile } from 'node:child_process';
import { mkdtemp, readdir, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, waitFor, type RunningCli } from '../e2e/cli-process.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The one-file install: `npm pack` of the built checkout (the test command builds first, so the
 * pack skips its prepack build), installed into an empty prefix from the npm registry with the
 * production dependencies only, and `tidemark up` run from the installed package.
 */
describe('the npm package', () => {
  let dir: string;
  let bin: string;
  let files: string[];
  let up: RunningCli | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-pack-'));
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: REPO, maxBuffer: 64 << 20 });
    const [info] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = info!.files.map((f) => f.path);
    await run('npm', ['install', '--prefix', join(dir, 'prefix'), '--no-audit', '--no-fund', '--omit=dev', join(dir, info!.filename)], { cwd: dir, timeout: 240_000 });
    bin = await realpath(join(dir, 'prefix', 'node_modules', '.bin', 'tidemark'));
  }, 300_000);

  afterAll(async () => {
    await up?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('holds the built program and the web UI, and no sources, tests or benchmarks', () => {
    expect(files).toContain('dist/ops/cli/main.js');
    expect(files).toContain('dist/web-ui/index.html');
    expect(files.some((f) => f.startsWith('dist/schemas/') && f.endsWith('.avsc'))).toBe(true);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('dist/test/') || f.startsWith('test/'))).toEqual([]);
  });

  it('installs with its production dependencies only and runs tidemark up from the installed files', async () => {
    const installed = await readdir(join(dir, 'prefix', 'node_modules'));
    for (const dev of ['vitest', 'typescript', 'esbuild', 'playwright-core']) expect(installed).not.toContain(dev);
    expect(bin.startsWith(join(await realpath(dir), 'prefix'))).toBe(true);
    const { stdout } = await run(process.execPath, [bin, '--version']);
    expect(stdout).toMatch(/^tidemark \d+\.\d+\.\d+/);

    up = await startCli(['up', '--data', join(dir, 'data')], { cli: bin });
    await waitFor(async () => ((await fetch(`${up!.url}/-/ready`)).ok ? true : undefined));
    // It scrapes itself by default: `up` appears once the first scrape is stored.
    const upValue = await waitFor(async () => {
      const r = (await (await fetch(`${up!.url}/api/v1/query?query=up`)).json()) as { data: { result: Array<{ value: [number, string] }> } };
      return r.data.result[0]?.value[1];
    });
    expect(upValue).toBe('1');
    const page = await fetch(`${up.url}/`, { redirect: 'follow' });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<script[^>]+src="\/assets\//);
  }, 120_000);
});
