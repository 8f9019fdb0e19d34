import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, waitFor } from './cli-process.js';

describe('tidemark up evaluating rule files', () => {
  let dir: string;
  let sink: Server;
  let sinkUrl: string;
  const received: Array<{ status: string; alerts: Array<{ labels: Record<string, string>; annotations: Record<string, string> }> }> = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-up-rules-'));
    sink = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => sink.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  it('records, alerts and notifies from pushed samples', async () => {
    await writeFile(
      join(dir, 'rules.yml'),
      `groups:
  - name: demo
    rules:
      - record: job:queue_depth:sum
        expr: sum by (job) (queue_depth)
      - alert: QueueTooDeep
        expr: job:queue_depth:sum > 100
        labels: { severity: page }
        annotations: { summary: 'queue of {{ $labels.job }} is {{ $value }}' }
`,
    );
    await writeFile(
      join(dir, 'alertmanager.yml'),
      `route:\n  receiver: hook\n  group_wait: 0s\nreceivers:\n  - name: hook\n    webhook_configs: [{ url: '${sinkUrl}' }]\n`,
    );
    await writeFile(
      join(dir, 'tidemark.yml'),
      `global:\n  evaluation_interval: 1s\nrule_files: ['rules.yml']\nalerting:\n  alertmanager_config_file: alertmanager.yml\nbus:\n  partitions: 1\nstore:\n  flush_interval_ms: 100\nrules:\n  allowed_lateness_ms: 0\n  idle_timeout_ms: 500\n`,
    );
    const up = await startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]);
    try {
      const push = async () => {
        const t = Date.now();
        const body = [`queue,job=mailer depth=80 ${t}`, `queue,job=mailer,shard=2 depth=70 ${t}`].join('\n');
        expect((await fetch(`${up.url}/write?precision=ms`, { method: 'POST', body })).status).toBe(204);
      };
      // Influx maps measurement+field to queue_depth; keep samples coming so event time advances.
      const pusher = setInterval(() => void push(), 300);
      try {
        await waitFor(async () => (received.some((r) => r.status === 'firing') ? true : undefined), 30_000);
      } finally {
        clearInterval(pusher);
      }
      const firing = received.find((r) => r.status === 'firing')!;
      expect(firing.alerts[0].labels).toMatchObject({ alertname: 'QueueTooDeep', job: 'mailer', severity: 'page' });
      expect(firing.alerts[0].annotations.summary).toBe('queue of mailer is 150');

      const rules = (await (await fetch(`${up.url}/api/v1/rules`)).json()) as {
        data: { groups: Array<{ name: string; rules: Array<{ name: string; type: string; health: string }> }> };
      };
      expect(rules.data.groups[0].name).toBe('demo');
      expect(rules.data.groups[0].rules.map((r) => [r.name, r.type, r.health])).toEqual([
        ['job:queue_depth:sum', 'recording', 'ok'],
        ['QueueTooDeep', 'alerting', 'ok'],
      ]);
      const alerts = (await (await fetch(`${up.url}/api/v1/alerts`)).json()) as { data: { alerts: Array<{ state: string }> } };
      expect(alerts.data.alerts.map((a) => a.state)).toEqual(['firing']);

      // The recorded series went through the aggregates topic into the store.
      const recorded = await waitFor(async () => {
        const r = (await (await fetch(`${up.url}/api/v1/query?query=job:queue_depth:sum`)).json()) as {
          data: { result: Array<{ value: [number, string] }> };
        };
        return r.data.result.length > 0 ? r.data.result[0].value[1] : undefined;
      });
      expect(recorded).toBe('150');
    } finally {
      expect(await up.stop('SIGTERM')).toBe(0);
    }
    // Alert state was saved for the next start, and nothing was logged at error level.
    const state = JSON.parse(await readFile(join(dir, 'data', 'rules', 'alert-state.json'), 'utf8')) as object;
    expect(JSON.stringify(state)).toContain('QueueTooDeep');
    expect(up.output()).not.toContain('"level":50');
  });
});
