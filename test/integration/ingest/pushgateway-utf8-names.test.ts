import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPushgatewayConnector, pushgatewayConfigSchema, type PushgatewayConnector } from '../../../connectors/pushgateway/index.js';
import { parseExposition } from '../../../schemas/exposition/index.js';
import type { Labels } from '../../../schemas/labels.js';

/** Pushgateway API pushes and GET /metrics with UTF-8 metric and label names. */
describe('the Pushgateway API with UTF-8 names', () => {
  let dir: string;
  let c: PushgatewayConnector;
  let server: Server;
  let url: string;
  const appended: Labels[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pushgateway-utf8-'));
    c = createPushgatewayConnector(
      { sink: { appender: () => ({ append: (l: Labels) => void appended.push(l), rollback() {}, commit: async () => {} }) }, registry: new Registry(), dataDir: dir },
      pushgatewayConfigSchema.parse({ emit_interval: '1h', persistence_file: '' }),
    );
    await c.start();
    // Every route is a prefix route (`/metrics/*`) or exact; the longest match wins.
    const routes = [...c.routes].sort((a, b) => b.path.length - a.path.length);
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const r = routes.find((x) => x.methods.includes(req.method ?? '') && (x.path.endsWith('/*') ? path.startsWith(x.path.slice(0, -1)) : path === x.path));
      if (r === undefined) return void res.writeHead(404).end();
      void Promise.resolve(r.handler(req, res, new URL(req.url ?? '/', 'http://x'))).catch((e) => res.writeHead(500).end(String(e)));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const res = await fetch(`${url}/metrics/job/batch`, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain; version=1.0.0; escaping=allow-utf-8' },
      body: '# HELP "my.metric" Dotted.\n# TYPE "my.metric" gauge\n{"my.metric","label.name"="x"} 7\n',
    });
    expect(res.status).toBe(200);
  });

  afterAll(async () => {
    await c?.stop();
    await new Promise((r) => server?.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts a text push with quoted UTF-8 names', async () => {
    const text = await (await fetch(`${url}/metrics`, { headers: { accept: 'text/plain;version=1.0.0;escaping=allow-utf-8' } })).text();
    expect(parseExposition(text).samples.map((s) => s.labels)).toContainEqual({ __name__: 'my.metric', instance: '', job: 'batch', 'label.name': 'x' });
  });

  it('serves them quoted for escaping=allow-utf-8', async () => {
    const text = await (await fetch(`${url}/metrics`, { headers: { accept: 'text/plain;version=1.0.0;escaping=allow-utf-8' } })).text();
    expect(text).toContain('# HELP "my.metric" Dotted.\n# TYPE "my.metric" gauge\n{"my.metric",instance="",job="batch","label.name"="x"} 7\n');
  });

  it('serves them escaped with underscores when the client asks for no escaping, and with the escaping asked', async () => {
    expect(await (await fetch(`${url}/metrics`)).text()).toContain('# TYPE my_metric gauge\nmy_metric{instance="",job="batch",label_name="x"} 7\n');
    expect(await (await fetch(`${url}/metrics`, { headers: { accept: 'text/plain;version=0.0.4;escaping=values' } })).text())
      .toContain('U__my_2e_metric{instance="",job="batch",U__label_2e_name="x"} 7\n');
  });
});
