import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from './cli-process.js';

describe('tidemark up as an Alertmanager', () => {
  let dir: string;
  let sink: Server;
  let sinkUrl: string;
  const received: Array<{ receiver: string; status: string; alerts: Array<{ labels: Record<string, string> }> }> = [];
  let notifyArrival: () => void = () => {};
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-up-notify-'));
    sink = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.writeHead(200).end();
        notifyArrival();
      });
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => sink.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  it('routes alerts posted to /api/v2/alerts to the webhook of alertmanager.yml', async () => {
    await writeFile(
      join(dir, 'alertmanager.yml'),
      `route:\n  receiver: team\n  group_by: [alertname]\n  group_wait: 0s\nreceivers:\n  - name: team\n    webhook_configs: [{ url: '${sinkUrl}' }]\n`,
    );
    await writeFile(join(dir, 'tidemark.yml'), 'alerting:\n  alertmanager_config_file: alertmanager.yml\n');
    const up = await startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]);
    try {
      const arrived = new Promise<void>((r) => (notifyArrival = r));
      const post = await fetch(`${up.url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ labels: { alertname: 'DiskFull', instance: 'db1' }, annotations: { summary: 'disk full' } }]),
      });
      expect(post.status).toBe(200);
      await arrived;
      expect(received[0].receiver).toBe('team');
      expect(received[0].status).toBe('firing');
      expect(received[0].alerts[0].labels).toEqual({ alertname: 'DiskFull', instance: 'db1' });
      const listed = (await (await fetch(`${up.url}/api/v2/alerts`)).json()) as Array<{ labels: Record<string, string> }>;
      expect(listed.map((a) => a.labels.alertname)).toEqual(['DiskFull']);
    } finally {
      expect(await up.stop('SIGTERM')).toBe(0);
    }
    expect(up.output(), 'no error was logged').not.toContain('"level":50');
  });

  it('refuses to start when alertmanager.yml is invalid, naming the problem', async () => {
    await writeFile(join(dir, 'bad-am.yml'), 'route:\n  receiver: nobody\nreceivers:\n  - name: team\n');
    await writeFile(join(dir, 'bad.yml'), 'alerting:\n  alertmanager_config_file: bad-am.yml\n');
    const r = await runCli(['up', '--config', join(dir, 'bad.yml'), '--data', join(dir, 'data2'), '--listen', '127.0.0.1:0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('undefined receiver "nobody"');
  });
});
