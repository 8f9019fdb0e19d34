import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

interface VectorAnswer {
  data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

describe('tidemark up scraping tenants\' jobs (tenants.scrape_configs)', () => {
  let dir: string;
  let target: Server;
  let up: RunningCli;

  const vector = async (tenant: string, q: string): Promise<VectorAnswer['data']['result']> => {
    const res = await fetch(`${up.url}/api/v1/query?query=${encodeURIComponent(q)}`, { headers: { 'x-scope-orgid': tenant } });
    expect(res.status).toBe(200);
    return ((await res.json()) as VectorAnswer).data.result;
  };
  const targetJobs = async (tenant: string): Promise<string[]> => {
    const res = await fetch(`${up.url}/api/v1/targets`, { headers: { 'x-scope-orgid': tenant } });
    const body = (await res.json()) as { data: { activeTargets: Array<{ labels: Record<string, string> }>; droppedTargets: unknown[] } };
    expect(body.data.droppedTargets).toEqual([]);
    return body.data.activeTargets.map((t) => t.labels.job!).sort();
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-up-tenant-scrape-'));
    // The target claims its samples are team-b's: a tenant's job must not let it.
    target = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('# TYPE scraped_probe gauge\nscraped_probe{tenant_id="team-b"} 7\n');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const address = `127.0.0.1:${(target.address() as AddressInfo).port}`;
    await writeFile(
      join(dir, 'tidemark.yml'),
      [
        'bus:',
        '  partitions: 2',
        'store:',
        '  flush_interval_ms: 100',
        'tenants:',
        '  enabled: true',
        '  scrape_configs:',
        '    team-a:',
        '      - job_name: team-a-probe',
        '        scrape_interval: 1s',
        `        static_configs: [{ targets: ['${address}'] }]`,
        '      - job_name: team-a-honoring',
        '        scrape_interval: 1s',
        '        honor_labels: true',
        `        static_configs: [{ targets: ['${address}'] }]`,
        '',
      ].join('\n'),
    );
    up = await startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]);
  });
  afterAll(async () => {
    if (up !== undefined) expect(await up.stop('SIGTERM')).toBe(0);
    await new Promise((r) => target?.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('gives every sample a tenant\'s jobs scrape to that tenant, whatever tenant label the target exposes, and no other tenant sees them', async () => {
    const mine = await waitFor(async () => {
      const r = await vector('team-a', 'scraped_probe');
      return r.length === 2 ? r : undefined;
    });
    expect(mine.map((s) => [s.metric.job, s.metric.tenant_id, s.value[1]]).sort()).toEqual([
      ['team-a-honoring', 'team-a', '7'],
      ['team-a-probe', 'team-a', '7'],
    ]);
    const up1 = await vector('team-a', 'up');
    expect(up1.map((s) => [s.metric.job, s.metric.tenant_id, s.value[1]]).sort()).toEqual([
      ['team-a-honoring', 'team-a', '1'],
      ['team-a-probe', 'team-a', '1'],
    ]);
    expect(await vector('team-b', 'scraped_probe')).toEqual([]);
    expect(await vector('team-b', '{job=~"team-a.*"}')).toEqual([]);
    expect(await vector('anonymous', '{job=~"team-a.*"}')).toEqual([]);
  });

  it('lists a tenant\'s targets to that tenant only', async () => {
    expect(await targetJobs('team-a')).toEqual(['team-a-honoring', 'team-a-probe']);
    expect(await targetJobs('team-b')).toEqual([]);
  });
});
