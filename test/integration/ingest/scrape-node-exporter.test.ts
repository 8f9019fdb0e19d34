import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusSampleSink } from '../../../pipeline/publish/index.js';
import { ScrapeManager, scrapeConfigSchema } from '../../../connectors/scrape/index.js';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import { prometheusSeries, waitForPrometheusScrape, readBusSamples, seriesKeys, startNodeExporter, startPrometheus } from './scrape-peers.js';

/**
 * The same scrape config in a real Prometheus and in Tidemark's scrape loop, both scraping one
 * real node_exporter: the series sets (names, every label incl. job/instance, the synthetic
 * series) must be equal. Values are not compared (scrape times differ).
 */
describe('scraping a real node_exporter beside a real Prometheus', () => {
  let ne: Awaited<ReturnType<typeof startNodeExporter>>;
  let prom: Awaited<ReturnType<typeof startPrometheus>>;
  let dir: string;
  let bus: EmbeddedBus;
  let yamlText: string;

  beforeAll(async () => {
    ne = await startNodeExporter();
    yamlText = `
global:
  scrape_interval: 5s
  scrape_timeout: 5s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['${ne.address}']
        labels: { env: test }
    relabel_configs:
      - target_label: team
        replacement: infra
      - source_labels: [__address__]
        regex: '(.*):\\d+'
        target_label: host
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: 'go_gc_.*'
        action: drop
      - source_labels: [__name__, mode]
        regex: 'node_cpu_seconds_total;(nice|steal)'
        action: drop
      - regex: 'device'
        replacement: 'dev'
        action: labelmap
`;
    prom = await startPrometheus(yamlText);
    dir = await mkdtemp(join(tmpdir(), 'tidemark-scrape-'));
    bus = await EmbeddedBus.open({ dataDir: dir });
    await bus.ensureTopic('samples', 4);
  });

  afterAll(async () => {
    await prom?.stop();
    await ne?.process.stop();
    await bus?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('stores the same series set as Prometheus, synthetic series and job/instance included', async () => {
    const doc = parseYaml(yamlText) as { scrape_configs: unknown[] };
    const manager = new ScrapeManager({ sink: new BusSampleSink({ bus, topic: 'samples', partitions: 4, source: 'scrape-test' }) });
    // A timeout far above a scrape's usual tens of ms: a loaded 2-core machine stalls for seconds.
    manager.applyConfig({ global: { scrape_interval: 5000, scrape_timeout: 5000 }, scrape_configs: doc.scrape_configs.map((c) => scrapeConfigSchema.parse(c)) });
    // Prometheus applies discovered targets every 5 s: start Tidemark once Prometheus scrapes.
    await waitForPrometheusScrape(prom.url);
    const t0 = Date.now();
    manager.start();
    // Run until Tidemark scraped successfully twice and Prometheus once since Tidemark started,
    // so Prometheus' series from [t0 - 1 s, t1] come from a scrape in the same window.
    const scrapes = new Set<number>();
    const deadline = Date.now() + 60_000;
    while (scrapes.size < 2) {
      if (Date.now() > deadline) throw new Error(`Tidemark scraped successfully ${scrapes.size} times in 60 s: ${JSON.stringify(manager.activeTargets()[0])}`);
      const target = manager.activeTargets()[0];
      if (target?.health === 'up') scrapes.add(target.lastScrape);
      await new Promise((r) => setTimeout(r, 50));
    }
    await waitForPrometheusScrape(prom.url, t0);
    await manager.stop();
    const t1 = Date.now();

    const ours = (await readBusSamples(bus, 'samples')).filter((s) => !s.stale);
    expect(ours.length).toBeGreaterThan(0);
    const theirs = await prometheusSeries(prom.url, '{job="node"}', t0 - 1000, t1);
    if (theirs.length === 0) {
      const t = await (await fetch(`${prom.url}/api/v1/targets`)).text();
      throw new Error(`prometheus stored nothing; targets: ${t}\n${prom.process.output().slice(-3000)}`);
    }
    expect(theirs.length).toBeGreaterThan(50);

    const a = seriesKeys(ours.map((s) => s.labels));
    const b = seriesKeys(theirs);
    const onlyOurs = [...a].filter((k) => !b.has(k));
    const onlyTheirs = [...b].filter((k) => !a.has(k));
    expect({ onlyOurs, onlyTheirs }).toEqual({ onlyOurs: [], onlyTheirs: [] });

    // The synthetic series carry the target labels, and up is 1.
    const up = ours.filter((s) => s.labels.__name__ === 'up');
    expect(up[0].labels).toEqual({ __name__: 'up', job: 'node', instance: ne.address, env: 'test', team: 'infra', host: '127.0.0.1' });
    expect(up.every((s) => s.v === 1)).toBe(true);
    for (const name of ['scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']) {
      expect(b.has([...a].find((k) => k.startsWith(`__name__|${name}|`)) ?? name)).toBe(true);
    }
    // metric_relabel_configs applied: no go_gc_* and no dropped cpu modes; labelmap copied device.
    expect(ours.some((s) => s.labels.__name__.startsWith('go_gc_'))).toBe(false);
    expect(ours.some((s) => s.labels.__name__ === 'node_cpu_seconds_total' && s.labels.mode === 'nice')).toBe(false);
    expect(ours.some((s) => s.labels.dev !== undefined && s.labels.dev === s.labels.device)).toBe(true);
  });
});
