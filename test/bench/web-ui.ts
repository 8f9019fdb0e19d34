/**
 * The web UI's graph in chromium: `tidemark up` (the built CLI) holds 20 series over 6 h at a
 * 15 s interval; the query page graphs them over 6 h. Measured in the page with User Timing
 * (ops/web-ui/app/query: the panel marks when its query starts, the graph measures uPlot's
 * build and first draw): from opening the page's URL to the drawn graph (app bundle loaded from
 * the browser cache after the first), from Execute to the drawn graph (query, JSON, alignment,
 * uPlot), and the uPlot part alone; each the median of the runs.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import { RoleProcess } from '../system/role-process.js';
import { launchBrowser } from '../browser/browser.js';
import type { Benchmark, BenchResult } from './bench-result.js';
import { encodeWriteRequest, freePort, tempDir, type RwSeries } from './peers/index.js';

const SERIES = 20;
const RANGE_MS = 6 * 3600_000;
const INTERVAL_MS = 15_000;
const RUNS = 9;

/** What the page's User Timing says about the last graph. */
interface PageTiming {
  /** ms since navigation start when the last graph's first draw ended. */
  drawnAt: number;
  /** uPlot build + first draw of the last graph, ms. */
  drawMs: number;
  count: number;
}

const TIMING = `(() => {
  const m = performance.getEntriesByName('tidemark:graph-drawn');
  const last = m[m.length - 1];
  return last === undefined ? undefined : { drawnAt: last.startTime + last.duration, drawMs: last.duration, count: m.length };
})()`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function load(url: string, end: number): Promise<number> {
  const points = RANGE_MS / INTERVAL_MS + 1;
  const series: RwSeries[] = [];
  for (let i = 0; i < SERIES; i++) {
    const timestamps: number[] = [];
    const values: number[] = [];
    for (let j = 0; j < points; j++) {
      timestamps.push(end - RANGE_MS + j * INTERVAL_MS);
      values.push(100 * (i + 1) + 50 * Math.sin(j / 40 + i));
    }
    series.push({ labels: { __name__: 'web_ui_bench', instance: `host-${i}:9100`, job: 'node' }, values, timestamps, from: 0, to: points });
  }
  const res = await fetch(`${url}/api/v1/write`, {
    method: 'POST',
    body: snappyBlockCompress(encodeWriteRequest(series)),
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
  });
  if (res.status !== 204) throw new Error(`web-ui bench: loading answered ${res.status} ${await res.text()}`);
  const total = SERIES * points;
  const q = new URLSearchParams({ query: 'sum(count_over_time(web_ui_bench[7h]))', time: String(end / 1000) });
  const deadline = Date.now() + 120_000;
  for (;;) {
    const body = (await (await fetch(`${url}/api/v1/query?${q}`)).json()) as { data?: { result: Array<{ value: [number, string] }> } };
    if (Number(body.data?.result[0]?.value[1] ?? 0) >= total) return total;
    if (Date.now() > deadline) throw new Error(`web-ui bench: fewer than ${total} samples readable after 2 minutes`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function run(): Promise<BenchResult[]> {
  const dir = tempDir('tidemark-bench-web-ui-');
  const port = await freePort();
  const cwd = join(dir, 'up');
  await mkdir(cwd);
  const up = new RoleProcess(
    { name: 'up', url: `http://127.0.0.1:${port}`, cwd, args: ['up', '--data', join(dir, 'data'), '--listen', `127.0.0.1:${port}`, '--log.level', 'warn'] },
    dir,
  );
  const browser = await launchBrowser();
  try {
    await up.start(120_000);
    const end = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS;
    const samples = await load(up.url, end);
    const endInput = new Date(end).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
    const rows: BenchResult[] = [];
    for (const step of [undefined, 15] as const) {
      const params = new URLSearchParams({ 'g0.expr': 'web_ui_bench', 'g0.tab': 'graph', 'g0.range_input': '6h', 'g0.end_input': endInput });
      if (step !== undefined) params.set('g0.step_input', String(step));
      // A context of its own: the first open starts with an empty HTTP cache.
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const open: number[] = [];
      const execute: number[] = [];
      const draw: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        await page.goto(`${up.url}/graph?${params}`);
        await page.waitForFunction(TIMING);
        const t = (await page.evaluate(TIMING)) as PageTiming;
        open.push(t.drawnAt);
      }
      for (let r = 0; r < RUNS; r++) {
        const before = ((await page.evaluate(TIMING)) as PageTiming).count;
        const clickedAt = (await page.evaluate(`(() => { const t = performance.now(); document.querySelector('[data-testid=execute]').click(); return t; })()`)) as number;
        await page.waitForFunction(`${TIMING}.count > ${before}`);
        const t = (await page.evaluate(TIMING)) as PageTiming;
        execute.push(t.drawnAt - clickedAt);
        draw.push(t.drawMs);
      }
      const graphed = (await page.evaluate(`document.querySelector('[data-testid=graph]').uplot.data.map((c) => c.length)`)) as number[];
      await context.close();
      if (graphed.length !== SERIES + 1) throw new Error(`web-ui bench: the graph drew ${graphed.length - 1} series, expected ${SERIES}`);
      const what = `graph page, ${SERIES} series x 6 h (${samples} samples stored), ${graphed[0]} points per series (${step === undefined ? `auto step ${Math.max(Math.floor(RANGE_MS / 1000 / 250), 1)} s` : `step ${step} s`}), chromium`;
      const note = `median of ${RUNS}`;
      rows.push(
        { name: `${what}: first open, empty browser cache -> graph drawn`, subject: 'tidemark', value: open[0], unit: 'ms', goal: '< 1000 ms', note: "one run; for the first variant also the fresh server's first page and query" },
        { name: `${what}: open URL again -> graph drawn`, subject: 'tidemark', value: median(open.slice(1)), unit: 'ms', goal: '< 1000 ms', note: `median of ${RUNS - 1}; page, app chunks from the browser cache, query and draw` },
        { name: `${what}: Execute -> graph drawn`, subject: 'tidemark', value: median(execute), unit: 'ms', goal: '< 1000 ms', note: `${note}; query_range, JSON, alignment, uPlot` },
        { name: `${what}: uPlot build + first draw`, subject: 'tidemark', value: median(draw), unit: 'ms', note },
      );
    }
    return rows;
  } finally {
    await browser.close();
    await up.stop();
    await up.closeLog();
  }
}

export const webUiBenchmark: Benchmark = { area: 'web-ui', run };
