import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promtoolCreateBlocks } from '../bench/peers/prometheus-peer.js';
import { VictoriaMetricsPeer } from '../bench/peers/victoria-metrics.js';
import { CLI, runCli, startCli, waitFor, type RunningCli } from './cli-process.js';
import { instant, queryRange as queryRangeAt, until } from './query-answers.js';

const run = promisify(execFile);
const STEP_MS = 60_000;
/** query_range at one-minute steps. */
const queryRange = (url: string, query: string, start: number, end: number) => queryRangeAt(url, query, start, end, STEP_MS);
/** Data starts 50 minutes back (whole minutes), so every sample is in one head block of a fresh store. */
const BASE = Math.floor((Date.now() - 50 * 60_000) / STEP_MS) * STEP_MS;

describe('tidemark import', () => {
  let dir: string;
  /** The CLI run in the test's directory, where an interrupted import leaves its state file. */
  const inDir = (args: readonly string[], opts: { stdin?: string } = {}) => runCli(args, { cwd: dir, ...opts });
  let up: RunningCli;
  let vm: VictoriaMetricsPeer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-import-'));
    const cfg = join(dir, 'tidemark.yml');
    // No scrape_configs: nothing written at wall-clock time beside the imported history.
    await writeFile(cfg, 'global:\n  scrape_interval: 15s\nbus:\n  partitions: 2\n');
    // One after the other, so that afterAll stops whatever started when the other fails.
    up = await startCli(['up', '--config', cfg, '--data', join(dir, 'data')]);
    vm = await VictoriaMetricsPeer.start();
  }, 60_000);

  afterAll(async () => {
    await up?.stop();
    await vm?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("imports VictoriaMetrics' /api/v1/export output so query_range answers what VictoriaMetrics answers", async () => {
    const lines: string[] = ['# TYPE vmx_requests_total counter'];
    for (let i = 0; i < 160; i++) {
      const t = BASE + i * 15_000;
      for (const job of ['api', 'web']) {
        for (const inst of ['a', 'b']) {
          lines.push(`vmx_requests_total{job="${job}",instance="${inst}"} ${i * (job === 'api' ? 3 : 7) + (inst === 'a' ? 0 : 1)} ${t}`);
          lines.push(`vmx_temperature{job="${job}",instance="${inst}"} ${20 + Math.sin(i / 9) * 5 + (inst === 'a' ? 0.25 : 0.5)} ${t}`);
        }
      }
    }
    await vm.importPrometheus(lines.join('\n') + '\n');
    await fetch(`${vm.url}/internal/force_flush`);
    const exported = await waitFor(async () => {
      const res = await fetch(`${vm.url}/api/v1/export?${new URLSearchParams({ 'match[]': '{__name__=~"vmx_.*"}' })}`);
      const text = await res.text();
      return text.trim().split('\n').length === 8 ? text : undefined;
    });
    const file = join(dir, 'vm-export.jsonl');
    await writeFile(file, exported);

    const r = await inDir(['import', '--url', up.url, file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^imported 1280 samples from 1 file \(8 lines\)/);
    expect(await until(up.url, 'count(count_over_time({__name__=~"vmx_.*"}[2h]))', 8)).toBe(8);
    expect(await until(up.url, 'sum(count_over_time({__name__=~"vmx_.*"}[2h]))', 1280)).toBe(1280);

    const start = BASE + 5 * STEP_MS;
    const end = BASE + 38 * STEP_MS;
    for (const q of ['vmx_temperature', 'vmx_requests_total', 'sum by (job) (vmx_requests_total)', 'max_over_time(vmx_temperature[5m])']) {
      const ours = await queryRange(up.url, q, start, end);
      expect(ours.length, q).toBeGreaterThan(0);
      const theirs = await queryRange(vm.url, q, start, end);
      // MetricsQL keeps the metric name through max_over_time, where PromQL drops it.
      if (q.startsWith('max_over_time')) for (const s of theirs) delete s.metric.__name__;
      expect(ours, q).toEqual(theirs);
    }
  });

  it('imports the same input twice and stores each sample once', async () => {
    const file = join(dir, 'twice.prom');
    const body = Array.from({ length: 30 }, (_, i) => `twice_gauge{k="v"} ${i} ${BASE + i * 15_000}`).join('\n') + '\n';
    await writeFile(file, body);
    expect((await inDir(['import', '--url', up.url, file])).code).toBe(0);
    expect(await until(up.url, 'count_over_time(twice_gauge[2h])', 30)).toBe(30);
    const again = await inDir(['import', '--url', up.url, file]);
    expect(again.code).toBe(0);
    // A marker sent after the second import: once it is stored, so is everything before it.
    await writeFile(join(dir, 'marker.prom'), `twice_marker 1 ${BASE}\n`);
    expect((await inDir(['import', '--url', up.url, join(dir, 'marker.prom')])).code).toBe(0);
    expect(await until(up.url, 'count_over_time(twice_marker[2h])', 1)).toBe(1);
    expect(await instant(up.url, 'count_over_time(twice_gauge[2h])')).toBe(30);
    expect(await instant(up.url, 'sum_over_time(twice_gauge[2h])')).toBe((29 * 30) / 2);
  });

  it('sends an exposition file as series runs, each sample stored once, and as text to a server without that endpoint (VictoriaMetrics)', async () => {
    const runSamples = async () => Number(/^tidemark_import_samples_total\{endpoint="series-runs"\} (\S+)$/m.exec(await (await fetch(`${up.url}/metrics`)).text())?.[1] ?? 0);
    const before = await runSamples();
    const s = (ms: number) => (ms / 1000).toFixed(3);
    const lines = ['# HELP runs_bytes Bytes.', '# TYPE runs_bytes counter'];
    for (const disk of ['sda', 'sdb', 'sd c']) for (let i = 0; i < 40; i++) lines.push(`runs_bytes_total{disk="${disk}"} ${i * 512.5} ${s(BASE + i * 15_000)}`);
    const file = join(dir, 'runs.om');
    await writeFile(file, [...lines, '# EOF'].join('\n') + '\n');
    const ours = await inDir(['import', '--url', up.url, '--batch-lines', '50', file]);
    expect(ours.stderr).toBe('');
    expect(ours.stdout).toMatch(/^imported 120 samples from 1 file/);
    expect(await runSamples()).toBe(before + 120);
    expect(await until(up.url, 'sum(count_over_time(runs_bytes_total[2h]))', 120)).toBe(120);
    const theirs = await inDir(['import', '--url', vm.url, '--batch-lines', '50', file]);
    expect(theirs.code, theirs.stderr).toBe(0);
    await fetch(`${vm.url}/internal/force_flush`);
    const q = 'runs_bytes_total';
    await waitFor(async () => ((await queryRange(vm.url, q, BASE, BASE + 10 * STEP_MS)).length === 3 ? true : undefined));
    expect(await queryRange(up.url, q, BASE, BASE + 10 * STEP_MS)).toEqual(await queryRange(vm.url, q, BASE, BASE + 10 * STEP_MS));
  });

  it('imports an OpenMetrics file with timestamps that promtool create-blocks-from openmetrics also accepts', async () => {
    const s = (ms: number) => (ms / 1000).toFixed(3);
    const om = [
      '# HELP om_jobs Jobs processed.',
      '# TYPE om_jobs counter',
      ...Array.from({ length: 20 }, (_, i) => `om_jobs_total{queue="q1"} ${i * 2} ${s(BASE + i * 30_000)}`),
      '# TYPE om_depth gauge',
      ...Array.from({ length: 20 }, (_, i) => `om_depth{queue="q1"} ${i % 5} ${s(BASE + i * 30_000 + 500)}`),
      '# EOF',
    ].join('\n') + '\n';
    const file = join(dir, 'history.om');
    await writeFile(file, om);
    await promtoolCreateBlocks(file, join(dir, 'promtool-blocks'));

    const r = await inDir(['import', '--url', up.url, '--batch-lines', '7', file]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^imported 40 samples /);
    expect(await until(up.url, 'count_over_time(om_jobs_total[2h])', 20)).toBe(20);
    expect(await until(up.url, 'count_over_time(om_depth[2h])', 20)).toBe(20);
    const at = (q: string, ms: number) => queryRange(up.url, q, ms, ms);
    expect((await at('om_jobs_total', BASE + 19 * 30_000))[0].values).toEqual([[(BASE + 19 * 30_000) / 1000, '38']]);
    // The half second of the timestamps is kept: at BASE the depth sample (BASE + 0.5 s) is not yet there.
    expect(await at('om_depth', BASE)).toEqual([]);
  });

  it('imports CSV with the column mapping VictoriaMetrics uses', async () => {
    const file = join(dir, 'quotes.csv');
    const t0 = BASE / 1000;
    await writeFile(file, `${t0},1.5,GOOG\n${t0 + 60},1.75,GOOG\n${t0},10,MSFT\n`);
    const r = await inDir(['import', '--url', up.url, '--format', 'csv', '--csv-format', '2:metric:ask,3:label:ticker,1:time:unix_s', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^imported 3 samples /);
    expect(await until(up.url, 'sum(count_over_time(ask[2h]))', 3)).toBe(3);
    expect(await queryRange(up.url, 'ask', BASE + STEP_MS, BASE + STEP_MS)).toEqual([
      { metric: { __name__: 'ask', ticker: 'GOOG' }, values: [[(BASE + STEP_MS) / 1000, '1.75']] },
      { metric: { __name__: 'ask', ticker: 'MSFT' }, values: [[(BASE + STEP_MS) / 1000, '10']] },
    ]);
  });

  it('stops at the first bad line naming file, line and reason, and with --skip-bad lists every bad line at the end', async () => {
    const file = join(dir, 'bad.prom');
    await writeFile(file, [`bad_a 1 ${BASE}`, 'bad_b{ 2', `bad_c 3 ${BASE}`, `bad_d x ${BASE}`, `bad_e 5 ${BASE}`].join('\n') + '\n');
    const stopped = await inDir(['import', '--url', up.url, '--batch-lines', '2', '--concurrency', '1', file]);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(new RegExp(`^${file}:2: column \\d+: .+$`, 'm'));
    expect(stopped.stderr).toMatch(/import stopped at the first bad line/);
    // With one request in flight, bad_c and the lines after it were never sent.
    await writeFile(join(dir, 'marker2.prom'), `bad_marker 1 ${BASE}\n`);
    expect((await inDir(['import', '--url', up.url, join(dir, 'marker2.prom')])).code).toBe(0);
    expect(await until(up.url, 'count_over_time(bad_marker[2h])', 1)).toBe(1);
    expect(await instant(up.url, 'count_over_time(bad_a[2h])')).toBe(1);
    expect(await instant(up.url, 'count_over_time(bad_c[2h])')).toBeUndefined();

    const skipped = await inDir(['import', '--url', up.url, '--batch-lines', '2', '--skip-bad', file]);
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toMatch(new RegExp(`^${file}:2: `, 'm'));
    expect(skipped.stderr).toMatch(new RegExp(`^${file}:4: column \\d+: .*"x"`, 'm'));
    expect(skipped.stdout).toMatch(/^imported 3 samples .*; skipped 2 bad lines$/m);
    expect(await until(up.url, 'count_over_time(bad_e[2h])', 1)).toBe(1);
  });

  it('reads standard input and gzip files, and prints progress on standard error', async () => {
    const text = Array.from({ length: 400 }, (_, i) => `piped{n="${i % 4}"} ${i} ${BASE + Math.floor(i / 4) * 15_000}`).join('\n') + '\n';
    const r = await inDir(['import', '--url', up.url, '--rate', '250', '--progress', '1', '--batch-lines', '50', '-'], { stdin: text });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^imported 400 samples from 1 file/);
    // Not a terminal: progress as JSON lines, the last one when the import is done.
    const progress = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(progress.filter((p) => p.msg === 'import progress').length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ msg: 'import finished', samples: 400, lines: 400, bad_lines: 0, total: null, unit: 'bytes' });
    expect(await until(up.url, 'sum(count_over_time(piped[2h]))', 400)).toBe(400);

    const gz = join(dir, 'export.jsonl.gz');
    await writeFile(gz, gzipSync(`{"metric":{"__name__":"zipped","a":"1"},"values":[1,2,3],"timestamps":[${BASE},${BASE + 15_000},${BASE + 30_000}]}\n`));
    const z = await inDir(['import', '--url', up.url, gz]);
    expect(z.stdout).toMatch(/^imported 3 samples /);
    expect(await until(up.url, 'count_over_time(zipped[2h])', 3)).toBe(3);
  });

  it('takes what vmctl migrates from a Prometheus data directory (vmctl writes to /api/v1/import)', async () => {
    const file = join(dir, 'for-vmctl.om');
    // The 12 minutes lie inside one of promtool's 2 h blocks: vmctl 1.79.5 sent 1 of 12 samples of
    // minutes that spanned two blocks. The latest 12 whole minutes of a block that are in the past:
    const block = Math.floor(Date.now() / 7_200_000) * 7_200_000;
    const start = Date.now() - block >= 15 * 60_000 ? block + 60_000 : block - 20 * 60_000;
    const om = ['# TYPE mig_value gauge', ...Array.from({ length: 12 }, (_, i) => `mig_value{src="prom"} ${i} ${(start + i * 60_000) / 1000}`), '# EOF'].join('\n') + '\n';
    await writeFile(file, om);
    const blocks = join(dir, 'vmctl-blocks');
    await promtoolCreateBlocks(file, blocks);
    // vmctl insists on a terminal even without its progress bar: script(1) gives it one.
    const vmctl = `/usr/bin/vmctl prometheus -s --prom-snapshot ${blocks} --vm-addr ${up.url} --vm-disable-progress-bar`;
    // vmctl 1.79.5 now and then reports the block's 12 samples and sends none ("total samples: 0",
    // no request): its reader races its importer. Another run is the same migration again, which
    // Tidemark stores once, so up to three runs are made until vmctl sends.
    let stdout = '';
    for (let attempt = 0; attempt < 3 && !/total samples: 12;/.test(stdout); attempt++) {
      ({ stdout } = await run('/usr/bin/script', ['-qec', vmctl, '/dev/null'], { timeout: 60_000 }));
    }
    expect(stdout).toMatch(/blocks found: 1;/);
    expect(stdout).toMatch(/total samples: 12;/);
    expect(stdout).toMatch(/import requests: 1;/);
    expect(stdout).toMatch(/import requests retries: 0;/);
    const at = start + 13 * 60_000;
    expect(await until(up.url, 'count_over_time(mig_value[1h])', 12, at)).toBe(12);
    expect(await until(up.url, 'sum_over_time(mig_value[1h])', 66, at)).toBe(66);
  });

  it("counts what it stored, the requests and the bad lines in tidemark_import_* on the server's /metrics", async () => {
    const metric = async (name: string, labels: string) => {
      const text = await (await fetch(`${up.url}/metrics`)).text();
      return Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
    };
    // The command parses the batch of good lines itself and sends it as series runs; the batch
    // with the bad line goes as text, for the server to name the line.
    const ep = 'endpoint="prometheus"';
    const runs = 'endpoint="series-runs"';
    const [samples0, runSamples0, bad0, partial0, stored0] = await Promise.all([
      metric('tidemark_import_samples_total', ep),
      metric('tidemark_import_samples_total', runs),
      metric('tidemark_import_bad_lines_total', ep),
      metric('tidemark_import_requests_total', `${ep},outcome="partial"`),
      metric('tidemark_import_requests_total', `${runs},outcome="stored"`),
    ]);
    const file = join(dir, 'counted.prom');
    await writeFile(file, [...Array.from({ length: 9 }, (_, i) => `counted ${i} ${BASE + i * 1000}`), 'counted{ 1'].join('\n') + '\n');
    const r = await inDir(['import', '--url', up.url, '--batch-lines', '5', '--skip-bad', file]);
    expect(r.stdout).toMatch(/^imported 9 samples .*skipped 1 bad lines/);
    expect(await metric('tidemark_import_samples_total', runs)).toBe(runSamples0 + 5);
    expect(await metric('tidemark_import_samples_total', ep)).toBe(samples0 + 4);
    expect(await metric('tidemark_import_bad_lines_total', ep)).toBe(bad0 + 1);
    expect(await metric('tidemark_import_requests_total', `${runs},outcome="stored"`)).toBe(stored0 + 1);
    expect(await metric('tidemark_import_requests_total', `${ep},outcome="partial"`)).toBe(partial0 + 1);
    expect(await metric('tidemark_import_last_request_timestamp_seconds', ep)).toBeGreaterThan(BASE / 1000);
  });

  it('draws a progress bar with done/total, rate and time left when standard error is a terminal', async () => {
    const file = join(dir, 'bar.prom');
    await writeFile(file, Array.from({ length: 600 }, (_, i) => `bar_value{n="${i % 3}"} ${i} ${BASE + Math.floor(i / 3) * 15_000}`).join('\n') + '\n');
    // script(1) gives the import a terminal, as a user at a shell has.
    const cmd = `${process.execPath} ${CLI} import --url ${up.url} --rate 400 --batch-lines 50 ${file}`;
    const { stdout } = await run('/usr/bin/script', ['-qec', cmd, '/dev/null'], { cwd: dir, timeout: 60_000 });
    const frames = stdout.split('\r\x1b[K').slice(1);
    expect(frames.length).toBeGreaterThan(1);
    expect(frames[0]).toMatch(/^\[[#.]{30}\] +\d+%  [\d.]+ (B|kB)\/[\d.]+ kB  \d+ samples  [\d.]+ (k )?samples\/s/);
    expect(frames.some((f) => / \d+:\d\d left/.test(f))).toBe(true);
    expect(frames.at(-1)).toMatch(/^\[#{30}\] 100%  .* 600 samples /);
    expect(stdout).toMatch(/imported 600 samples from 1 file/);
  });

  it('refuses an unreadable or zstd input with the reason and exit status 1', async () => {
    const zst = join(dir, 'x.zst');
    await writeFile(zst, Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]));
    const r = await inDir(['import', '--url', up.url, zst]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/zstd-compressed.*zstd -dc/);
    const missing = await inDir(['import', '--url', up.url, join(dir, 'nope.prom')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.prom: ENOENT/);
    expect((await inDir(['import', join(dir, 'nope.prom')])).code).toBe(2);
    expect(await readFile(zst)).toHaveLength(8);
  });
});
