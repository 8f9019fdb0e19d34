import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snappyV2Request, V2_CONTENT_TYPE } from '../../connectors/remote-write/testdata/writev2.js';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

/**
 * Start timestamps from a remote_write 2.0 request through `tidemark up`: carried on the bus,
 * stored by the store and used by the query engine (a restart only the start timestamp shows).
 */
describe('tidemark up with start timestamps from remote_write 2.0', () => {
  let dir: string;
  let up: RunningCli;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-st-'));
    await writeFile(join(dir, 'tidemark.yml'), 'scrape_configs: []\n');
    up = await startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]);
  });
  afterAll(async () => {
    await up?.stop('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('counts a counter restart that only the start timestamp shows in resets()', async () => {
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 180_000;
    const samples = (name: string, withStart: boolean) => ({
      labels: { __name__: name, job: 'api' },
      samples: [
        { value: 10, timestamp: t0 },
        { value: 20, timestamp: t0 + 60_000 },
        // The counter restarted 30 s after the previous sample and counted past it again.
        { value: 30, timestamp: t0 + 120_000, ...(withStart ? { startTimestamp: t0 + 90_000 } : {}) },
      ],
    });
    const res = await fetch(`${up.url}/api/v1/write`, {
      method: 'POST',
      headers: { 'content-type': V2_CONTENT_TYPE, 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '2.0.0' },
      body: snappyV2Request([samples('restarted_total', true), samples('steady_total', false)]),
    });
    expect(res.status).toBe(204);
    const resets = (name: string) => waitFor(async () => {
      const q = encodeURIComponent(`resets(${name}[5m])`);
      const body = (await (await fetch(`${up.url}/api/v1/query?query=${q}&time=${(t0 + 120_000) / 1000}`)).json()) as { data: { result: Array<{ value: [number, string] }> } };
      return body.data.result[0]?.value[1];
    });
    expect(await resets('restarted_total')).toBe('1');
    expect(await resets('steady_total')).toBe('0');
  });
});
