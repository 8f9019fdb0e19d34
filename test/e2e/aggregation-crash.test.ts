import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, waitFor, type RunningCli } from './cli-process.js';
import { aggregationDataset, MINUTES, toPrometheusText, type DataSample } from './aggregation-dataset.js';

/**
 * Exactly once across crashes: `tidemark up` is killed with SIGKILL again and again while the
 * input is posted minute by minute (a post that got no answer is sent again, so some samples
 * reach the bus twice), restarted on the same data directory each time, and its aggregation
 * output is compared with a run that was never interrupted. Windows close on the data's own
 * event time (allowed lateness of two minutes, no idle fallback), so both runs close the same
 * windows with the same samples; a final far-ahead sample on every partition closes the rest.
 */
const CONFIG = `
bus:
  partitions: 3
  watermarks: {enabled: false}
aggregation:
  allowed_lateness_ms: 120000
  idle_timeout_ms: 3600000
  checkpoint_interval_ms: 200
aggregates:
  - match: agg_requests_total
    interval: 1m
    by: [job]
    outputs: [total, increase, rate_sum, count_samples, count_series]
  - match: agg_temperature
    interval: 1m
    without: [instance]
    outputs:
      - sum_samples
      - avg
      - stddev
      - quantiles(0.5, 0.9)
      - last
`;

/** The input in posts of one minute each, then the closing sample on every partition. */
function posts(t0: number): string[] {
  const data = aggregationDataset(t0);
  const out: string[] = [];
  for (let m = 0; m < MINUTES; m++) {
    const chunk = data.filter((s) => s.t > t0 + m * 60_000 && s.t <= t0 + (m + 1) * 60_000);
    out.push(toPrometheusText(chunk));
  }
  // Many series so every partition gets one, 10 minutes past the end.
  const closing: DataSample[] = [];
  for (let i = 0; i < 24; i++) closing.push({ name: 'agg_closing', labels: { i: String(i) }, t: t0 + (MINUTES + 10) * 60_000, v: 1 });
  out.push(toPrometheusText(closing));
  return out;
}

/** Every (series, timestamp) -> the values the aggregates topic holds for it (all copies). */
async function aggregatesTopic(data: string): Promise<Map<string, number[]>> {
  const tail = await runCli(['tail', '--data', data, '--topic', 'tidemark.aggregates', '--from', 'earliest', '--to-end'], { timeoutMs: 60_000 });
  expect(tail.code, tail.stderr).toBe(0);
  const out = new Map<string, number[]>();
  for (const line of tail.stdout.split('\n')) {
    const m = /^(\S+:1m\S*?(?:\{[^}]*\})?) (\S+) (\d+)$/.exec(line.trim());
    if (m === null) continue;
    const k = `${m[1]} @${m[3]}`;
    if (!out.has(k)) out.set(k, []);
    out.get(k)!.push(Number(m[2]));
  }
  return out;
}

async function post(up: RunningCli, body: string): Promise<boolean> {
  try {
    const r = await fetch(`${up.url}/api/v1/import/prometheus`, { method: 'POST', body });
    return r.status === 204;
  } catch {
    return false;
  }
}

async function lastWindowStored(up: RunningCli, last: number): Promise<true | undefined> {
  const u = new URL('/api/v1/query', up.url);
  // The samples' own timestamps: within the lookback an earlier window's sample would answer too.
  u.search = new URLSearchParams({ query: 'timestamp(agg_temperature:1m_without_instance_last)', time: String(last / 1000) }).toString();
  const body = (await (await fetch(u)).json()) as { data: { result: { value: [number, string] }[] } };
  return body.data.result.length === 2 && body.data.result.every((r) => Number(r.value[1]) === last / 1000) ? true : undefined;
}

describe('streaming aggregation after SIGKILL at any point', () => {
  let dir: string;
  const t0 = Math.floor((Date.now() - 4 * 3_600_000) / 3_600_000) * 3_600_000;
  const last = t0 + MINUTES * 60_000;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aggregation-crash-'));
    await writeFile(join(dir, 'tidemark.yml'), CONFIG);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('publishes the same outputs as an uninterrupted run, none lost, none with two values', async () => {
    const cfg = join(dir, 'tidemark.yml');
    const input = posts(t0);

    const cleanData = join(dir, 'clean');
    const clean = await startCli(['up', '--config', cfg, '--data', cleanData]);
    for (const body of input) expect(await post(clean, body)).toBe(true);
    await waitFor(() => lastWindowStored(clean, last), 90_000);
    expect(await clean.stop('SIGTERM')).toBe(0);

    const crashData = join(dir, 'crashed');
    let up = await startCli(['up', '--config', cfg, '--data', crashData]);
    let kills = 0;
    let resumed = 0;
    let seed = 11;
    const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    for (let i = 0; i < input.length; i++) {
      const kill = i > 0 && rand() < 0.3;
      const sent = post(up, input[i]!);
      if (kill) {
        // Somewhere during this post, or while the windows it completes are closed and checkpointed.
        await new Promise((r) => setTimeout(r, Math.floor(rand() * 400)));
        await up.stop('SIGKILL');
        kills++;
        if (up.output().includes('aggregation checkpoint restored')) resumed++;
        const ok = await sent;
        up = await startCli(['up', '--config', cfg, '--data', crashData]);
        // Not answered: sent again (it may have reached the bus already).
        if (!ok) expect(await post(up, input[i]!)).toBe(true);
      } else {
        expect(await sent).toBe(true);
      }
    }
    await waitFor(() => lastWindowStored(up, last), 90_000);
    expect(await up.stop('SIGTERM')).toBe(0);
    expect(kills).toBeGreaterThanOrEqual(5);
    // The restarts went on from checkpoints (not from an empty state).
    expect(resumed).toBeGreaterThanOrEqual(kills - 1);

    const want = await aggregatesTopic(cleanData);
    const got = await aggregatesTopic(crashData);
    // Every window of both rules: 2 jobs x 5 outputs + 2 jobs x 6 outputs, every minute; then
    // total and increase go on while the counters are not stale yet (two more windows).
    expect(want.size).toBe(MINUTES * (2 * 5 + 2 * 6) + 2 * 2 * 2);
    for (const [k, values] of want) expect(values, `${k} in the clean run`).toHaveLength(1);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [k, values] of got) {
      // Sent again after a crash is fine, only ever with the same value.
      expect(new Set(values), k).toEqual(new Set(want.get(k)));
    }
  }, 600_000);
});
