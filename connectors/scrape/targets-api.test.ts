import { describe, expect, it } from 'vitest';
import type { Appender, SampleSink } from '../../schemas/sample-sink.js';
import { scrapeConfigSchema } from './config.js';
import { ScrapeManager } from './scrape-manager.js';
import { createTargetsApi } from './targets-api.js';

const nullSink: SampleSink = { appender: (): Appender => ({ append() {}, commit: async () => {}, rollback() {} }) };

async function call(handler: ReturnType<typeof createTargetsApi>['routes'][0]['handler'], query: string) {
  let body = '';
  const res = { writeHead: () => res, end: (b: string) => void (body = b) } as never;
  await handler({} as never, res, new URL(`http://x/api/v1/targets${query}`));
  return JSON.parse(body) as { status: string; data: { activeTargets: Array<Record<string, unknown>>; droppedTargets: unknown[] } };
}

describe('/api/v1/targets', () => {
  it('answers active and dropped targets as Prometheus does, filtered by state', async () => {
    const m = new ScrapeManager({ sink: nullSink, fetch: async () => ({ body: Buffer.from('m 1\n'), contentType: 'text/plain' }) });
    m.applyConfig({
      global: { scrape_interval: 60_000 },
      scrape_configs: [
        scrapeConfigSchema.parse({
          job_name: 'node',
          static_configs: [{ targets: ['a:9100', 'drop-me:1'] }],
          relabel_configs: [{ source_labels: ['__address__'], regex: 'drop-me.*', action: 'drop' }],
        }),
      ],
    });
    m.start();
    try {
      const { routes } = createTargetsApi(m, { globalHost: 'box' });
      expect(routes[0]).toMatchObject({ methods: ['GET'], path: '/api/v1/targets' });
      const all = await call(routes[0].handler, '');
      expect(all.status).toBe('success');
      expect(all.data.activeTargets).toEqual([
        {
          discoveredLabels: { __address__: 'a:9100', __metrics_path__: '/metrics', __scheme__: 'http', __scrape_interval__: '1m', __scrape_timeout__: '10s', job: 'node' },
          labels: { instance: 'a:9100', job: 'node' },
          scrapePool: 'node',
          scrapeUrl: 'http://a:9100/metrics',
          globalUrl: 'http://a:9100/metrics',
          lastError: '',
          lastScrape: '0001-01-01T00:00:00Z',
          lastScrapeDuration: 0,
          health: 'unknown',
          scrapeInterval: '1m',
          scrapeTimeout: '10s',
        },
      ]);
      expect(all.data.droppedTargets).toEqual([{ discoveredLabels: expect.objectContaining({ __address__: 'drop-me:1' }) }]);
      expect((await call(routes[0].handler, '?state=active')).data.droppedTargets).toEqual([]);
      expect((await call(routes[0].handler, '?state=dropped')).data.activeTargets).toEqual([]);
      expect(m.ready()).toBe(true);
    } finally {
      await m.stop();
    }
  });

  it('lists only the first keep_dropped_targets targets dropped by relabeling', async () => {
    const m = new ScrapeManager({ sink: nullSink, fetch: async () => ({ body: Buffer.from('m 1\n'), contentType: 'text/plain' }) });
    const job = (keep: number | undefined) => scrapeConfigSchema.parse({
      job_name: 'node',
      keep_dropped_targets: keep,
      static_configs: [{ targets: ['a:9100', 'drop-me:1', 'drop-me:2', 'drop-me:3'] }],
      relabel_configs: [{ source_labels: ['__address__'], regex: 'drop-me.*', action: 'drop' }],
    });
    const { routes } = createTargetsApi(m, { globalHost: 'box' });
    m.applyConfig({ global: { scrape_interval: 60_000 }, scrape_configs: [job(2)] });
    m.start();
    try {
      const dropped = async () => (await call(routes[0].handler, '?state=dropped')).data.droppedTargets as Array<{ discoveredLabels: Record<string, string> }>;
      expect((await dropped()).map((d) => d.discoveredLabels.__address__)).toEqual(['drop-me:1', 'drop-me:2']);
      m.applyConfig({ global: { scrape_interval: 60_000, keep_dropped_targets: 1 }, scrape_configs: [job(undefined)] });
      expect((await dropped()).map((d) => d.discoveredLabels.__address__)).toEqual(['drop-me:1']);
    } finally {
      await m.stop();
    }
  });
});
