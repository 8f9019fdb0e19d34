import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startKafkaMock, startRedis, type KafkaMock, type RedisService } from '../harness/index.js';
import { RoleProcess } from '../system/role-process.js';
import { CLI, runCli, startCli, waitFor, type CliResult } from './cli-process.js';
import { instant, until } from './query-answers.js';

const PARTITIONS = 4;
const SERIES = 40;
const POINTS = 100;
const TOTAL = SERIES * POINTS;
const BASE = Math.floor((Date.now() - 60 * 60_000) / 60_000) * 60_000;

/** Sums a counter over its series in a Prometheus exposition. */
async function counterSum(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) sum += Number(m[1]);
  return sum;
}

const importedSamples = (stdout: string): number => Number(/(?:imported|interrupted after importing) (\d+) samples/.exec(stdout)?.[1] ?? NaN);

/** Runs `tidemark ARGS` in `cwd`, sends SIGINT once `ready()` holds, and resolves with what it printed and its exit code. */
async function interrupted(args: readonly string[], cwd: string, ready: () => Promise<boolean>): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  await waitFor(async () => ((await ready()) ? true : undefined), 30_000);
  child.kill('SIGINT');
  return { code: await exited, stdout, stderr };
}

/**
 * `tidemark import --kafka` into the distributed roles: a Kafka-protocol cluster with no ingest
 * role, a store and a query role as processes, the samples read back through the query API.
 */
