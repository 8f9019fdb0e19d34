import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, waitFor } from './cli-process.js';

describe('tidemark up as an ingest endpoint', () => {
  let dir: string;
  let target: Server;
  let targetAddr: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-up-ingest-'));
    target = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end('# HELP demo_requests_total Requests.\n# TYPE demo_requests_total counter\ndemo_requests_total{path="/"} 42\n');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    targetAddr = `127.0.0.1:${(target.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => target.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  it('scrapes targets and accepts Influx and Pushgateway pushes onto the embedded bus, readable with tail', async () => {
    const cfg = join(dir, 'tidemark.yml');
    await writeFile(
      cfg,
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 500ms\nscrape_configs:\n  - job_name: demo\n    static_configs: [{ targets: ['${targetAddr}'] }]\nbus:\n  partitions: 2\n`,
    );
    const data = join(dir, 'data');
    const up = await startCli(['up', '--config', cfg, '--data', data]);
    // Recent: older than the stores' retention would be refused (limits.max_age_ms).
    const weatherAt = Date.now() - 60_000;
    try {
      const push = await fetch(`${up.url}/write?db=edge&precision=ms`, {
        method: 'POST',
        body: `weather,city=oslo temperature=-3.5 ${weatherAt}\n`,
      });
      expect(push.status).toBe(204);
      const pg = await fetch(`${up.url}/metrics/job/flink/instance/tm-1`, {
        method: 'PUT',
        body: '# TYPE flink_taskmanager_Status_JVM_CPU_Load gauge\nflink_taskmanager_Status_JVM_CPU_Load{tm_id="abc"} 0.25\n',
      });
      expect(pg.status).toBe(200);
      const targets = await waitFor(async () => {
        const body = (await (await fetch(`${up.url}/api/v1/targets`)).json()) as {
          data: { activeTargets: Array<{ health: string; labels: Record<string, string> }> };
        };
        const t = body.data.activeTargets[0];
        return t?.health === 'up' ? t : undefined;
      });
      expect(targets.labels).toMatchObject({ job: 'demo', instance: targetAddr });
    } finally {
      expect(await up.stop('SIGTERM')).toBe(0);
    }
    expect(up.output(), 'no error was logged').not.toContain('"level":50');
    const tail = await runCli(['tail', '--data', data, '--topic', 'tidemark.samples', '--from', 'earliest', '--to-end']);
    expect(tail.code).toBe(0);
    expect(tail.stdout).toContain(`weather_temperature{city="oslo", db="edge"} -3.5 ${weatherAt}`);
    expect(tail.stdout).toMatch(/demo_requests_total\{instance="[^"]+", job="demo", path="\/"\} 42 \d+/);
    expect(tail.stdout).toMatch(/up\{instance="[^"]+", job="demo"\} 1 \d+/);
    expect(tail.stdout).toMatch(/flink_taskmanager_Status_JVM_CPU_Load\{instance="tm-1", job="flink", tm_id="abc"\} 0\.25 \d+/);
  });
});
