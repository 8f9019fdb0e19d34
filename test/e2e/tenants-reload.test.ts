import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

const BASE = ['bus:', '  partitions: 1', 'store:', '  flush_interval_ms: 100'];

describe('reloading the tenants section of a running tidemark up', () => {
  let dir: string;
  let off: RunningCli;
  let on: RunningCli;

  const reload = async (url: string): Promise<{ status: number; text: string }> => {
    const res = await fetch(`${url}/-/reload`, { method: 'POST' });
    return { status: res.status, text: await res.text() };
  };
  const write = (url: string, tenant: string, n: number): Promise<Response> =>
    fetch(`${url}/write?precision=ms`, {
      method: 'POST',
      headers: { 'x-scope-orgid': tenant },
      body: Array.from({ length: n }, (_, i) => `reloaded,i=${i} v=${i} ${Date.now()}`).join('\n'),
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-tenants-reload-'));
    await writeFile(join(dir, 'off.yml'), BASE.join('\n') + '\n');
    await writeFile(join(dir, 'on.yml'), [...BASE, 'tenants:', '  enabled: true', ''].join('\n'));
    [off, on] = await Promise.all([
      startCli(['up', '--config', join(dir, 'off.yml'), '--data', join(dir, 'data-off')]),
      startCli(['up', '--config', join(dir, 'on.yml'), '--data', join(dir, 'data-on')]),
    ]);
  });
  afterAll(async () => {
    if (off !== undefined) expect(await off.stop('SIGTERM')).toBe(0);
    if (on !== undefined) expect(await on.stop('SIGTERM')).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a reload that turns tenants on, naming tenants.enabled, and keeps serving without tenants', async () => {
    await writeFile(join(dir, 'off.yml'), [...BASE, 'tenants:', '  enabled: true', ''].join('\n'));
    const r = await reload(off.url);
    expect(r.status).toBe(500);
    expect(r.text).toContain('tenants.enabled changed from false to true: this takes a restart');
    expect((await fetch(`${off.url}/api/v1/query?query=up`)).status).toBe(200);
    expect(await (await fetch(`${off.url}/metrics`)).text()).toMatch(/^tidemark_config_last_reload_successful 0$/m);
  });

  it('takes a new tenant header and a tenant\'s new scrape job by reload', async () => {
    await writeFile(
      join(dir, 'on.yml'),
      [...BASE, 'tenants:', '  enabled: true', '  header: X-Tenant', '  scrape_configs:', '    team-a:', '      - job_name: team-a-self', `        static_configs: [{ targets: ['${new URL(on.url).host}'] }]`, ''].join('\n'),
    );
    expect((await reload(on.url)).status).toBe(200);
    expect((await fetch(`${on.url}/api/v1/query?query=up`, { headers: { 'x-scope-orgid': 'team-a' } })).status).toBe(401);
    const jobs = await waitFor(async () => {
      const res = await fetch(`${on.url}/api/v1/targets`, { headers: { 'x-tenant': 'team-a' } });
      const body = (await res.json()) as { data: { activeTargets: Array<{ labels: Record<string, string> }> } };
      const found = body.data.activeTargets.map((t) => `${t.labels.job}/${t.labels.tenant_id}`);
      return found.length > 0 ? found : undefined;
    });
    expect(jobs).toEqual(['team-a-self/team-a']);
    await writeFile(join(dir, 'on.yml'), [...BASE, 'tenants:', '  enabled: true', ''].join('\n'));
    expect((await reload(on.url)).status).toBe(200);
  });

  it('applies new limits by reload, and refuses one that turns tenants off or renames the tenant label', async () => {
    expect((await write(on.url, 'limited', 20)).status).toBe(204);
    await writeFile(join(dir, 'on.yml'), [...BASE, 'tenants:', '  enabled: true', '  overrides:', '    limited: { ingestion_rate: 5, ingestion_burst_size: 5 }', ''].join('\n'));
    expect((await reload(on.url)).status).toBe(200);
    const refused = await write(on.url, 'limited', 20);
    expect(refused.status).toBe(429);
    expect(await refused.text()).toContain('ingestion rate limit, set to 5 samples/s');

    await writeFile(join(dir, 'on.yml'), BASE.join('\n') + '\n');
    const turnedOff = await reload(on.url);
    expect(turnedOff.status).toBe(500);
    expect(turnedOff.text).toContain('tenants.enabled changed from true to false');
    await writeFile(join(dir, 'on.yml'), [...BASE, 'tenants:', '  enabled: true', '  label: org', ''].join('\n'));
    const renamed = await reload(on.url);
    expect(renamed.status).toBe(500);
    expect(renamed.text).toContain('tenants.label changed from "tenant_id" to "org"');
    // Still multi-tenant, with the limits of the last reload that succeeded.
    expect((await fetch(`${on.url}/api/v1/query?query=up`)).status).toBe(401);
    expect((await write(on.url, 'limited', 20)).status).toBe(429);
  });
});
