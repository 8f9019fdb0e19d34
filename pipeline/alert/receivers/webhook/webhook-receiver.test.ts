import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { conformancePath } from '../../../../test/conformance/conformance-dir.js';
import { WebhookSink } from '../../../../test/integration/alert/webhook-sink.js';
import { buildNotification, type Notification } from '../notification.js';
import { alertmanagerRenderer } from '../template-renderer.js';
import { WebhookReceiver } from './webhook-receiver.js';

const CONFORMANCE = conformancePath('alertmanager', 'webhook');
const schema = JSON.parse(readFileSync(`${CONFORMANCE}/webhook-v4.schema.json`, 'utf8'));

/** The JSON Schema subset the webhook schema uses: type, required, properties, enum, const, items, $ref, additionalProperties, minimum, pattern. */
function validate(s: any, v: unknown, path = '$', root = s): string[] {
  if (s.$ref !== undefined) return validate(s.$ref.replace('#/', '').split('/').reduce((o: any, k: string) => o[k], root), v, path, root);
  const errs: string[] = [];
  const type = Array.isArray(v) ? 'array' : v === null ? 'null' : Number.isInteger(v) ? 'integer' : typeof v;
  if (s.type !== undefined && !(s.type === type || (s.type === 'number' && type === 'integer'))) return [`${path}: expected ${s.type}, got ${type}`];
  if (s.const !== undefined && v !== s.const) errs.push(`${path}: expected ${JSON.stringify(s.const)}`);
  if (s.enum !== undefined && !s.enum.includes(v)) errs.push(`${path}: ${JSON.stringify(v)} not in enum`);
  if (s.minimum !== undefined && (v as number) < s.minimum) errs.push(`${path}: below minimum`);
  if (s.pattern !== undefined && !new RegExp(s.pattern).test(v as string)) errs.push(`${path}: does not match ${s.pattern}`);
  if (s.format === 'date-time' && Number.isNaN(Date.parse(v as string))) errs.push(`${path}: not a date-time`);
  if (type === 'object') {
    const o = v as Record<string, unknown>;
    for (const r of s.required ?? []) if (!(r in o)) errs.push(`${path}: missing ${r}`);
    for (const [k, x] of Object.entries(o)) {
      if (s.properties?.[k] !== undefined) errs.push(...validate(s.properties[k], x, `${path}.${k}`, root));
      else if (typeof s.additionalProperties === 'object') errs.push(...validate(s.additionalProperties, x, `${path}.${k}`, root));
      else if (s.additionalProperties === false) errs.push(`${path}: unexpected ${k}`);
    }
  }
  if (type === 'array' && s.items !== undefined) (v as unknown[]).forEach((x, i) => errs.push(...validate(s.items, x, `${path}[${i}]`, root)));
  return errs;
}

let sink: WebhookSink;
beforeAll(async () => { sink = await WebhookSink.start(); });
afterAll(async () => { await sink.close(); });
beforeEach(() => { sink.requests.length = 0; sink.respond = () => 200; });

function notification(n = 2): Notification {
  const t = Date.UTC(2026, 7, 1, 10, 0, 0);
  return buildNotification({
    receiver: 'db.team', groupKey: '{}/{team="db"}:{alertname="DiskFull"}', groupLabels: { alertname: 'DiskFull' },
    externalURL: 'http://am.example:9093', notificationReason: 'first notification', routeLabels: {}, timestamp: t,
    alerts: Array.from({ length: n }, (_, i) => ({
      status: i === 0 ? 'firing' as const : 'resolved' as const,
      labels: { alertname: 'DiskFull', instance: `db-${i}:9100`, team: 'db' }, annotations: { summary: `s${i}`, runbook: 'r' },
      startsAt: t - 60_000 - i, endsAt: i === 0 ? 0 : t - 1000, generatorURL: 'http://prom/graph', fingerprint: `${i}`.padStart(16, 'a'),
    })),
  });
}

