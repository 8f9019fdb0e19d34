import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusSampleSink } from '../../../pipeline/publish/index.js';
import { ScrapeManager, scrapeConfigSchema } from '../../../connectors/scrape/index.js';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import { readBusSamples, type BusSample } from './scrape-peers.js';

/** A target whose page the test can change. */
async function pageServer(initial: string): Promise<{ address: string; server: Server; set(text: string): void }> {
  let page = initial;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(page);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  return { address: `127.0.0.1:${addr.port}`, server, set: (t) => (page = t) };
}

// The default bound is generous: a loaded 2-core machine can stall for seconds.
async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('file_sd targets and staleness on an embedded bus', () => {
  let dir: string;
  let bus: EmbeddedBus;
  let a: Awaited<ReturnType<typeof pageServer>>;
  let b: Awaited<ReturnType<typeof pageServer>>;
  let manager: ScrapeManager;
  const samples = async (): Promise<BusSample[]> => readBusSamples(bus, 'samples');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-filesd-'));
    bus = await EmbeddedBus.open({ dataDir: join(dir, 'bus') });
    await bus.ensureTopic('samples', 2);
    a = await pageServer('a_metric{x="1"} 1\na_metric{x="2"} 2\n');
    b = await pageServer('b_metric 1\nb_gone 5\n');
    await writeFile(join(dir, 'targets.json'), JSON.stringify([{ targets: [a.address], labels: { group: 'one' } }]));
    manager = new ScrapeManager({ sink: new BusSampleSink({ bus, topic: 'samples', partitions: 2, source: 'file-sd-test' }), baseDir: dir });
    manager.applyConfig({
      // A scrape that timed out would mark the page's series stale: the timeout is far above a
      // loopback scrape's few ms, as a loaded 2-core machine can stall for seconds.
      global: { scrape_interval: 3000, scrape_timeout: 3000 },
      // refresh_interval is long: picking up the new target must come from watching the file.
      scrape_configs: [scrapeConfigSchema.parse({ job_name: 'files', file_sd_configs: [{ files: ['*.json'], refresh_interval: '10m' }] })],
    });
    manager.start();
  });

  afterAll(async () => {
    await manager?.stop();
    a?.server.close();
    b?.server.close();
    await bus?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('scrapes a target added to the file without a reload, with the file path as meta label', async () => {
    await until(() => manager.activeTargets().some((t) => t.health === 'up'), 'first target scraped');
    expect(manager.activeTargets()[0].discoveredLabels.__meta_filepath).toBe(join(dir, 'targets.json'));
    await writeFile(join(dir, 'targets.json'), JSON.stringify([{ targets: [a.address, b.address], labels: { group: 'one' } }]));
    await until(() => manager.activeTargets().some((t) => t.labels.instance === b.address && t.health === 'up'), 'added target scraped');
    // The target reports its scrape before the bus acknowledged the samples.
    await until(async () => (await samples()).some((s) => s.labels.__name__ === 'b_metric'), 'b_metric on the bus');
    const got = await samples();
    const bm = got.find((s) => s.labels.__name__ === 'b_metric');
    expect(bm?.labels).toEqual({ __name__: 'b_metric', instance: b.address, job: 'files', group: 'one' });
  });

  it('marks a series stale when it disappears from the page', async () => {
    b.set('b_metric 2\n');
    await until(async () => (await samples()).some((s) => s.labels.__name__ === 'b_gone' && s.stale), 'stale marker for b_gone');
    const after = (await samples()).filter((s) => s.labels.__name__ === 'b_metric' && s.stale);
    expect(after).toEqual([]);
  });

  it('marks every series of a removed target stale, report series included', async () => {
    await writeFile(join(dir, 'targets.json'), JSON.stringify([{ targets: [b.address], labels: { group: 'one' } }]));
    await until(() => !manager.activeTargets().some((t) => t.labels.instance === a.address), 'target removed');
    // Prometheus waits two intervals and a tenth before writing the markers.
    await until(async () => (await samples()).some((s) => s.labels.__name__ === 'up' && s.labels.instance === a.address && s.stale), 'stale up');
    const staleA = new Set((await samples()).filter((s) => s.stale && s.labels.instance === a.address).map((s) => `${s.labels.__name__}${s.labels.x ?? ''}`));
    expect([...staleA].sort()).toEqual(
      ['a_metric1', 'a_metric2', 'scrape_duration_seconds', 'scrape_samples_post_metric_relabeling', 'scrape_samples_scraped', 'scrape_series_added', 'up'].sort(),
    );
    expect((await samples()).some((s) => s.stale && s.labels.instance === b.address && s.labels.__name__ === 'up')).toBe(false);
  });
});