describe('tidemark import --kafka', () => {
  let dir: string;
  let kafka: KafkaMock;
  let redis: RedisService;
  let store: RoleProcess;
  let query: RoleProcess;
  let configFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-import-kafka-'));
    const logDir = join(dir, 'logs');
    await mkdir(logDir);
    [kafka, redis] = await Promise.all([
      startKafkaMock({ initialTopics: { 'tidemark.samples': PARTITIONS, 'tidemark.aggregates': PARTITIONS, 'tidemark.alerts': 1, 'tidemark.deadletter': 1 } }),
      startRedis(),
    ]);
    configFile = join(dir, 'tidemark.yml');
    await writeFile(
      configFile,
      [
        'bus:',
        '  type: kafka',
        `  partitions: ${PARTITIONS}`,
        `  kafka: { brokers: [${kafka.bootstrap.split(',').map((b) => `'${b}'`).join(', ')}], consumer: { session_timeout_ms: 4000, heartbeat_interval_ms: 500, rebalance_timeout_ms: 10000 } }`,
        '',
      ].join('\n'),
    );
    const [pStore, pQuery] = await Promise.all([freePort(), freePort()]);
    const cfg = ['--config', configFile];
    store = new RoleProcess({ name: 'store', url: `http://127.0.0.1:${pStore}`, args: ['store', ...cfg, '--kafka', kafka.bootstrap, '--redis', redis.url, '--data', join(dir, 'store'), '--listen', `127.0.0.1:${pStore}`] }, logDir);
    query = new RoleProcess({ name: 'query', url: `http://127.0.0.1:${pQuery}`, args: ['query', ...cfg, '--redis', redis.url, '--listen', `127.0.0.1:${pQuery}`] }, logDir);
    await Promise.all([store.start(120_000), query.start()]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([store?.kill(), query?.kill()]);
    await Promise.all([store?.closeLog(), query?.closeLog()]);
    await kafka?.stop();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a file to the samples topic that the stores take, and the same file imported twice is stored once', async () => {
    const file = join(dir, 'history.prom');
    const lines = ['# TYPE bus_import_value gauge'];
    for (let s = 0; s < SERIES; s++) for (let i = 0; i < POINTS; i++) lines.push(`bus_import_value{series="${s}"} ${s * 1000 + i} ${BASE + i * 15_000}`);
    await writeFile(file, lines.join('\n') + '\n');
    const args = ['import', '--kafka', kafka.bootstrap, '--config', configFile, '--batch-lines', '500', '--rate', '2000', '--progress', '1', file];

    const first = await runCli(args, { cwd: dir, timeoutMs: 60_000 });
    expect(first.code, first.stderr).toBe(0);
    expect(importedSamples(first.stdout)).toBe(TOTAL);
    // Progress as for --url (--rate makes the import last about 2 s): JSON lines on standard error
    // when it is not a terminal, the last one "import finished".
    const finished = first.stderr.split('\n').filter((l) => l.includes('"msg":"import finished"'));
    expect(finished).toHaveLength(1);
    expect(JSON.parse(finished[0]!)).toMatchObject({ samples: TOTAL, lines: TOTAL + 1, unit: 'bytes' });
    expect(await until(query.url, 'sum(count_over_time(bus_import_value[2h]))', TOTAL)).toBe(TOTAL);
    const valueSum = (SERIES * (SERIES - 1) * 1000 * POINTS) / 2 + (SERIES * POINTS * (POINTS - 1)) / 2;
    expect(await instant(query.url, 'sum(sum_over_time(bus_import_value[2h]))')).toBe(valueSum);
    // Every series, whichever of the four partitions its hash chose.
    expect(await instant(query.url, 'count(count_over_time(bus_import_value[2h]))')).toBe(SERIES);

    const second = await runCli(args, { cwd: dir, timeoutMs: 60_000 });
    expect(second.code, second.stderr).toBe(0);
    expect(importedSamples(second.stdout)).toBe(TOTAL);
    // The store has read the second copy off the bus: it received every sample twice ...
    await waitFor(async () => ((await counterSum(store.url, 'tidemark_store_samples_received_total')) >= 2 * TOTAL ? true : undefined), 60_000);
    // ... and holds each once.
    expect(await instant(query.url, 'sum(count_over_time(bus_import_value[2h]))')).toBe(TOTAL);
    expect(await instant(query.url, 'sum(sum_over_time(bus_import_value[2h]))')).toBe(valueSum);
  }, 180_000);

  it('counts what it imported in tidemark_import_* on --listen, stops on SIGINT after the batch in flight, and the same command carries on without sending a sample to the bus twice', async () => {
    const file = join(dir, 'resume.prom');
    const points = 300;
    await writeFile(file, Array.from({ length: 10 * points }, (_, i) => `bus_resume_value{series="${i % 10}"} ${i} ${BASE + Math.floor(i / 10) * 10_000}`).join('\n') + '\n');
    const state = join(dir, 'resume.state');
    const before = await counterSum(store.url, 'tidemark_store_samples_received_total');
    // --rate stretches the import to about 3 s, so the signal lands in the middle.
    const args = ['import', '--kafka', kafka.bootstrap, '--config', configFile, '--rate', '1000', '--batch-lines', '200', '--state', state, file];
    const metricsPort = await freePort();
    let counted = 0;
    // Interrupted once its /metrics counts a stored batch (the state file then names it too).
    const first = await interrupted([...args, '--listen', `127.0.0.1:${metricsPort}`], dir, async () => {
      if (!existsSync(state)) return false;
      counted = await counterSum(`http://127.0.0.1:${metricsPort}`, 'tidemark_import_samples_total').catch(() => 0);
      return counted > 0;
    });
    expect(first.code, first.stderr).toBe(130);
    const stored = importedSamples(first.stdout);
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(10 * points);
    expect(counted % 200).toBe(0);
    expect(counted).toBeLessThanOrEqual(stored);
    const second = await runCli(args, { cwd: dir, timeoutMs: 60_000 });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/carrying on where the run recorded in .*resume\.state stopped/);
    expect(stored + importedSamples(second.stdout)).toBe(10 * points);
    expect(existsSync(state)).toBe(false);
    expect(await until(query.url, 'sum(count_over_time(bus_resume_value[2h]))', 10 * points)).toBe(10 * points);
    // What reached the bus: every sample exactly once.
    expect(await counterSum(store.url, 'tidemark_store_samples_received_total')).toBe(before + 10 * points);
  }, 120_000);

  it('stops at a bad line with its file and line number, the good lines of its batch stored', async () => {
    const file = join(dir, 'bad.prom');
    await writeFile(file, ['bus_import_bad 1 ' + BASE, 'bus_import_bad{ 2 ' + (BASE + 1000), 'bus_import_bad 3 ' + (BASE + 2000)].join('\n') + '\n');
    const r = await runCli(['import', '--kafka', kafka.bootstrap, '--config', configFile, file], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:2: `);
    expect(r.stderr).toMatch(/import stopped at the first bad line/);
    expect(await until(query.url, 'sum(count_over_time(bus_import_bad[2h]))', 2)).toBe(2);
  }, 60_000);

  it('refuses --url together with --kafka', async () => {
    const r = await runCli(['import', '--url', query.url, '--kafka', kafka.bootstrap, join(dir, 'history.prom')], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--url .* or --kafka/);
  });
});

describe('tidemark import --data', () => {
  it("writes to the embedded bus of a stopped tidemark up, which stores the samples when it starts, and refuses while it runs", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tidemark-import-data-'));
    try {
      const file = join(dir, 'history.prom');
      await writeFile(file, Array.from({ length: 200 }, (_, i) => `data_import_value{series="${i % 4}"} ${i} ${BASE + i * 15_000}`).join('\n') + '\n');
      const data = join(dir, 'data');
      const first = await runCli(['import', '--data', data, file], { cwd: dir, timeoutMs: 60_000 });
      expect(first.code, first.stderr).toBe(0);
      expect(importedSamples(first.stdout)).toBe(200);
      const up = await startCli(['up', '--data', data]);
      try {
        expect(await until(up.url, 'sum(count_over_time(data_import_value[2h]))', 200)).toBe(200);
        expect(await instant(up.url, 'sum(sum_over_time(data_import_value[2h]))')).toBe((199 * 200) / 2);
        const locked = await runCli(['import', '--data', data, file], { cwd: dir, timeoutMs: 60_000 });
        expect(locked.code).toBe(1);
        expect(locked.stderr).toMatch(/stop that tidemark, or import with --url into it while it runs/);
      } finally {
        await up.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('tidemark import --kafka with ingest.max_store_lag', () => {
  it('waits while the store group lags more than the bound, as the push endpoints answer 429, and carries on once a store catches up', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tidemark-import-lag-'));
    const logDir = join(dir, 'logs');
    await mkdir(logDir);
    const [kafka, redis] = await Promise.all([
      startKafkaMock({ initialTopics: { 'tidemark.samples': PARTITIONS, 'tidemark.aggregates': PARTITIONS, 'tidemark.alerts': 1, 'tidemark.deadletter': 1 } }),
      startRedis(),
    ]);
    const port = await freePort();
    const configFile = join(dir, 'tidemark.yml');
    const store = new RoleProcess({
      name: 'store',
      url: `http://127.0.0.1:${port}`,
      args: ['store', '--config', configFile, '--kafka', kafka.bootstrap, '--redis', redis.url, '--data', join(dir, 'store'), '--listen', `127.0.0.1:${port}`],
    }, logDir);
    try {
      const config = (maxStoreLag: number) => [
        'bus:',
        '  type: kafka',
        `  partitions: ${PARTITIONS}`,
        `  kafka: { brokers: [${kafka.bootstrap.split(',').map((b) => `'${b}'`).join(', ')}], consumer: { session_timeout_ms: 4000, heartbeat_interval_ms: 500, rebalance_timeout_ms: 10000 } }`,
        `ingest: { max_store_lag: ${maxStoreLag} }`,
        '',
      ].join('\n');
      await writeFile(configFile, config(5));
      // The first import runs without the bound: with it, the lag its own first batches leave
      // could be polled (every second) before its last one, which a loaded machine reached.
      const unbounded = join(dir, 'unbounded.yml');
      await writeFile(unbounded, config(0));
      const file = (name: string, n: number) => {
        const path = join(dir, `${name}.prom`);
        return writeFile(path, Array.from({ length: n }, (_, i) => `${name}{series="${i % 8}"} ${i} ${BASE + Math.floor(i / 8) * 15_000}`).join('\n') + '\n').then(() => path);
      };
      // No store yet: the first import leaves the group 8+ records behind.
      const first = await runCli(['import', '--kafka', kafka.bootstrap, '--config', unbounded, '--batch-lines', '100', await file('lag_first', 800)], { cwd: dir, timeoutMs: 60_000 });
      expect(first.code, first.stderr).toBe(0);
      const second = spawn(process.execPath, [CLI, 'import', '--kafka', kafka.bootstrap, '--config', configFile, await file('lag_second', 80)], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let stdout = '';
      second.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      second.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const exited = new Promise<number | null>((r) => second.on('close', (code) => r(code)));
      await waitFor(async () => (/answered 429: consumers lag \d+ records behind, more than the bound of 5/.test(stderr) ? true : undefined), 30_000);
      expect(stdout).toBe('');
      // A store consumes the backlog; the import's next attempt is taken.
      await store.start(120_000);
      expect(await exited, stderr).toBe(0);
      expect(importedSamples(stdout)).toBe(80);
    } finally {
      await store.kill();
      await store.closeLog();
      await kafka.stop();
      await redis.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
