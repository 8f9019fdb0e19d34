/**
 * Tidemark's integrations side by side with the real Alertmanager (Debian's 0.25): both get the
 * same alertmanager.yml, with every API URL pointing at a local HTTP server (`ApiSink`) that
 * stands in for PagerDuty, Opsgenie, VictorOps, Telegram, Webex, Discord and SNS. Those services
 * cannot be reached from here, and the point is what is sent to them: the same alert posted to both
 * must produce the same requests (method, path, headers that matter, payload), and a failed
 * request must be tried again, or given up on, as Alertmanager does (read from each side's
 * notifications-failed counter, so no timing is assumed).
 *
 * Fields that legitimately differ, and are normalised or compared apart:
 * - the external URL in links (Alertmanager's --web.external-url, Tidemark's empty one);
 * - User-Agent (Alertmanager/0.25.0, aws-sdk-go/..., Tidemark-Alertmanager);
 * - SNS: X-Amz-Date and the signature (they depend on the signing time): each side's signature
 *   is verified on its own, with SigV4 written out here from AWS's documentation;
 * - secret files: 0.25 sends api_key_file content untrimmed, so the files here end without a
 *   newline (Tidemark trims, as later releases do);
 * - webex room_id: 0.25 sends it untemplated, later releases (and Tidemark) render it, so the
 *   config here uses a plain room id.
 * Integrations 0.25 does not have (msteams, msteamsv2, jira, rocketchat, mattermost, incidentio)
 * and Pushover (whose URL 0.25 cannot redirect) are tested against upstream's source in the
 * unit tests beside each receiver.
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { freePort } from '../../harness/index.js';
import { RoleProcess } from '../../system/role-process.js';
import { startAlertmanager } from './alertmanager-process.js';
import { ApiSink, type ApiRequest } from './api-sink.js';

const TELEGRAM_OK = JSON.stringify({ ok: true, result: { message_id: 7, date: 0, chat: { id: -1001, type: 'group' }, text: 'x' } });
const SNS_OK = '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>9f1c2b3a-0000-4000-8000-000000000000</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>';

/**
 * For the `RetryProbe` group, the first request to each service fails with the status here; later
 * ones succeed. Alertmanager retries 5xx always, 429 for PagerDuty v2 and Opsgenie, and every
 * Telegram failure; the other answers end the notification.
 */
const PROBE_FAILURES: Record<string, number> = { '/pagerduty': 429, '/opsgenie': 400, '/victorops': 429, '/telegram': 400, '/webex': 429, '/discord': 500, '/sns': 403 };

function answering(): (r: ApiRequest) => { status: number; body?: string } {
  const failed = new Set<string>();
  return (r) => {
    const service = Object.keys(PROBE_FAILURES).find((p) => r.url.startsWith(p))!;
    if (r.body.includes('RetryProbe') && !failed.has(service)) {
      failed.add(service);
      return { status: PROBE_FAILURES[service]!, body: service === '/sns' ? '<ErrorResponse><Error><Code>AuthorizationError</Code><Message>no</Message></Error></ErrorResponse>' : '{"ok":false}' };
    }
    return answer(r);
  };
}

function answer(r: ApiRequest): { status: number; body?: string } {
  if (r.url.startsWith('/telegram')) return { status: 200, body: TELEGRAM_OK };
  if (r.url.startsWith('/sns')) return { status: 200, body: SNS_OK };
  if (r.url.startsWith('/pagerduty')) return { status: 202, body: '{"status":"success","message":"Event processed","dedup_key":"x"}' };
  if (r.url.startsWith('/opsgenie')) return { status: 202, body: '{"result":"Request will be processed","took":0.1,"requestId":"r"}' };
  return { status: 200 };
}

