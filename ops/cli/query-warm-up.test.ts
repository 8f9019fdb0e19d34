import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { temporaryDirectory } from '../../test/harness/index.js';
import type { QueryWarmUpService } from './query.js';
import { startRole } from './run-role.js';
import { upRole } from './up.js';

it('warms up in-place evaluation after the role has started and leaves no series, cached result or counted query behind', async () => {
  const dir = temporaryDirectory('tidemark-query-warm-up-');
  // No self-scrape: the store stays empty unless the warm-up wrote to it.
  writeFileSync(join(dir, 'tidemark.yml'), 'global:\n  scrape_interval: 1m\n');
  const role = await startRole(upRole, { config: join(dir, 'tidemark.yml'), listen: '127.0.0.1:0', data: join(dir, 'data'), logLevel: 'error' });
  try {
    const url = `http://${role.address.host}:${role.address.port}`;
    const warmUp = role.services.find((s) => s.name === 'query-warm-up') as QueryWarmUpService | undefined;
    expect(role.services[role.services.length - 1]).toBe(warmUp);
    expect(await warmUp?.finished()).toBe(9);

    const names = (await (await fetch(`${url}/api/v1/label/__name__/values`)).json()) as { data: string[] };
    expect(names.data).toEqual([]);
    const series = (await (await fetch(`${url}/api/v1/series?${new URLSearchParams({ 'match[]': '{__name__=~"warm_up_.+"}' })}`)).json()) as { data: unknown[] };
    expect(series.data).toEqual([]);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).not.toMatch(/handler="\/api\/v1\/query(_range)?"/);
    expect(metrics).toMatch(/^tidemark_query_result_cache_misses_total 0$/m);
    expect(metrics).toMatch(/^tidemark_query_result_cache_hits_total 0$/m);
  } finally {
    await role.stop();
  }
});
