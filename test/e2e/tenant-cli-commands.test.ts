import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, waitFor, type RunningCli } from './cli-process.js';

interface VectorAnswer {
  data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

const PASSWORD = 'tenant-cli-password';
const MIN = 60_000;
/** The imported history: three minutes, ending two minutes back, on whole minutes. */
const T0 = Math.floor((Date.now() - 5 * MIN) / MIN) * MIN;

function basic(user: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${PASSWORD}`).toString('base64')}` };
}

describe('tidemark import and replay against a tidemark with tenants', () => {
  let dir: string;
  let up: RunningCli;

  const vector = async (headers: Record<string, string>, q: string): Promise<VectorAnswer['data']['result']> => {
    const res = await fetch(`${up.url}/api/v1/query?query=${encodeURIComponent(q)}&time=${(T0 + 3 * MIN) / 1000}`, { headers });
    expect(res.status).toBe(200);
    return ((await res.json()) as VectorAnswer).data.result;
  };
  const auth = (user: string): string[] => ['--basic-auth-user', user, '--basic-auth-password-file', join(dir, 'password')];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-tenant-cli-'));
    const hash = bcrypt.hashSync(PASSWORD, 4);
    await writeFile(join(dir, 'web.yml'), `basic_auth_users:\n  alice: ${hash}\n  gateway: ${hash}\n`);
    await writeFile(join(dir, 'password'), `${PASSWORD}\n`);
    await writeFile(
      join(dir, 'tidemark.yml'),
      ['bus:', '  partitions: 2', 'store:', '  flush_interval_ms: 100', 'tenants:', '  enabled: true', '  users:', '    alice: team-a', ''].join('\n'),
    );
    const history = (value: number): string =>
      [0, 1, 2, 3].map((m) => `imported_jobs{site="x"} ${value + m} ${T0 + m * MIN}`).join('\n') + '\n';
    await writeFile(join(dir, 'a.prom'), history(10));
    await writeFile(join(dir, 'b.prom'), history(100));
    await writeFile(join(dir, 'rules.yml'), 'groups:\n  - name: r\n    interval: 1m\n    rules:\n      - record: site:imported_jobs:sum\n        expr: sum by (site) (imported_jobs)\n      - alert: ManyJobs\n        expr: imported_jobs > 100\n');
    up = await startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data'), '--web.config.file', join(dir, 'web.yml')]);
  });
  afterAll(async () => {
    if (up !== undefined) expect(await up.stop('SIGTERM')).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it('imports a file for the tenant --tenant names, or for the tenant a mapped web-config user acts for, each seeing only its own', async () => {
    const b = await runCli(['import', '--url', up.url, '--tenant', 'team-b', ...auth('gateway'), '--state', join(dir, 'b.state'), join(dir, 'b.prom')]);
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/^imported 4 samples/);
    const a = await runCli(['import', '--url', up.url, ...auth('alice'), '--state', join(dir, 'a.state'), join(dir, 'a.prom')]);
    expect(a.code).toBe(0);

    const seenB = await waitFor(async () => {
      const r = await vector({ ...basic('gateway'), 'x-scope-orgid': 'team-b' }, 'imported_jobs');
      return r.length > 0 ? r : undefined;
    });
    expect(seenB.map((s) => [s.metric.tenant_id, s.value[1]])).toEqual([['team-b', '103']]);
    const seenA = await waitFor(async () => {
      const r = await vector(basic('alice'), 'imported_jobs');
      return r.length > 0 ? r : undefined;
    });
    expect(seenA.map((s) => [s.metric.tenant_id, s.value[1]])).toEqual([['team-a', '13']]);
  });

  it('fails an import that names no tenant with the server\'s 401, and refuses --tenant with --data', async () => {
    const none = await runCli(['import', '--url', up.url, ...auth('gateway'), '--state', join(dir, 'none.state'), join(dir, 'b.prom')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/401.*no org id/s);
    const toBus = await runCli(['import', '--data', join(dir, 'other-data'), '--tenant', 'team-b', join(dir, 'b.prom')]);
    expect(toBus.code).toBe(2);
    expect(toBus.stderr).toContain('--tenant goes with --url');
  });

  it('replays rules for one tenant: reads only its series and writes its recorded series as its own', async () => {
    await waitFor(async () => ((await vector(basic('alice'), 'imported_jobs')).length > 0 ? true : undefined));
    const r = await runCli(
      ['replay', '--rules', join(dir, 'rules.yml'), '--from', String(T0 / 1000), '--to', String((T0 + 3 * MIN) / 1000), '--url', up.url, '--tenant', 'team-b', ...auth('gateway'), '--progress', '1'],
      { timeoutMs: 120_000 },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/replayed 8 rule evaluations/);
    // Its alert state changes go to the alert history through the same gate, as team-b's.
    expect(r.stdout).toMatch(/, [1-9]\d* alert state changes to its alert history \(marked replayed\)/);
    const recorded = await vector({ ...basic('gateway'), 'x-scope-orgid': 'team-b' }, 'site:imported_jobs:sum');
    // team-b's 103 alone, not team-a's 13 added to it.
    expect(recorded.map((s) => [s.metric.tenant_id, s.value[1]])).toEqual([['team-b', '103']]);
    expect(await vector(basic('alice'), 'site:imported_jobs:sum')).toEqual([]);
  });
});
