/**
 * Hostile load against `tidemark up` (the built CLI, its own process, default settings): for each
 * attack class, the worst `/-/healthy` latency seen by a prober polling every 20 ms meanwhile,
 * the process' peak RSS, and how many acknowledged samples cannot be read back afterwards.
 * Attacks: a subquery of 86.4 M steps with timeout=5s; 50 concurrent range queries over 2,000
 * series; four remote_write bodies at once, each one series repeated to 140 MB (snappy); a
 * nested-quantifier regex against a long label value; far-future timestamps followed by
 * ordinary writes; and recording rules over 20,000 series (a `tidemark up` with a rule file).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import { RoleProcess } from '../system/role-process.js';
import type { Benchmark, BenchResult } from './bench-result.js';
import { encodeWriteRequest, freePort, rssBytes, tempDir, type RwSeries } from './peers/index.js';

const GOAL = '< 100 ms /-/healthy, RSS bounded, 0 missing';

interface Watch { worstMs: number; peakRss: number; stop: () => Promise<void> }

/** Polls /-/healthy every 20 ms and the RSS every 100 ms until stopped. */
function watch(url: string, pid: number): Watch {
  let running = true;
  const w = { worstMs: 0, peakRss: rssBytes(pid) };
  const health = (async () => {
    while (running) {
      const t0 = performance.now();
      try { await fetch(`${url}/-/healthy`, { signal: AbortSignal.timeout(120_000) }).then((r) => r.arrayBuffer()); } catch { /* counted as its time */ }
      w.worstMs = Math.max(w.worstMs, performance.now() - t0);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const rss = setInterval(() => { const b = rssBytes(pid); if (b > w.peakRss) w.peakRss = b; }, 100);
  return {
    get worstMs() { return w.worstMs; },
    get peakRss() { return w.peakRss; },
    stop: async () => { running = false; clearInterval(rss); await health; },
  };
}

async function remoteWrite(url: string, series: RwSeries[]): Promise<number> {
  const res = await fetch(`${url}/api/v1/write`, {
    method: 'POST', body: snappyBlockCompress(encodeWriteRequest(series)),
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
  });
  await res.arrayBuffer();
  return res.status;
}

async function instantCount(url: string, query: string): Promise<number> {
  const q = new URLSearchParams({ query, time: String(Date.now() / 1000) });
  const body = (await (await fetch(`${url}/api/v1/query?${q}`)).json()) as { data?: { result: Array<{ value: [number, string] }> } };
  return Number(body.data?.result[0]?.value[1] ?? 0);
}

async function run(): Promise<BenchResult[]> {
  const dir = tempDir('tidemark-bench-hostile-');
  const port = await freePort();
  const cwd = join(dir, 'up');
  await mkdir(cwd);
  const up = new RoleProcess({ name: 'up', url: `http://127.0.0.1:${port}`, cwd, args: ['up', '--data', join(dir, 'data'), '--listen', `127.0.0.1:${port}`, '--log.level', 'warn'] }, dir);
  const rows: BenchResult[] = [];
  try {
    await up.start(120_000);
    const now = Date.now();
    // 2,000 series x 1 h at 10 s, for the range queries and the regex.
    for (let b = 0; b < 20; b++) {
      const series: RwSeries[] = [];
      for (let i = b * 100; i < (b + 1) * 100; i++) {
        const timestamps: number[] = [];
        const values: number[] = [];
        for (let k = 0; k < 360; k++) { timestamps.push(now - 3_600_000 + k * 10_000); values.push(k * (i % 7 + 1)); }
        series.push({ labels: { __name__: 'hostile_requests_total', job: `j${i % 10}`, instance: `i${i}`, a: i === 0 ? `${'a'.repeat(31)}c` : 'x' }, values, timestamps, from: 0, to: 360 });
      }
      if (await remoteWrite(up.url, series) !== 204) throw new Error('loading the data set failed');
    }
    const attack = async (name: string, fn: () => Promise<string>): Promise<void> => {
      const w = watch(up.url, up.pid);
      let note: string;
      try { note = await fn(); } finally { await w.stop(); }
      rows.push({ name: `hostile load: ${name}`, subject: 'tidemark', value: w.worstMs, unit: 'ms', goal: GOAL, note: `worst /-/healthy; peak RSS ${(w.peakRss / 2 ** 20).toFixed(0)} MB; ${note}` });
    };
    await attack('max_over_time(vector(1)[1d:1ms]), timeout=5s', async () => {
      const q = new URLSearchParams({ query: 'max_over_time(vector(1)[1d:1ms])', timeout: '5s' });
      const t0 = performance.now();
      const res = await fetch(`${up.url}/api/v1/query?${q}`);
      const body = await res.text();
      return `answered ${res.status} after ${((performance.now() - t0) / 1000).toFixed(1)} s: ${body.slice(0, 80)}`;
    });
    await attack('50 concurrent range queries over 2,000 series x 1 h', async () => {
      const q = new URLSearchParams({ query: 'sum by (job) (rate(hostile_requests_total[5m]))', start: String((now - 3_600_000) / 1000), end: String(now / 1000), step: '15' });
      const t0 = performance.now();
      const codes = await Promise.all(Array.from({ length: 50 }, () => fetch(`${up.url}/api/v1/query_range?${q}`).then(async (r) => { await r.arrayBuffer(); return r.status; })));
      return `${codes.filter((c) => c === 200).length} of 50 answered 200 in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
    });
    await attack('{a=~"(a+)+b"} against a value of 31 a and a c', async () => {
      const n = await instantCount(up.url, 'count(hostile_requests_total{a=~"(a+)+b"})');
      return `matched ${n} series (expected 0)`;
    });
    // Built before the prober starts: compressing 140 MB holds this process' event loop, where the
    // prober runs, for most of a second.
    const one = encodeWriteRequest([{ labels: { __name__: 'hostile_expanding', job: 'x' }, values: [1], timestamps: [now], from: 0, to: 1 }]);
    const body = snappyBlockCompress(Buffer.concat(new Array<Buffer>(Math.floor(140_000_000 / one.length)).fill(one)));
    await attack('4 remote_write bodies at once, each 140 MB of one repeated series (snappy)', async () => {
      const codes = await Promise.all(Array.from({ length: 4 }, () => fetch(`${up.url}/api/v1/write`, {
        method: 'POST', body, headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      }).then(async (r) => { await r.arrayBuffer(); return r.status; })));
      return `${(body.length / 1e6).toFixed(1)} MB compressed each, answered ${codes.join(', ')}`;
    });
    await attack('far-future timestamps, then 400 ordinary samples', async () => {
      const future = await remoteWrite(up.url, [{ labels: { __name__: 'hostile_future' }, values: [1], timestamps: [Date.UTC(3000, 0, 1)], from: 0, to: 1 }]);
      const influx = await fetch(`${up.url}/write`, { method: 'POST', body: 'hostile_future_influx v=1 99999999999999999999' });
      await influx.arrayBuffer();
      let acknowledged = 0;
      for (let k = 0; k < 400; k++) {
        if (await remoteWrite(up.url, [{ labels: { __name__: 'hostile_later' }, values: [k], timestamps: [Date.now()], from: 0, to: 1 }]) === 204) acknowledged++;
        await new Promise((r) => setTimeout(r, 2));
      }
      const stored = await instantCount(up.url, 'count_over_time(hostile_later[10m])');
      return `far-future answered ${future} (remote_write) and ${influx.status} (Influx); ${acknowledged} acknowledged, ${acknowledged - stored} missing`;
    });
  } finally {
    await up.kill();
    await up.closeLog();
  }
  rows.push(await heavyRules(dir));
  return rows;
}

/**
 * Rules over 20,000 series in a `tidemark up` of their own (their window holds every series):
 * `count by (job) ({__name__=~".+"})` and a subquery of 60,000 steps over all of them, every 5 s,
 * while /-/healthy is polled through three evaluations of the group.
 */
async function heavyRules(dir: string): Promise<BenchResult> {
  const port = await freePort();
  const cwd = join(dir, 'rules');
  await mkdir(cwd);
  await writeFile(join(cwd, 'rules.yml'), `groups:
  - name: heavy
    interval: 5s
    rules:
      - record: job:series:count
        expr: count by (job) ({__name__=~".+"})
      - record: series:count_max_10m
        expr: count(max_over_time(count({__name__=~"hostile_rule_.+"})[10m:10ms]))
`);
  await writeFile(join(cwd, 'tidemark.yml'), 'rule_files: [rules.yml]\n');
  const up = new RoleProcess({ name: 'up-rules', url: `http://127.0.0.1:${port}`, cwd, args: ['up', '--config', join(cwd, 'tidemark.yml'), '--data', join(cwd, 'data'), '--listen', `127.0.0.1:${port}`, '--log.level', 'warn'] }, dir);
  try {
    await up.start(120_000);
    // 20,000 series (100 names, 10 jobs), 2 minutes at 15 s.
    const now = Date.now();
    for (let b = 0; b < 20; b++) {
      const series: RwSeries[] = [];
      for (let i = b * 1000; i < (b + 1) * 1000; i++) {
        const timestamps = Array.from({ length: 8 }, (_, k) => now - 105_000 + k * 15_000);
        series.push({ labels: { __name__: `hostile_rule_${i % 100}`, job: `j${i % 10}`, instance: `i${i}` }, values: timestamps.map((_, k) => k), timestamps, from: 0, to: 8 });
      }
      if (await remoteWrite(up.url, series) !== 204) throw new Error('loading the rules data set failed');
    }
    const evaluations = async (): Promise<{ count: number; seconds: number }> => {
      const text = await (await fetch(`${up.url}/metrics`)).text();
      const body = (await (await fetch(`${up.url}/api/v1/rules`)).json()) as { data: { groups: Array<{ evaluationTime: number }> } };
      return { count: Number(/^tidemark_rules_evaluations_total (\S+)$/m.exec(text)?.[1] ?? 0), seconds: body.data.groups[0]?.evaluationTime ?? 0 };
    };
    const w = watch(up.url, up.pid);
    let last = { count: 0, seconds: 0 };
    try {
      // Two rules per group evaluation; bounded by time too, so a stuck evaluator ends the row.
      const first = await evaluations();
      const deadline = Date.now() + 180_000;
      while (Date.now() < deadline) {
        // A process whose event loop was held resets the connections that idled meanwhile: ask again.
        last = await evaluations().catch(() => last);
        if (last.count - first.count >= 6) break;
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      await w.stop();
    }
    const rules = (await (await fetch(`${up.url}/api/v1/rules`)).json()) as { data: { groups: Array<{ rules: Array<{ health: string; lastError?: string }> }> } };
    const health = rules.data.groups[0]?.rules.map((r) => r.lastError ?? r.health).join(', ');
    return {
      name: 'hostile load: rules count by (job) ({__name__=~".+"}) and a [10m:10ms] subquery over 20,000 series, every 5 s',
      subject: 'tidemark', value: w.worstMs, unit: 'ms', goal: GOAL,
      note: `worst /-/healthy over 3 group evaluations; peak RSS ${(w.peakRss / 2 ** 20).toFixed(0)} MB; last group evaluation ${last.seconds.toFixed(2)} s; rules ${health}`,
    };
  } finally {
    await up.kill();
    await up.closeLog();
  }
}

export const hostileLoadBenchmark: Benchmark = { area: 'hostile-load', run };
