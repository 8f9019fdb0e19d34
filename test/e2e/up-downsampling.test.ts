import { existsSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

const M = 60_000;
const H = 3600_000;
const D = 24 * H;
const DAYS = 30;
const STEP = M;

/**
 * 32 days of node_exporter-like history at 1 m: CPU seconds counters of two CPUs with a reboot
 * (every counter back near zero) on day 11, and two memory gauges, as `/api/v1/import` lines cut
 * into 2 h pieces in time order (the store takes samples in order per series until they are in a
 * block, so history arrives oldest first).
 */
function history(end: number): string[] {
  const start = end - (DAYS + 2) * D;
  const series: { metric: Record<string, string>; next: (t: number, prev: number) => number; v: number }[] = [];
  let seed = 11;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const reboot = start + 11 * D + 7 * H;
  for (const cpu of ['0', '1']) {
    for (const [mode, share] of [['idle', 0.8], ['user', 0.12], ['system', 0.06], ['iowait', 0.02]] as const) {
      series.push({ metric: { __name__: 'node_cpu_seconds_total', instance: 'host:9100', cpu, mode }, v: 1e5 * share, next: (t, prev) => (t === reboot ? 0.3 * rnd() : prev + 60 * share * (0.5 + rnd())) });
    }
  }
  for (const [name, base] of [['node_memory_MemAvailable_bytes', 6e9], ['node_load1', 1]] as const) {
    series.push({ metric: { __name__: name, instance: 'host:9100' }, v: base, next: (_, prev) => Math.max(0, Math.round((prev + (rnd() - 0.5) * base * 0.02) * 1000) / 1000) });
  }
  const lines: string[] = [];
  for (let a = start; a < end; a += 2 * H) {
    for (const s of series) {
      const timestamps: number[] = [];
      const values: number[] = [];
      for (let t = a; t < a + 2 * H && t < end; t += STEP) {
        s.v = s.next(t, s.v);
        timestamps.push(t);
        values.push(Math.round(s.v * 100) / 100);
      }
      lines.push(JSON.stringify({ metric: s.metric, values, timestamps }));
    }
  }
  return lines;
}

interface Matrix {
  status: string;
  data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
}

/** 30 days of history imported into `tidemark up`; downsampled answers against raw ones. */
describe('tidemark up with downsampled tiers', () => {
  let dir: string;
  let up: RunningCli;
  let args: string[];
  // Whole days, so 1 h windows tile every range; the newest two days stay raw-only ("after: 2d").
  const end = Math.floor(Date.now() / D) * D;
  const qStart = end - DAYS * D + D;
  const qEnd = end - H;
  let total = 0;
  /** Samples the raw blocks and heads hold, when that is every imported one. */
  const stored = async (): Promise<number | undefined> => {
    const q = new URLSearchParams({ query: 'sum(count_over_time({instance="host:9100"}[40d]))', time: String(end / 1000), max_source_resolution: 'raw' });
    const body = (await (await fetch(`${up.url}/api/v1/query?${q}`)).json()) as { data: { result: { value: [number, string] }[] } };
    const n = Number(body.data.result[0]?.value[1] ?? 0);
    return n === total ? n : undefined;
  };
  const shardDirs = (): string[] => {
    const shards = join(dir, 'data', 'store', 'shards');
    return readdirSync(shards).filter((d) => /^tidemark\.samples-\d+$/.test(d)).map((d) => join(shards, d));
  };
  /** Each shard's tier blocks by the range they cover (block ids change when a block is written again). */
  const tierRanges = (): string[] =>
    shardDirs().flatMap((shard) =>
      ['5m', '1h'].flatMap((tier) => {
        const tierDir = join(shard, 'downsample', tier);
        let names: string[] = [];
        try {
          names = readdirSync(tierDir).filter((f) => !f.endsWith('.tmp'));
        } catch {
          return []; // deleted: no blocks
        }
        return names.map((b) => {
          const meta = JSON.parse(readFileSync(join(tierDir, b, 'meta.json'), 'utf8')) as { minTime: number; maxTime: number };
          return `${shard.slice(-10)} ${tier} ${meta.minTime}-${meta.maxTime}`;
        });
      }),
    ).sort();
  const blockDirs = (shard: string, tier: string): string[] => readdirSync(join(shard, 'downsample', tier)).filter((f) => !f.endsWith('.tmp')).sort().map((b) => join(shard, 'downsample', tier, b));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-downsampling-'));
    const cfg = join(dir, 'tidemark.yml');
    await writeFile(cfg, [
      'bus:', '  partitions: 2',
      'store:', '  compact_interval_ms: 1000', '  retention_ms: 0',
      '  downsampling:', '    - {resolution: 5m, after: 2d, retention: 90d}', '    - {resolution: 1h, after: 2d, retention: 1y}',
      '',
    ].join('\n'));
    args = ['up', '--config', cfg, '--data', join(dir, 'data'), '--web.enable-admin-api'];
    up = await startCli(args);
    const lines = history(end);
    for (let i = 0; i < lines.length; i += 400) {
      const r = await fetch(`${up.url}/api/v1/import`, { method: 'POST', body: lines.slice(i, i + 400).join('\n') });
      expect(r.status, await r.text()).toBe(204);
    }
    total = lines.reduce((n, l) => n + (JSON.parse(l) as { values: number[] }).values.length, 0);
    expect(await waitFor(stored, 120_000)).toBe(total);
  }, 300_000);

  afterAll(async () => {
    expect(await up.stop('SIGTERM')).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  const range = async (query: string, maxSourceResolution: string, step = '3600'): Promise<{ header: string | null; points: Map<string, number> }> => {
    const q = new URLSearchParams({ query, start: String(qStart / 1000), end: String(qEnd / 1000), step, max_source_resolution: maxSourceResolution });
    const res = await fetch(`${up.url}/api/v1/query_range?${q}`);
    const body = (await res.json()) as Matrix;
    expect(body.status).toBe('success');
    const points = new Map<string, number>();
    for (const s of body.data.result) for (const [t, v] of s.values) points.set(`${JSON.stringify(s.metric)}@${t}`, Number(v));
    return { header: res.headers.get('x-tidemark-source-resolution'), points };
  };

  it('rebuilds the tiers from the blocks on the admin endpoint: 5 m blocks of a day, 1 h blocks of ten', async () => {
    const rebuild = async (): Promise<number> => {
      const res = await fetch(`${up.url}/api/v1/admin/tsdb/rebuild_downsampled`, { method: 'POST' });
      expect(res.status).toBe(200);
      return ((await res.json()) as { data: { days: number } }).data.days;
    };
    // Both partitions hold series; each rolls up at least the 29 days ending 2 days before the
    // newest data into 5 m blocks (one a day) and two ten-day ranges into 1 h blocks, once the
    // shards have cut their heads into blocks (at their next flush after the import).
    const want = 2 * (29 + 2);
    const shards = join(dir, 'data', 'store', 'shards');
    const blocks = (tier: string): number => readdirSync(shards)
      .filter((d) => d.startsWith('tidemark.samples-') && existsSync(join(shards, d, 'downsample', tier)))
      .map((d) => readdirSync(join(shards, d, 'downsample', tier)).filter((f) => !f.endsWith('.tmp')).length)
      .reduce((a, b) => a + b, 0);
    // Until the shards' last heads are cut, a rebuild can write its days with a tier short of
    // blocks (the 1 h tier's newest range from fewer days): each tier is waited for by its own count.
    const built = await waitFor(async () => {
      const days = await rebuild();
      const got = { days, fiveMinute: blocks('5m'), hour: blocks('1h') };
      return got.days >= want && got.fiveMinute >= 2 * 29 && got.hour >= 2 * 2 ? got : undefined;
    });
    expect(built.days).toBeGreaterThanOrEqual(want);
    expect(built.fiveMinute).toBeGreaterThanOrEqual(2 * 29);
    expect(built.hour).toBeGreaterThanOrEqual(2 * 2);
  });

  // Tolerance: 1e-9 relative. Every range here holds whole windows of continuous data (the
  // series start before the first range), so the window aggregates reproduce the raw answers up
  // to floating-point rounding, counter resets included.
  for (const query of [
    'rate(node_cpu_seconds_total[1h])',
    'increase(node_cpu_seconds_total[1h])',
    'sum by (mode) (rate(node_cpu_seconds_total[1h]))',
    'avg_over_time(node_memory_MemAvailable_bytes[1h])',
    'max_over_time(node_load1[1h])',
  ]) {
    it(`answers ${query} over 30 days at 1 h steps from the 1 h tier within 1e-9 of the raw answer`, async () => {
      const raw = await range(query, 'raw');
      const tier = await range(query, '1h');
      expect(raw.header).toBe('raw');
      expect(tier.header).toBe('1h');
      expect(raw.points.size).toBeGreaterThanOrEqual(29 * 24);
      expect([...tier.points.keys()].sort()).toEqual([...raw.points.keys()].sort());
      for (const [k, v] of raw.points) {
        const w = tier.points.get(k)!;
        expect(Math.abs(w - v), `${k}: ${w} from the tier, ${v} raw`).toBeLessThanOrEqual(Math.abs(v) * 1e-9);
      }
    });
  }

  it('chooses the 1 h tier on auto for a 1 h step, 5 m for a 5 m step, and raw for an unaligned start', async () => {
    expect((await range('rate(node_cpu_seconds_total[1h])', 'auto')).header).toBe('1h');
    const q = (start: number, step: string) => new URLSearchParams({ query: 'max_over_time(node_load1[15m])', start: String(start / 1000), end: String((start + 6 * H) / 1000), step });
    expect((await fetch(`${up.url}/api/v1/query_range?${q(qStart, '300')}`)).headers.get('x-tidemark-source-resolution')).toBe('5m');
    expect((await fetch(`${up.url}/api/v1/query_range?${q(qStart + 7_000, '300')}`)).headers.get('x-tidemark-source-resolution')).toBe('raw');
  });

  // Answers read from the tiers: two from the 1 h tier, one at 5 m steps from the 5 m tier (over
  // every series, so it reads every shard's blocks).
  const tierAnswers = async (): Promise<{ header: string | null; points: Map<string, number> }[]> => [
    await range('sum by (mode) (rate(node_cpu_seconds_total[1h]))', '1h'),
    await range('max_over_time(node_load1[1h])', '1h'),
    await range('sum(sum_over_time({instance="host:9100"}[5m]))', '5m', '300'),
  ];
  const sameTiers = async (ranges: string[]): Promise<void> => {
    expect(await waitFor(async () => (tierRanges().join('\n') === ranges.join('\n') ? true : undefined), 120_000), `tier blocks:\n${tierRanges().join('\n')}`).toBe(true);
  };

  it('builds deleted and damaged tier blocks again from the raw blocks after a restart, and answers from them as before', async () => {
    const before = await tierAnswers();
    expect(before.map((a) => a.header)).toEqual(['1h', '1h', '5m']);
    const ranges = tierRanges();
    expect(ranges.length).toBeGreaterThanOrEqual(2 * (29 + 2));
    expect(await up.stop('SIGTERM')).toBe(0);

    // One shard loses its tiers; the other gets a 1 h block with a broken index (found on open)
    // and a 5 m block with truncated chunks (found when a read first touches them).
    const [first, second] = shardDirs();
    rmSync(join(first, 'downsample'), { recursive: true });
    const brokenIndex = blockDirs(second, '1h')[0];
    writeFileSync(join(brokenIndex, 'index'), 'damaged');
    const truncated = blockDirs(second, '5m').find((b) => (JSON.parse(readFileSync(join(b, 'meta.json'), 'utf8')) as { minTime: number }).minTime === qStart + 5 * D)!;
    truncateSync(join(truncated, 'chunks'), 64);

    up = await startCli(args);
    await sameTiers(ranges);
    expect(up.output()).toContain(brokenIndex);
    // The read that finds the truncated chunks answers from raw samples for that day.
    const fiveMinutes = await range('sum(sum_over_time({instance="host:9100"}[5m]))', '5m', '300');
    expect(fiveMinutes.points).toEqual(before[2].points);
    expect(up.output()).toContain(truncated);
    expect(up.output()).toContain('damaged downsampled block deleted');
    await sameTiers(ranges);
    expect(await tierAnswers()).toEqual(before);
  }, 300_000);

  it('builds the same tier blocks again when the store is rebuilt from the bus (--rebuild all), and answers from them as before', async () => {
    const before = await tierAnswers();
    const ranges = tierRanges();
    expect(await up.stop('SIGTERM')).toBe(0);
    up = await startCli([...args, '--rebuild', 'all']);
    expect(await waitFor(stored, 240_000)).toBe(total);
    expect(up.output()).toContain('shard moved aside; rebuilding it from the bus');
    await sameTiers(ranges);
    expect(await tierAnswers()).toEqual(before);
  }, 400_000);

  it('refuses a max_source_resolution that is neither raw, auto nor a duration', async () => {
    const q = new URLSearchParams({ query: 'up', max_source_resolution: 'coarse' });
    const res = await fetch(`${up.url}/api/v1/query?${q}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain('max_source_resolution');
  });
});
