import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instantQuery, someSeries, startCli, type RunningCli } from './cli-process.js';

/** A series of an instant query's answer. */
type Series = { metric: Record<string, string>; value: [number, string] };

interface Targets {
  data: { activeTargets: Array<{ labels: Record<string, string>; health: string; lastError: string }> };
}

/** A Prometheus 3 target: UTF-8 names quoted when the scraper allows them, escaped otherwise. */
const UTF8_PAGE = '# HELP "my.metric" A dotted name.\n# TYPE "my.metric" gauge\n{"my.metric","label.name"="x"} 7\n{"my.metric"} 8\n';
const ESCAPED_PAGE = '# TYPE my_metric gauge\nmy_metric{label_name="x"} 7\nmy_metric 8\n';

/**
 * `tidemark up` scrapes a target exposing UTF-8 names with Prometheus 3's default validation
 * (utf8: asked for with escaping=allow-utf-8) and with legacy validation (the scrape fails), and
 * the stored names are read with the quoted selector and federated.
 */
describe('tidemark up scraping UTF-8 metric and label names', () => {
  let dir: string;
  let target: Server;
  let up: RunningCli;
  const accepts: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-scrape-utf8-'));
    target = createServer((req, res) => {
      const accept = req.headers.accept ?? '';
      accepts.push(accept);
      // As client_golang decides: names as they are only for escaping=allow-utf-8.
      const utf8 = /escaping=allow-utf-8/.test(accept);
      res.writeHead(200, { 'content-type': `text/plain; version=1.0.0; charset=utf-8; escaping=${utf8 ? 'allow-utf-8' : 'underscores'}` });
      res.end(req.url === '/strict' || utf8 ? UTF8_PAGE : ESCAPED_PAGE);
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const addr = `127.0.0.1:${(target.address() as AddressInfo).port}`;
    await writeFile(join(dir, 'tidemark.yml'), [
      'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n',
      `  - job_name: utf8\n    static_configs: [{ targets: ['${addr}'] }]\n`,
      `  - job_name: legacy\n    metric_name_validation_scheme: legacy\n    metrics_path: /strict\n    static_configs: [{ targets: ['${addr}'] }]\n`,
      `  - job_name: escaped\n    metric_name_validation_scheme: legacy\n    static_configs: [{ targets: ['${addr}'] }]\n`,
    ].join(''));
    up = await startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]);
  }, 120_000);

  afterAll(async () => {
    await up?.stop('SIGTERM');
    await new Promise((r) => target?.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  const query = (q: string) => instantQuery<Series>(up.url, q);
  const some = (q: string) => someSeries<Series>(up.url, q);

  it('asks the target for UTF-8 names with escaping=allow-utf-8 by default, and for underscores under legacy validation', async () => {
    // Each job's first scrape has happened once its `up` is stored.
    await some('up{job="utf8"}');
    await some('up{job="escaped"}');
    expect(accepts.some((a) => a.includes('text/plain;version=1.0.0;escaping=allow-utf-8'))).toBe(true);
    expect(accepts.some((a) => a.includes('text/plain;version=1.0.0;escaping=underscores'))).toBe(true);
  });

  it('stores the quoted names as they are, read with the quoted selector', async () => {
    const r = await some('{"my.metric", job="utf8", "label.name"="x"}');
    expect(r.map((s) => [s.metric, s.value[1]])).toEqual([[{ __name__: 'my.metric', instance: r[0].metric.instance, job: 'utf8', 'label.name': 'x' }, '7']]);
    const all = await some('sum({"my.metric", job="utf8"})');
    expect(all[0].value[1]).toBe('15');
  });

  it('fails the scrape of UTF-8 names under legacy validation, with the series in the error', async () => {
    const [upSeries] = await some('up{job="legacy"}');
    expect(upSeries.value[1]).toBe('0');
    const targets = (await (await fetch(`${up.url}/api/v1/targets?state=active`)).json()) as Targets;
    expect(targets.data.activeTargets.find((t) => t.labels.job === 'legacy')?.lastError).toMatch(/^invalid metric name or label names: .*my\.metric/);
    expect(await query('{"my.metric", job="legacy"}')).toEqual([]);
  });

  it('stores what a target escaped for a legacy scraper under its escaped names', async () => {
    const r = await some('my_metric{job="escaped", label_name="x"}');
    expect(r[0].value[1]).toBe('7');
  });

  it('federates the UTF-8 names quoted for escaping=allow-utf-8 and escaped with underscores otherwise', async () => {
    const federate = async (accept?: string) => {
      const res = await fetch(`${up.url}/federate?match[]=${encodeURIComponent('{"my.metric", job="utf8"}')}`, { headers: accept === undefined ? {} : { accept } });
      return res.text();
    };
    expect(await federate('text/plain;version=1.0.0;escaping=allow-utf-8')).toMatch(/^\{"my\.metric",instance="[^"]+",job="utf8","label\.name"="x"\} 7 \d+$/m);
    expect(await federate()).toMatch(/^my_metric\{instance="[^"]+",job="utf8",label_name="x"\} 7 \d+$/m);
  });
});
