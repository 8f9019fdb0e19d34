import { Agent } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Labels } from '../../schemas/labels.js';
import type { Appender, SampleSink } from '../../schemas/sample-sink.js';
import { resolveScrapeConfig, scrapeConfigSchema, type ScrapeConfigInput } from './config.js';
import { relabelConfigSchema } from './relabel-config.js';
import { compileRelabelRules } from './relabel.js';
import { ScrapeLoop } from './scrape-loop.js';
import { populateTargetLabels } from './target-labels.js';
import { Target } from './target.js';

interface Got { labels: Labels; t: number; v: number; stale: boolean }

/** Records committed samples; enforces single use as the Appender contract says. */
class RecordingSink implements SampleSink {
  committed: Got[][] = [];
  appender(): Appender {
    const buf: Got[] = [];
    let state = 'open';
    return {
      append: (labels, t, v, o) => {
        if (state !== 'open') throw new Error('append after close');
        buf.push({ labels, t, v, stale: o?.stale === true });
      },
      commit: async () => {
        if (state !== 'open') throw new Error('double close');
        state = 'committed';
        this.committed.push(buf);
      },
      rollback: () => {
        if (state !== 'open') throw new Error('double close');
        state = 'rolled back';
      },
    };
  }
  get last(): Got[] {
    return this.committed[this.committed.length - 1];
  }
}

function setup(page: { text: string }, c: Partial<ScrapeConfigInput> = {}, targetExtra: Labels = {}) {
  const cfg = resolveScrapeConfig(scrapeConfigSchema.parse({ job_name: 'job', ...c }));
  const p = populateTargetLabels({ __address__: 'h:1', ...targetExtra }, cfg, []);
  const target = new Target(p.labels!, p.discovered, 'job', {});
  const sink = new RecordingSink();
  let now = 1_000_000;
  const loop = new ScrapeLoop(target, cfg, compileRelabelRules(cfg.metric_relabel_configs), {
    sink,
    agent: new Agent(),
    now: () => now,
    fetch: async () => ({ body: Buffer.from(page.text), contentType: 'text/plain; version=0.0.4' }),
  });
  return { loop, sink, tick: () => (now += 15_000), target };
}

const named = (gs: Got[], name: string) => gs.filter((g) => g.labels.__name__ === name);

