import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type RunningCli } from './cli-process.js';
import { rawSamples, until } from './query-answers.js';

/** Data starts 50 minutes back (whole minutes), inside one head block of a fresh store. */
const BASE = Math.floor((Date.now() - 50 * 60_000) / 60_000) * 60_000;
const STEP_MS = 5_000;

/** The samples of `series` at points [from, to): a value that tells the point apart. */
function points(series: number, from: number, to: number): [number, string][] {
  return Array.from({ length: to - from }, (_, k) => [(BASE + (from + k) * STEP_MS) / 1000, String(series * 10_000 + from + k)]);
}

const exposition = (name: string, series: number, from: number, to: number): string =>
  points(series, from, to)
    .map(([t, v]) => `${name}{series="${series}"} ${v} ${t * 1000}`)
    .join('\n') + '\n';

const key = (name: string, series: number) => JSON.stringify(Object.entries({ __name__: name, series: String(series) }).sort());

/**
 * Requests in flight at once may reach the store in another order than the command sent them:
 * a later time range of a series before an earlier one. Every sample must be stored all the same.
 */
describe('tidemark import with requests in flight at once', () => {
  let dir: string;
  let up: RunningCli;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-import-concurrent-'));
    const cfg = join(dir, 'tidemark.yml');
    await writeFile(cfg, 'global:\n  scrape_interval: 15s\nbus:\n  partitions: 2\n');
    up = await startCli(['up', '--config', cfg, '--data', join(dir, 'data')]);
  }, 60_000);

  afterAll(async () => {
    await up?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores a series whose later time range the server took before the earlier one, sample for sample', async () => {
    const name = 'concurrent_reversed';
    const endpoint = `${up.url}/api/v1/import/prometheus`;
    const post = (body: string) => fetch(endpoint, { method: 'POST', body }).then(async (res) => expect(res.status, await res.text()).toBe(204));
    // The later range stored first, then the earlier one: the order two requests in flight can take.
    await post(exposition(name, 0, 300, 600));
    await post(exposition(name, 0, 0, 300));
    // Two requests at once, the later range sent first.
    await Promise.all([post(exposition(name, 1, 300, 600)), post(exposition(name, 1, 0, 300))]);

    const at = BASE + 600 * STEP_MS;
    expect(await until(up.url, `count(count_over_time(${name}[1h]) == 600)`, 2, at)).toBe(2);
    const stored = await rawSamples(up.url, `${name}[1h]`, at);
    expect(stored.get(key(name, 0))).toEqual(points(0, 0, 600));
    expect(stored.get(key(name, 1))).toEqual(points(1, 0, 600));
  }, 60_000);

  it('imports a file whose series span many requests, four in flight, each sample once', async () => {
    const name = 'concurrent_file';
    const series = 6;
    const file = join(dir, 'history.prom');
    await writeFile(file, `# TYPE ${name} gauge\n` + Array.from({ length: series }, (_, s) => exposition(name, s, 0, 500)).join(''));
    // 130 lines a request: every series is cut across four or five requests, and its neighbours share some.
    const result = await runCli(['import', '--url', up.url, '--concurrency', '4', '--batch-lines', '130', '--state', join(dir, 'file.state'), file], { cwd: dir, timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^imported ${series * 500} samples from 1 file`));

    const at = BASE + 500 * STEP_MS;
    expect(await until(up.url, `sum(count_over_time(${name}[1h]))`, series * 500, at)).toBe(series * 500);
    const stored = await rawSamples(up.url, `${name}[1h]`, at);
    for (let s = 0; s < series; s++) expect(stored.get(key(name, s)), `series ${s}`).toEqual(points(s, 0, 500));
  }, 60_000);

  it('refuses a number of requests in flight that is not a whole number of at least one', async () => {
    for (const n of ['0', '1.5', 'two']) {
      const r = await runCli(['import', '--url', up.url, '--concurrency', n, join(dir, 'history.prom')], { cwd: dir });
      expect(r.code, n).toBe(2);
      expect(r.stderr).toMatch(/--concurrency: expected a (positive|whole) number/);
    }
  });
});
