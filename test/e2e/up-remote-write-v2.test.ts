import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snappyV2Request, V2_CONTENT_TYPE } from '../../connectors/remote-write/testdata/writev2.js';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

/** A remote_write 2.0 request into `tidemark up`: samples, metadata and exemplars are all readable back. */
describe('tidemark up receiving remote_write 2.0', () => {
  let dir: string;
  let up: RunningCli;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-rw2-'));
    await writeFile(join(dir, 'tidemark.yml'), 'scrape_configs: []\ningest:\n  remote_write:\n    metric_name_validation_scheme: utf8\n');
    up = await startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]);
  });
  afterAll(async () => {
    await up?.stop('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('stores samples, metadata and exemplars of a symbolized request and says how many it wrote', async () => {
    const now = Date.now();
    const res = await fetch(`${up.url}/api/v1/write`, {
      method: 'POST',
      headers: { 'content-type': V2_CONTENT_TYPE, 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '2.0.0' },
      body: snappyV2Request([
        {
          labels: { __name__: 'orders.processed', shop: 'north' },
          samples: [{ value: 41, timestamp: now - 1000, startTimestamp: now - 3_600_000 }, { value: 42, timestamp: now }],
          exemplars: [{ labels: { trace_id: 'c0ffee' }, value: 1, timestamp: now }],
          metadata: { type: 1, help: 'Orders processed.', unit: 'orders' },
        },
      ]),
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('x-prometheus-remote-write-samples-written')).toBe('2');
    expect(res.headers.get('x-prometheus-remote-write-exemplars-written')).toBe('1');

    const q = encodeURIComponent('{"orders.processed"}');
    const value = await waitFor(async () => {
      const body = (await (await fetch(`${up.url}/api/v1/query?query=${q}&time=${now / 1000}`)).json()) as { data: { result: Array<{ value: [number, string] }> } };
      return body.data.result[0]?.value[1];
    });
    expect(value).toBe('42');
    const metadata = await waitFor(async () => {
      const body = (await (await fetch(`${up.url}/api/v1/metadata?metric=orders.processed`)).json()) as { data: Record<string, unknown[]> };
      return body.data['orders.processed'];
    });
    expect(metadata).toEqual([{ type: 'counter', help: 'Orders processed.', unit: 'orders' }]);
    const exemplars = await waitFor(async () => {
      const body = (await (await fetch(`${up.url}/api/v1/query_exemplars?query=${q}&start=${(now - 60_000) / 1000}&end=${(now + 1) / 1000}`)).json()) as { data: unknown[] };
      return body.data.length > 0 ? body.data : undefined;
    });
    expect(exemplars).toEqual([
      { seriesLabels: { __name__: 'orders.processed', shop: 'north' }, exemplars: [{ labels: { trace_id: 'c0ffee' }, value: '1', timestamp: now / 1000 }] },
    ]);
  });
});