function config(sink: string, dir: string): string {
  return `
route:
  receiver: everything
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
- name: everything
  pagerduty_configs:
  - routing_key_file: ${dir}/pagerduty-key
    url: ${sink}/pagerduty/v2/enqueue
    severity: '{{ .CommonLabels.severity }}'
    class: disk
    component: '{{ .CommonLabels.instance }}'
    group: '{{ .CommonLabels.team }}'
    details: { runbook: 'https://runbooks.example/{{ .CommonLabels.alertname }}' }
    images: [{ src: 'https://img.example/{{ .CommonLabels.instance }}.png', alt: graph, href: 'https://grafana.example' }, { src: '' }]
    links: [{ href: 'https://runbooks.example/disk', text: runbook }]
  opsgenie_configs:
  - api_key_file: ${dir}/opsgenie-key
    api_url: ${sink}/opsgenie/
    update_alerts: true
    tags: 'db,{{ .CommonLabels.severity }}, ,storage'
    responders: [{ name: 'ops,dba', type: teams }, { username: 'oncall@example.com', type: user }]
    details: { runbook: 'https://runbooks.example/disk' }
    priority: P1
    note: '{{ .CommonAnnotations.summary }}'
    entity: '{{ .CommonLabels.instance }}'
    actions: 'restart,ping'
  victorops_configs:
  - api_key_file: ${dir}/victorops-key
    api_url: ${sink}/victorops/
    routing_key: '{{ .CommonLabels.team }}'
    custom_fields: { runbook: 'https://runbooks.example/{{ .CommonLabels.alertname }}' }
  telegram_configs:
  - bot_token: '123456:ABC-token'
    chat_id: -1001
    api_url: ${sink}/telegram
    disable_notifications: true
  webex_configs:
  - room_id: room-db
    api_url: ${sink}/webex/v1/messages
    http_config: { authorization: { credentials_file: ${dir}/webex-token } }
  discord_configs:
  - webhook_url: ${sink}/discord/api/webhooks/1/abc
  sns_configs:
  - api_url: ${sink}/sns
    topic_arn: 'arn:aws:sns:eu-west-1:123456789012:alerts'
    sigv4: { region: eu-west-1, access_key: AKIDEXAMPLE, secret_key: ${SECRET_KEY} }
    attributes: { team: db }
`;
}

const FIRING_REQUESTS = { '/pagerduty': 1, '/opsgenie': 3, '/victorops': 1, '/telegram': 1, '/webex': 1, '/discord': 1, '/sns': 1 } as const;

function counts(reqs: readonly ApiRequest[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of Object.keys(FIRING_REQUESTS)) out[p] = reqs.filter((r) => r.url.startsWith(p)).length;
  return out;
}

/** The comparable part of a request: method, path, content type, auth, and the payload with the external URL taken out. */
function comparable(r: ApiRequest, externalURL: string): Record<string, unknown> {
  const strip = (v: unknown): unknown => {
    if (typeof v === 'string') return externalURL === '' ? v : v.split(externalURL).join('');
    if (Array.isArray(v)) return v.map(strip);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strip(x)]));
    return v;
  };
  const type = (r.headers['content-type'] ?? '').toString();
  let body: unknown = r.body;
  if (type.startsWith('application/json') && r.body !== '') body = JSON.parse(r.body);
  if (type.startsWith('application/x-www-form-urlencoded')) body = Object.fromEntries(new URLSearchParams(r.body));
  const isSns = r.url.startsWith('/sns');
  return {
    method: r.method,
    url: r.url,
    contentType: type.toLowerCase().replace(/\s+/g, ''),
    authorization: isSns ? undefined : r.headers.authorization,
    body: strip(body),
  };
}

const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

/**
 * Checks a received request's Signature Version 4 the way AWS does, step by step as AWS's
 * documentation gives it ("Create a canonical request", "Create a string to sign", "Calculate the
 * signature"): returns what is wrong, or undefined when the signature is right.
 */