describe('scrape loop', () => {
  it('adds target labels, moving conflicting scraped ones to exported_', async () => {
    const { loop, sink } = setup({ text: 'm{job="theirs",exported_job="x"} 1\n' });
    await loop.scrapeAndReport();
    expect(named(sink.last, 'm')[0].labels).toEqual({ __name__: 'm', job: 'job', instance: 'h:1', exported_job: 'x', exported_exported_job: 'theirs' });
  });
  it('keeps scraped labels with honor_labels', async () => {
    const { loop, sink } = setup({ text: 'm{job="theirs"} 1\n' }, { honor_labels: true });
    await loop.scrapeAndReport();
    expect(named(sink.last, 'm')[0].labels).toEqual({ __name__: 'm', job: 'theirs', instance: 'h:1' });
  });
  it('uses exposed timestamps only with honor_timestamps', async () => {
    const a = setup({ text: 'm 1 5000\n' });
    await a.loop.scrapeAndReport();
    expect(named(a.sink.last, 'm')[0].t).toBe(5000);
    const b = setup({ text: 'm 1 5000\n' }, { honor_timestamps: false });
    await b.loop.scrapeAndReport();
    expect(named(b.sink.last, 'm')[0].t).toBe(1_000_000);
  });
  it('reports the five synthetic series with the counts', async () => {
    const { loop, sink } = setup({ text: 'a 1\nb 2\nc 3\n' }, { metric_relabel_configs: [{ source_labels: ['__name__'], regex: 'c', action: 'drop' }] });
    await loop.scrapeAndReport();
    const v = (n: string) => named(sink.last, n)[0]?.v;
    expect([v('up'), v('scrape_samples_scraped'), v('scrape_samples_post_metric_relabeling'), v('scrape_series_added')]).toEqual([1, 3, 2, 2]);
    expect(named(sink.last, 'scrape_duration_seconds')).toHaveLength(1);
  });
  it('marks a vanished series stale and counts only new series as added', async () => {
    const page = { text: 'a 1\nb 2\n' };
    const { loop, sink, tick } = setup(page);
    await loop.scrapeAndReport();
    page.text = 'a 1\nc 3\n';
    tick();
    await loop.scrapeAndReport();
    expect(named(sink.last, 'b')).toEqual([{ labels: { __name__: 'b', job: 'job', instance: 'h:1' }, t: 1_015_000, v: Number.NaN, stale: true }]);
    expect(named(sink.last, 'scrape_series_added')[0].v).toBe(1);
  });
  it('fails the scrape past sample_limit: up 0, nothing appended, every previous series stale', async () => {
    const page = { text: 'a 1\n' };
    const { loop, sink, tick, target } = setup(page, { sample_limit: 2 });
    await loop.scrapeAndReport();
    page.text = 'x 1\ny 2\nz 3\n';
    tick();
    const r = await loop.scrapeAndReport();
    expect(r.error?.message).toBe('sample limit exceeded');
    expect(target.health).toBe('down');
    expect(named(sink.last, 'up')[0].v).toBe(0);
    expect(named(sink.last, 'scrape_samples_scraped')[0].v).toBe(3);
    expect(sink.last.filter((g) => !g.labels.__name__.startsWith('scrape_') && g.labels.__name__ !== 'up')).toEqual([
      { labels: { __name__: 'a', job: 'job', instance: 'h:1' }, t: 1_015_000, v: Number.NaN, stale: true },
    ]);
  });
  it('fails on a label_limit and on a parse error with line and column', async () => {
    const a = setup({ text: 'm{a="1",b="2"} 1\n' }, { label_limit: 2 });
    expect((await a.loop.scrapeAndReport()).error?.message).toMatch(/^label_limit exceeded \(metric: m, number of labels: 5, limit: 2\)/);
    const b = setup({ text: 'm{ 1\n' });
    expect((await b.loop.scrapeAndReport()).error?.message).toMatch(/line 1, column/);
  });
});

describe('target spreading and sharding', () => {
  const target = (addr: string) => {
    const cfg = resolveScrapeConfig(scrapeConfigSchema.parse({ job_name: 'j' }));
    const p = populateTargetLabels({ __address__: addr }, cfg, compileRelabelRules([relabelConfigSchema.parse({ target_label: 'x', replacement: 'y' })]));
    return new Target(p.labels!, p.discovered, 'j', {});
  };
  it('keeps a stable phase per target and spreads targets over the interval', () => {
    const ts = Array.from({ length: 200 }, (_, i) => target(`10.0.0.${i}:9100`));
    const phase = (t: Target, now: number) => (now + t.offset(60_000, now)) % 60_000;
    for (const t of ts.slice(0, 5)) expect(phase(t, 1_000_123)).toBe(phase(t, 7_777_777));
    const buckets = new Array(6).fill(0);
    for (const t of ts) buckets[Math.floor(phase(t, 0) / 10_000)]++;
    expect(Math.min(...buckets)).toBeGreaterThan(10);
  });
  it('gives every target to exactly one of n shards', () => {
    const ts = Array.from({ length: 100 }, (_, i) => target(`h${i}:1`));
    const counts = [0, 1, 2].map((i) => ts.filter((t) => t.inShard(i, 3)).length);
    expect(counts.reduce((a, b) => a + b)).toBe(100);
    for (const t of ts) expect([0, 1, 2].filter((i) => t.inShard(i, 3))).toHaveLength(1);
    expect(Math.min(...counts)).toBeGreaterThan(15);
  });
});
