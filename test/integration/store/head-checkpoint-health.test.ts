// A head checkpoint of a large head yields to the event loop between its parts: the process's
// HTTP listener (the role's server and router) answers /-/healthy while the checkpoint is
// being written, not after it.
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpRouter } from '../../../ops/server/http-router.js';
import { HttpServer } from '../../../ops/server/http-server.js';
import { Tsdb } from '../../../pipeline/tsdb/tsdb.js';

const SERIES = 50_000;
const SAMPLES = 20;

let dir = '';
let server: HttpServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('head checkpoints and the HTTP listener', () => {
  it('answer /-/healthy while a checkpoint of a large head is being written', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-checkpoint-health-'));
    const db = await Tsdb.open(dir, { writeAheadLog: false, headCheckpointSeriesPerPart: 2_000 });
    for (let i = 0; i < SERIES; i++) {
      const ref = db.ref({ __name__: 'node_cpu_seconds_total', instance: `host-${i % 500}:9100`, cpu: String(i % 16), i: String(i) });
      for (let t = 0; t < SAMPLES; t++) db.appendRef(ref, t * 15_000, t * 1.5 + i);
    }
    const router = new HttpRouter().add(['GET', 'HEAD'], '/-/healthy', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('Tidemark is Healthy.\n');
    });
    server = new HttpServer(router, pino({ level: 'silent' }));
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });

    const events: string[] = [];
    let unfinishedWhenHealthy = false;
    const health = fetch(`http://127.0.0.1:${port}/-/healthy`).then(async (res) => {
      events.push(`healthy ${res.status} ${await res.text()}`);
      unfinishedWhenHealthy = readdirSync(dir).some((f) => /^head-checkpoint\.\d+\.tmp$/.test(f));
    });
    const checkpoint = db.flush({ position: 1, due: true }).then(() => events.push('checkpoint'));
    await Promise.all([health, checkpoint]);

    expect(events).toEqual(['healthy 200 Tidemark is Healthy.\n', 'checkpoint']);
    expect(unfinishedWhenHealthy, 'the checkpoint was still being written when /-/healthy answered').toBe(true);
    expect(existsSync(join(dir, 'head-checkpoint.00000001'))).toBe(true);
    await db.close();
    const again = await Tsdb.open(dir, { writeAheadLog: false });
    expect(again.restoredFromCheckpoint).toBe(SERIES * SAMPLES);
    await again.close();
  }, 120_000);
});
