import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from 'nats';
import { describe, expect, it } from 'vitest';
import { natsUrl, temporaryDirectory, testNamespace } from '../../test/harness/index.js';
import { startRole } from './run-role.js';
import { upRole } from './up.js';

describe('the ingest connectors', () => {
  it('load neither the NATS client nor ioredis with the modules of tidemark up', () => {
    // A process of its own: this one has loaded the NATS client above.
    const upUrl = new URL('./up.ts', import.meta.url).href;
    const script = `
      import { createRequire } from 'node:module';
      const cache = createRequire(import.meta.url).cache;
      const loaded = (name) => Object.keys(cache).some((f) => f.includes('/node_modules/' + name + '/'));
      await import(${JSON.stringify(upUrl)});
      console.log(JSON.stringify({ nats: loaded('nats'), ioredis: loaded('ioredis') }));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual({ nats: false, ioredis: false });
  });

  it('bridge a NATS input into the store once the role has started, the NATS client loaded then', async () => {
    const subject = testNamespace('ingest-nats').subject('influx');
    const dir = temporaryDirectory('tidemark-ingest-nats-');
    writeFileSync(join(dir, 'tidemark.yml'), `nats:\n  servers: [${JSON.stringify(natsUrl())}]\n  inputs:\n    - { subject: ${JSON.stringify(subject)}, format: influx }\n`);
    const role = await startRole(upRole, { config: join(dir, 'tidemark.yml'), listen: '127.0.0.1:0', data: join(dir, 'data'), logLevel: 'error' });
    const nc = await connect({ servers: natsUrl() });
    try {
      const url = `http://${role.address.host}:${role.address.port}`;
      const match = new URLSearchParams({ 'match[]': '{__name__=~"lazy_bridge.*"}' });
      let series: unknown[] = [];
      // Core NATS drops what no subscription takes: published again until it is stored.
      for (let i = 0; i < 600 && series.length === 0; i++) {
        nc.publish(subject, `lazy_bridge,host=a value=42 ${Date.now()}000000\n`);
        await new Promise((r) => setTimeout(r, 50));
        series = ((await (await fetch(`${url}/api/v1/series?${match}`)).json()) as { data: unknown[] }).data;
      }
      expect(series.length).toBe(1);
    } finally {
      await nc.drain();
      await role.stop();
    }
  });
});
