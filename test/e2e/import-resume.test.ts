import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, startCli, waitFor, type CliResult, type RunningCli } from './cli-process.js';
import { instant, until } from './query-answers.js';

const SERIES = 20;
const POINTS = 300;
const TOTAL = SERIES * POINTS;
const BASE = Math.floor((Date.now() - 60 * 60_000) / 60_000) * 60_000;

/** Starts `tidemark ARGS`, sends `signal` once `ready()` holds, and resolves with what it printed and its exit code. */
async function interrupted(args: readonly string[], cwd: string, ready: () => boolean, signal: NodeJS.Signals): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  await waitFor(async () => (ready() ? true : undefined), 30_000);
  child.kill(signal);
  const code = await exited;
  return { code, stdout, stderr };
}

const importedSamples = (stdout: string): number => Number(/(?:imported|interrupted after importing) (\d+) samples/.exec(stdout)?.[1] ?? NaN);

describe('an interrupted tidemark import', () => {
  let dir: string;
  let up: RunningCli;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-import-resume-'));
    const cfg = join(dir, 'tidemark.yml');
    await writeFile(cfg, 'global:\n  scrape_interval: 15s\nbus:\n  partitions: 2\n');
    up = await startCli(['up', '--config', cfg, '--data', join(dir, 'data')]);
  }, 60_000);

  afterAll(async () => {
    await up?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('stops after the requests in flight on SIGINT, and the same command carries on without sending a sample twice', async () => {
    const file = join(dir, 'history.prom');
    const lines = ['# HELP resume_value A value.', '# TYPE resume_value gauge'];
    for (let s = 0; s < SERIES; s++) for (let i = 0; i < POINTS; i++) lines.push(`resume_value{series="${s}"} ${s * 1000 + i} ${BASE + i * 10_000}`);
    await writeFile(file, lines.join('\n') + '\n');
    const state = join(dir, 'file.state');
    // --rate slows the import down to about 3 s, so the signal lands in the middle.
    const args = ['import', '--url', up.url, '--rate', '2000', '--batch-lines', '250', '--state', state, file];

    const first = await interrupted(args, dir, () => existsSync(state), 'SIGINT');
    expect(first.code).toBe(130);
    expect(first.stderr).toMatch(/SIGINT: stopping after the requests in flight/);
    expect(first.stdout).toMatch(/^interrupted after importing \d+ samples .*run the same command again to carry on/);
    const before = importedSamples(first.stdout);
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(TOTAL);
    // The state names the last line the server stored: a whole number of batches.
    const saved = JSON.parse(await readFile(state, 'utf8')) as { inputs: Record<string, { lines: number }> };
    expect(saved.inputs[file].lines % 250).toBe(0);

    const second = await runCli(args, { cwd: dir, timeoutMs: 60_000 });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/carrying on where the run recorded in .*file\.state stopped/);
    expect(before + importedSamples(second.stdout)).toBe(TOTAL);
    expect(existsSync(state)).toBe(false);
    expect(await until(up.url, 'sum(count_over_time(resume_value[2h]))', TOTAL)).toBe(TOTAL);
    expect(await instant(up.url, 'sum(sum_over_time(resume_value[2h]))')).toBe((SERIES * (SERIES - 1) * 1000 * POINTS) / 2 + (SERIES * POINTS * (POINTS - 1)) / 2);
  }, 120_000);

  it('with several requests in flight, records only batches stored without a gap, so the rerun stores every sample once', async () => {
    const file = join(dir, 'concurrent.prom');
    const lines = ['# TYPE resume_concurrent gauge'];
    for (let s = 0; s < SERIES; s++) for (let i = 0; i < POINTS; i++) lines.push(`resume_concurrent{series="${s}"} ${s * 1000 + i} ${BASE + i * 10_000}`);
    await writeFile(file, lines.join('\n') + '\n');
    const state = join(dir, 'concurrent.state');
    const args = ['import', '--url', up.url, '--concurrency', '3', '--rate', '2000', '--batch-lines', '250', '--state', state, file];

    const first = await interrupted(args, dir, () => existsSync(state), 'SIGINT');
    expect(first.code).toBe(130);
    expect(first.stderr).toMatch(/SIGINT: stopping after the requests in flight/);
    const before = importedSamples(first.stdout);
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(TOTAL);
    // The requests in flight were answered before the command stopped, and the state covers them.
    const saved = JSON.parse(await readFile(state, 'utf8')) as { inputs: Record<string, { lines: number }> };
    expect(saved.inputs[file].lines % 250).toBe(0);
    expect(saved.inputs[file].lines).toBe(before + 1); // the TYPE line, then a sample a line

    const second = await runCli(args, { cwd: dir, timeoutMs: 60_000 });
    expect(second.code, second.stderr).toBe(0);
    expect(before + importedSamples(second.stdout)).toBe(TOTAL);
    expect(existsSync(state)).toBe(false);
    expect(await until(up.url, 'sum(count_over_time(resume_concurrent[2h]))', TOTAL)).toBe(TOTAL);
    expect(await instant(up.url, 'sum(sum_over_time(resume_concurrent[2h]))')).toBe((SERIES * (SERIES - 1) * 1000 * POINTS) / 2 + (SERIES * POINTS * (POINTS - 1)) / 2);
  }, 120_000);

  it('stops on SIGTERM as on SIGINT, with exit status 143', async () => {
    const file = join(dir, 'term.prom');
    await writeFile(file, Array.from({ length: 2000 }, (_, i) => `term_value ${i} ${BASE + i * 1000}`).join('\n') + '\n');
    const state = join(dir, 'term.state');
    const args = ['import', '--url', up.url, '--rate', '1000', '--batch-lines', '100', '--state', state, file];
    const first = await interrupted(args, dir, () => existsSync(state), 'SIGTERM');
    expect(first.code).toBe(143);
    const second = await runCli(args, { cwd: dir, timeoutMs: 60_000 });
    expect(second.code).toBe(0);
    expect(importedSamples(first.stdout) + importedSamples(second.stdout)).toBe(2000);
    expect(await until(up.url, 'count_over_time(term_value[2h])', 2000)).toBe(2000);
  }, 120_000);
});