function sigv4Problem(r: ApiRequest, secretKey: string): string | undefined {
  const auth = String(r.headers.authorization ?? '');
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (m === null) return `malformed Authorization: ${auth}`;
  const [, , date, region, service, signedHeaders, signature] = m as unknown as string[];
  const amzDate = String(r.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(date!)) return `X-Amz-Date ${amzDate} is not of the credential date ${date}`;
  const names = signedHeaders!.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date')) return `host and x-amz-date must be signed: ${signedHeaders}`;
  const [path, query = ''] = r.url.split('?');
  const canonicalQuery = query === '' ? '' : query.split('&').sort().join('&');
  const canonicalHeaders = names.map((n) => `${n}:${String(r.headers[n] ?? '').trim()}\n`).join('');
  const hashedPayload = createHash('sha256').update(r.body).digest('hex');
  const canonicalRequest = `${r.method}\n${path}\n${canonicalQuery}\n${canonicalHeaders}\n${signedHeaders}\n${hashedPayload}`;
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
  const kDate = createHmac('sha256', `AWS4${secretKey}`).update(date!).digest();
  const kRegion = createHmac('sha256', kDate).update(region!).digest();
  const kService = createHmac('sha256', kRegion).update(service!).digest();
  const kSigning = createHmac('sha256', kService).update('aws4_request').digest();
  const expected = createHmac('sha256', kSigning).update(stringToSign).digest('hex');
  return expected === signature ? undefined : `signature ${signature} is not the expected ${expected}`;
}

