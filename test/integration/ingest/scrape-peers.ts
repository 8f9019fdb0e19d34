import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import { decodeSampleBatch } from '../../../schemas/index.js';
import { canonicalLabels, type Labels } from '../../../schemas/labels.js';
import { freePort } from '../../harness/index.js';
import { spawnService, type ServiceProcess } from '../../harness/service-process.js';

/** A real node_exporter on a free port, with a small collector set (fast scrapes). */
export async function startNodeExporter(): Promise<{ address: string; process: ServiceProcess }> {
  const port = await freePort();
  const { process } = await spawnService({
    command: '/usr/bin/prometheus-node-exporter',
    args: [
      `--web.listen-address=127.0.0.1:${port}`,
      '--collector.disable-defaults',
      '--collector.cpu',
      '--collector.meminfo',
      '--collector.loadavg',
      '--collector.filesystem',
      '--collector.netdev',
    ],
    ready: /Listening on/,
    guard: true,
  });
  return { address: `127.0.0.1:${port}`, process };
}

/** A real Prometheus with `configYaml`, on a free port and a temporary TSDB. */
export async function startPrometheus(configYaml: string): Promise<{ url: string; process: ServiceProcess; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tidemark-prom-'));
  await writeFile(join(dir, 'prometheus.yml'), configYaml);
  const port = await freePort();
  const { process } = await spawnService({
    command: '/usr/bin/prometheus',
    args: [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    ready: /Server is ready to receive web requests/,
    guard: true,
    readyTimeoutMs: 60_000,
  });
  return {
    url: `http://127.0.0.1:${port}`,
    process,
    stop: async () => {
      await process.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Label sets Prometheus stored for `match` between start and end (ms). */
export async function prometheusSeries(url: string, match: string, startMs: number, endMs: number): Promise<Labels[]> {
  const q = new URLSearchParams({ 'match[]': match, start: String(startMs / 1000), end: String(endMs / 1000) });
  const res = await fetch(`${url}/api/v1/series?${q}`);
  const body = (await res.json()) as { data: Labels[] };
  return body.data;
}

export interface BusSample {
  readonly labels: Labels;
  readonly t: number;
  readonly v: number;
  readonly stale: boolean;
}

/** Every sample on `topic` of an embedded bus, decoded. */
export async function readBusSamples(bus: EmbeddedBus, topic: string): Promise<BusSample[]> {
  const offsets = await bus.offsets(topic);
  const want = offsets.reduce((n, o) => n + (o.high - o.low), 0);
  const out: BusSample[] = [];
  if (want === 0) return out;
  let got = 0;
  await new Promise<void>((resolve) => {
    void bus
      .consume({ group: `read-${Math.random()}`, topic, fromBeginning: true }, async (b) => {
        for (const r of b.records) {
          const batch = decodeSampleBatch(r.value);
          for (const s of batch.series) {
            const stale = new Set(s.stale);
            for (let i = 0; i < s.timestamps.length; i++) out.push({ labels: s.labels, t: Number(s.timestamps[i]), v: s.values[i], stale: stale.has(i) });
          }
        }
        got += b.records.length;
        if (got >= want) resolve();
      })
      .then((c) => {
        const stop = () => void c.stop();
        const check = setInterval(() => {
          if (got >= want) {
            clearInterval(check);
            stop();
          }
        }, 20);
      });
  });
  return out;
}

/** Canonical keys of label sets, for set comparison. */
export function seriesKeys(sets: Iterable<Labels>): Set<string> {
  const out = new Set<string>();
  for (const l of sets) out.add(canonicalLabels(l).replaceAll('\ud800', '|'));
  return out;
}

/**
 * Resolves once Prometheus reports a successful scrape of some target that started at or after
 * `sinceMs` (any finished scrape when omitted). The bound is generous: a loaded 2-core machine.
 */
export async function waitForPrometheusScrape(url: string, sinceMs?: number, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const body = (await (await fetch(`${url}/api/v1/targets?state=active`)).json()) as { data: { activeTargets: Array<{ health: string; lastScrape: string }> } };
    const done = body.data.activeTargets.some((t) => (sinceMs === undefined ? t.health !== 'unknown' : t.health === 'up' && Date.parse(t.lastScrape) >= sinceMs));
    if (done) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Prometheus did not scrape within ${timeoutMs} ms`);
}
