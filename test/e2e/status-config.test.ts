import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, type PrometheusProcess } from '../integration/ingest/prometheus-process.js';
import { startCli, type RunningCli } from './cli-process.js';

const SECRETS = ['hunter2-basic', 'tok-bearer', 'cred-authz', 'oauth-secret', 'kafka-pw'];

/** A prometheus.yml whose HTTP clients carry every kind of secret. */
const PROMETHEUS_YML = `global: { scrape_interval: 1h }
scrape_configs:
  - job_name: basic
    basic_auth: { username: u, password: hunter2-basic }
    static_configs: [{ targets: ['127.0.0.1:9'] }]
  - job_name: bearer
    bearer_token: tok-bearer
    static_configs: [{ targets: ['127.0.0.1:9'] }]
  - job_name: authz
    authorization: { type: Bearer, credentials: cred-authz }
    static_configs: [{ targets: ['127.0.0.1:9'] }]
alerting:
  alertmanagers:
    - oauth2: { client_id: c, client_secret: oauth-secret, token_url: 'http://127.0.0.1:9/token' }
      static_configs: [{ targets: ['127.0.0.1:9'] }]
`;

/** Paths (a.b.0.c) of every string value equal to `want`. */
function pathsOf(v: unknown, want: string, at = ''): string[] {
  if (typeof v === 'string') return v === want ? [at] : [];
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => pathsOf(x, want, at === '' ? k : `${at}.${k}`));
}

async function shown(url: string): Promise<{ code: number; yaml: string }> {
  const res = await fetch(`${url}/api/v1/status/config`);
  const body = (await res.json()) as { status: string; data: { yaml: string } };
  expect(body.status).toBe('success');
  return { code: res.status, yaml: body.data.yaml };
}

describe('/api/v1/status/config beside Prometheus', () => {
  let dir: string;
  let prometheus: PrometheusProcess;
  let up: RunningCli;
  const file = () => join(dir, 'tidemark.yml');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-status-config-'));
    await writeFile(file(), `${PROMETHEUS_YML}bus: { kafka: { brokers: ['127.0.0.1:9'], sasl: { mechanism: plain, username: u, password: kafka-pw } } }\n`);
    [prometheus, up] = await Promise.all([
      startPrometheus(() => PROMETHEUS_YML),
      startCli(['up', '--config', file(), '--data', join(dir, 'data')]),
    ]);
  }, 90_000);

  afterAll(async () => {
    await up?.stop();
    await prometheus?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('shows the loaded configuration with every secret Prometheus hides replaced by <secret>', async () => {
    const theirs = await shown(prometheus.url);
    const ours = await shown(up.url);
    expect(ours.code).toBe(200);
    const hiddenByPrometheus = pathsOf(parse(theirs.yaml), '<secret>');
    expect(hiddenByPrometheus.sort()).toEqual([
      'alerting.alertmanagers.0.oauth2.client_secret',
      'scrape_configs.0.basic_auth.password',
      'scrape_configs.1.authorization.credentials',
      'scrape_configs.2.authorization.credentials',
    ]);
    const doc = parse(ours.yaml) as { scrape_configs: { job_name: string }[] };
    // Prometheus turns bearer_token into authorization.credentials; Tidemark shows the file's keys.
    expect(pathsOf(doc, '<secret>').sort()).toEqual([
      'alerting.alertmanagers.0.oauth2.client_secret',
      'bus.kafka.sasl.password',
      'scrape_configs.0.basic_auth.password',
      'scrape_configs.1.bearer_token',
      'scrape_configs.2.authorization.credentials',
    ]);
    expect(doc.scrape_configs.map((s) => s.job_name)).toEqual(['basic', 'bearer', 'authz']);
    for (const s of SECRETS) expect(ours.yaml).not.toContain(s);
  });

  it('shows the new configuration after a reload, and keeps the old one when the new file is invalid', async () => {
    await writeFile(file(), 'global: { scrape_interval: 7s }\n');
    expect((await fetch(`${up.url}/-/reload`, { method: 'POST' })).status).toBe(200);
    expect(parse((await shown(up.url)).yaml)).toEqual({ global: { scrape_interval: '7s' } });

    await writeFile(file(), 'global: { scrape_intervl: 8s }\n');
    expect((await fetch(`${up.url}/-/reload`, { method: 'POST' })).status).toBe(500);
    expect(parse((await shown(up.url)).yaml)).toEqual({ global: { scrape_interval: '7s' } });
  });
});