const send = (cfg: object, n = notification()) => new WebhookReceiver({ url: sink.url, ...cfg }, alertmanagerRenderer()).send(n, new AbortController().signal);

describe('webhook receiver', () => {
  it('validates the conformance example against the schema (the validator can fail)', () => {
    const example = JSON.parse(readFileSync(`${CONFORMANCE}/example-payload.json`, 'utf8'));
    expect(validate(schema, example)).toEqual([]);
    expect(validate(schema, { ...example, version: '3', alerts: [{ ...example.alerts[0], fingerprint: 'xyz' }] })).toHaveLength(2);
  });

  it('posts the version 4 payload with every field, valid against the schema', async () => {
    expect(await send({})).toEqual({ ok: true });
    const r = sink.requests[0]!;
    expect(r.headers['content-type']).toBe('application/json');
    expect(validate(schema, r.body)).toEqual([]);
    expect(r.body).toEqual({
      receiver: 'db\\.team', status: 'firing', notification_reason: 'first notification', version: '4',
      groupKey: '{}/{team="db"}:{alertname="DiskFull"}', truncatedAlerts: 0, externalURL: 'http://am.example:9093',
      groupLabels: { alertname: 'DiskFull' }, commonLabels: { alertname: 'DiskFull', team: 'db' }, commonAnnotations: { runbook: 'r' }, routeLabels: {},
      alerts: [
        { status: 'firing', labels: { alertname: 'DiskFull', instance: 'db-0:9100', team: 'db' }, annotations: { runbook: 'r', summary: 's0' }, startsAt: '2026-08-01T09:59:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prom/graph', fingerprint: 'aaaaaaaaaaaaaaa0' },
        { status: 'resolved', labels: { alertname: 'DiskFull', instance: 'db-1:9100', team: 'db' }, annotations: { runbook: 'r', summary: 's1' }, startsAt: '2026-08-01T09:58:59.999Z', endsAt: '2026-08-01T09:59:59Z', generatorURL: 'http://prom/graph', fingerprint: 'aaaaaaaaaaaaaaa1' },
      ],
    });
  });

  it('truncates to max_alerts and says how many were left out', async () => {
    await send({ max_alerts: 2 }, notification(5));
    expect(sink.requests[0]!.body.alerts).toHaveLength(2);
    expect(sink.requests[0]!.body.truncatedAlerts).toBe(3);
  });

  it('authenticates with basic auth or a bearer token from http_config', async () => {
    await send({ http_config: { basic_auth: { username: 'u', password: 'p' } } });
    await send({ http_config: { bearer_token: 'tok' } });
    await send({ http_config: { authorization: { type: 'Token', credentials: 'abc' } } });
    expect(sink.requests.map((r) => r.headers.authorization)).toEqual([`Basic ${Buffer.from('u:p').toString('base64')}`, 'Bearer tok', 'Token abc']);
  });

  it('renders a templated URL and an advanced payload map', async () => {
    await send({ url: `${sink.url}{{ .GroupLabels.alertname }}`, payload: { text: '{{ .Status }}: {{ len .Alerts }}', nested: ['{{ .Receiver }}'] } });
    expect(sink.requests[0]!.path).toBe('/DiskFull');
    expect(sink.requests[0]!.body).toEqual({ text: 'firing: 2', nested: ['db\\.team'] });
  });

  it('classifies 5xx and 429 as retryable and other failures as permanent', async () => {
    const status = [503, 429, 400];
    let calls = 0;
    sink.respond = () => status[calls++ % 3]!;
    const results = [await send({}), await send({}), await send({})];
    expect(results.map((r) => (r.ok ? 'ok' : r.retryable))).toEqual([true, true, false]);
    const refused = await new WebhookReceiver({ url: 'http://127.0.0.1:1/' }, alertmanagerRenderer()).send(notification(), new AbortController().signal);
    expect(refused.ok === false && refused.retryable).toBe(true);
  });
});