describe('notification integrations side by side with Alertmanager 0.25', () => {
  let amSink: ApiSink;
  let tmSink: ApiSink;
  let am: Awaited<ReturnType<typeof startAlertmanager>>;
  let tm: RoleProcess;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-receivers-'));
    // No trailing newline: Alertmanager 0.25 sends api_key_file content untrimmed (Tidemark trims, as later releases do).
    await writeFile(join(dir, 'pagerduty-key'), 'R0UTINGKEY0000000000000000000001');
    await writeFile(join(dir, 'opsgenie-key'), 'og-api-key');
    await writeFile(join(dir, 'victorops-key'), 'vo-api-key');
    await writeFile(join(dir, 'webex-token'), 'webex-bot-token');
    [amSink, tmSink] = await Promise.all([ApiSink.start(), ApiSink.start()]);
    amSink.answer = answering();
    tmSink.answer = answering();
    am = await startAlertmanager(config(amSink.url, dir));
    await writeFile(join(dir, 'alertmanager.yml'), config(tmSink.url, dir));
    await writeFile(join(dir, 'tidemark.yml'), 'alerting:\n  alertmanager_config_file: alertmanager.yml\n');
    const port = await freePort();
    tm = new RoleProcess({ name: 'notify', url: `http://127.0.0.1:${port}`, cwd: dir, args: ['notify', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data'), '--listen', `127.0.0.1:${port}`, '--log.level', 'warn'] }, dir);
    await tm.start();
  }, 120_000);

  afterAll(async () => {
    await tm?.stop();
    await tm?.closeLog();
    await am?.stop();
    await Promise.all([amSink?.close(), tmSink?.close()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const startsAt = new Date(Date.now() - 60_000).toISOString();
  const alert = (endsAt?: string) => ({
    labels: { alertname: 'DiskFull', severity: 'critical', instance: 'db1', team: 'db' },
    annotations: { summary: 'disk full on db1', description: 'only 2% left' },
    generatorURL: 'http://prometheus.example/graph?g0.expr=disk_free',
    startsAt,
    ...(endsAt !== undefined ? { endsAt } : {}),
  });
  const post = async (body: unknown) => {
    for (const base of [am.url, tm.url]) {
      const res = await fetch(`${base}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
    }
  };

  it('sends the same requests as Alertmanager for a firing group and for its resolution', async () => {
    await post([alert()]);
    const reached = (want: Record<string, number>) => (reqs: readonly ApiRequest[]) => Object.entries(counts(reqs)).every(([p, n]) => n >= want[p]!);
    await amSink.waitUntil(reached(FIRING_REQUESTS), 'Alertmanager firing notifications', 20_000);
    await tmSink.waitUntil(reached(FIRING_REQUESTS), 'Tidemark firing notifications', 20_000);
    const firedAm = amSink.requests.length;
    const firedTm = tmSink.requests.length;

    await post([alert(new Date().toISOString())]);
    const resolved = { '/pagerduty': 2, '/opsgenie': 4, '/victorops': 2, '/telegram': 2, '/webex': 2, '/discord': 2, '/sns': 2 };
    await amSink.waitUntil(reached(resolved), 'Alertmanager resolved notifications');
    await tmSink.waitUntil(reached(resolved), 'Tidemark resolved notifications');

    expect(firedAm).toBe(9);
    expect(firedTm).toBe(9);
    const order = (reqs: readonly ApiRequest[]) => [...reqs].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
    const amReqs = order(amSink.requests).map((r) => comparable(r, am.url));
    const tmReqs = order(tmSink.requests).map((r) => comparable(r, ''));
    expect(tmReqs).toEqual(amReqs);
  }, 180_000);

  it('signs SNS requests with SigV4 that AWS accepts, as Alertmanager does', () => {
    const fromAm = amSink.to('/sns');
    const fromTm = tmSink.to('/sns');
    expect(fromAm.length).toBeGreaterThan(0);
    expect(fromTm.length).toBe(fromAm.length);
    // The verifier is checked on Alertmanager's requests, and must reject a tampered one.
    expect(fromAm.map((r) => sigv4Problem(r, SECRET_KEY))).toEqual(fromAm.map(() => undefined));
    expect(sigv4Problem({ ...fromAm[0]!, body: `${fromAm[0]!.body}&x=1` }, SECRET_KEY)).toMatch(/^signature/);
    expect(fromTm.map((r) => sigv4Problem(r, SECRET_KEY))).toEqual(fromTm.map(() => undefined));
    expect(sigv4Problem(fromTm[0]!, 'another-secret')).toMatch(/^signature/);
    for (const r of fromTm) {
      expect(r.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/sns\/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date, Signature=/);
    }
  });

  it('retries the failed requests Alertmanager retries and gives up on the others', async () => {
    const failedOf = async (url: string, metric: string): Promise<Record<string, number>> => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const out: Record<string, number> = {};
      for (const m of text.matchAll(new RegExp(`^${metric}\\{[^}]*integration="([a-z0-9]+)"[^}]*\\} (\\S+)$`, 'gm'))) out[m[1]!] = (out[m[1]!] ?? 0) + Number(m[2]);
      return out;
    };
    const amFailedBefore = await failedOf(am.url, 'alertmanager_notifications_failed_total');
    const tmFailedBefore = await failedOf(tm.url, 'tidemark_notify_notifications_failed_total');
    const probe = { labels: { alertname: 'RetryProbe', severity: 'critical', instance: 'db2', team: 'db' }, annotations: { summary: 'probe' }, startsAt };
    await post([probe]);
    const probes = (reqs: readonly ApiRequest[], service: string) => reqs.filter((r) => r.url.startsWith(service) && r.body.includes('RetryProbe')).length;
    // Retried: the second attempt reaches the sink and succeeds.
    const retried = ['/pagerduty', '/telegram', '/discord'];
    for (const sink of [amSink, tmSink]) await sink.waitUntil((reqs) => retried.every((s) => probes(reqs, s) >= 2), `${sink === amSink ? 'Alertmanager' : 'Tidemark'} retries`);
    // Given up: every request is a notification counted as failed, with no second attempt. With
    // group_interval 1s a failed group is flushed again each second (it was never sent), so the
    // counts go on growing while the test looks: each system is read until requests and failures
    // agree, which a sender that retries these integrations never reaches.
    const givenUp = { opsgenie: '/opsgenie', victorops: '/victorops', webex: '/webex', sns: '/sns' };
    const untilOneRequestPerFailure = async (url: string, metric: string, before: Record<string, number>, sink: typeof amSink) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const failed = await failedOf(url, metric);
        const seen = Object.entries(givenUp).map(([i, service]) => [i, probes(sink.requests, service), (failed[i] ?? 0) - (before[i] ?? 0)] as const);
        if (seen.every(([, requests, failures]) => failures >= 1 && requests === failures)) return;
        if (Date.now() > deadline) throw new Error(`${metric}: requests and failures per integration ${JSON.stringify(seen)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await untilOneRequestPerFailure(am.url, 'alertmanager_notifications_failed_total', amFailedBefore, amSink);
    await untilOneRequestPerFailure(tm.url, 'tidemark_notify_notifications_failed_total', tmFailedBefore, tmSink);
    for (const service of retried) expect([service, probes(amSink.requests, service), probes(tmSink.requests, service)]).toEqual([service, 2, 2]);
  }, 180_000);
});
