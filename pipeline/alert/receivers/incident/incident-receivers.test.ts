// PagerDuty, Opsgenie and VictorOps are compared with the real Alertmanager 0.25 in
// test/integration/alert/receivers-side-by-side.test.ts; here a local node:http server (the
// services cannot be reached from here) checks what that comparison cannot: retry classification,
// PagerDuty's v1 API and size limit, Opsgenie's close, and incident.io (newer than 0.25, checked
// against notify/incidentio/incidentio.go).
import { createHash } from 'node:crypto';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { ApiSink } from '../../../../test/integration/alert/api-sink.js';
import { webhookPayload } from '../webhook/index.js';
import { buildNotification, type Notification, type NotificationAlert } from '../notification.js';
import { alertmanagerRenderer } from '../template-renderer.js';
import { IncidentioReceiver } from './incidentio-receiver.js';
import { OpsgenieReceiver } from './opsgenie-receiver.js';
import { PagerdutyReceiver } from './pagerduty-receiver.js';
import { VictoropsReceiver } from './victorops-receiver.js';

let sink: ApiSink;
beforeAll(async () => { sink = await ApiSink.start(); });
afterAll(async () => { await sink.close(); });
beforeEach(() => { sink.requests.length = 0; sink.answer = () => ({ status: 202 }); });

const templates = alertmanagerRenderer();
const NOW = Date.UTC(2026, 7, 1, 10, 0, 0);
const signal = new AbortController().signal;
const GROUP_KEY = '{}/{team="db"}:{alertname="DiskFull"}';
const HASH = createHash('sha256').update(GROUP_KEY).digest('hex');

function alert(status: 'firing' | 'resolved', instance = 'db1', summary = 'disk full'): NotificationAlert {
  return { status, labels: { alertname: 'DiskFull', instance }, annotations: { summary }, startsAt: NOW - 60_000, endsAt: status === 'firing' ? 0 : NOW, generatorURL: 'http://prom/graph', fingerprint: 'aaaaaaaaaaaaaaaa' };
}

function notification(...alerts: NotificationAlert[]): Notification {
  return buildNotification({
    receiver: 'oncall', groupKey: GROUP_KEY, groupLabels: { alertname: 'DiskFull' }, externalURL: 'http://am.example',
    notificationReason: 'first notification', routeLabels: {}, timestamp: NOW, alerts: alerts.length > 0 ? alerts : [alert('firing')],
  });
}

describe('PagerDuty', () => {
  it('retries 429 and 5xx from the Events API v2 and gives up on other 4xx', async () => {
    const r = new PagerdutyReceiver({ routing_key: 'rk', url: `${sink.url}/v2/enqueue` }, templates);
    for (const [status, retryable] of [[429, true], [500, true], [403, false], [400, false]] as const) {
      sink.answer = () => ({ status, body: '{"status":"invalid event","message":"Event object is invalid","errors":["x"]}' });
      expect(await r.send(notification(), signal)).toMatchObject({ ok: false, retryable });
    }
  });

  it('sends service_key events to the v1 API with the group hash as incident_key, client fields only when triggering, and retries 403', async () => {
    const r = new PagerdutyReceiver({ service_key: 'sk', url: 'https://unused.example/' }, templates, `${sink.url}/v1/create_event.json`);
    expect(await r.send(notification(alert('resolved')), signal)).toEqual({ ok: true });
    const body = JSON.parse(sink.requests[0]!.body);
    expect(Object.keys(body)).toEqual(['service_key', 'incident_key', 'event_type', 'description', 'event_action', 'payload', 'details']);
    expect(body).toMatchObject({ service_key: 'sk', incident_key: HASH, event_type: 'resolve', description: '[RESOLVED] DiskFull (db1)', event_action: '', payload: null });
    expect(body.details).toEqual({ firing: '', resolved: 'Labels:\n - alertname = DiskFull\n - instance = db1\nAnnotations:\n - summary = disk full\nSource: http://prom/graph\n', num_firing: '0', num_resolved: '1' });
    await r.send(notification(), signal);
    expect(JSON.parse(sink.requests[1]!.body)).toMatchObject({ event_type: 'trigger', client: 'Alertmanager', client_url: 'http://am.example/#/alerts?receiver=oncall' });
    sink.answer = () => ({ status: 403 });
    expect(await r.send(notification(), signal)).toMatchObject({ ok: false, retryable: true });
  });

  it('replaces custom details with a note when the event would exceed 512 kB, and truncates the summary to 1024 runes', async () => {
    const big = Array.from({ length: 300 }, (_, i) => alert('firing', `db${i}`, 'x'.repeat(2000)));
    const r = new PagerdutyReceiver({ routing_key: 'rk', url: `${sink.url}/v2/enqueue`, description: '{{ range .Alerts }}{{ .Labels.instance }} {{ end }}' }, templates);
    expect(await r.send(notification(...big), signal)).toEqual({ ok: true });
    const body = JSON.parse(sink.requests[0]!.body);
    expect(body.payload.custom_details).toEqual({ error: 'Custom details have been removed because the original event exceeds the maximum size of 512kB' });
    expect([...body.payload.summary]).toHaveLength(1024);
    expect(body.payload.summary.endsWith('…')).toBe(true);
  });

  it('fails permanently, without a request, when the routing key renders empty', async () => {
    const r = new PagerdutyReceiver({ routing_key: '{{ .CommonLabels.missing }}', url: `${sink.url}/v2/enqueue` }, templates);
    const res = await r.send(notification(), signal);
    expect(res).toMatchObject({ ok: false, retryable: false });
    expect(sink.requests).toHaveLength(0);
  });
});

describe('Opsgenie', () => {
  it('closes the alert by alias when the group resolves', async () => {
    const r = new OpsgenieReceiver({ api_url: `${sink.url}/og/`, api_key: 'k', source: 'tidemark' }, templates);
    expect(await r.send(notification(alert('resolved')), signal)).toEqual({ ok: true });
    const req = sink.requests[0]!;
    expect([req.method, req.url, req.headers.authorization, req.body]).toEqual(['POST', `/og/v2/alerts/${HASH}/close?identifierType=alias`, 'GenieKey k', '{"source":"tidemark"}']);
  });

  it('truncates the message to 130 runes and stops at the first failed request, retrying only 429 and 5xx', async () => {
    const r = new OpsgenieReceiver({ api_url: `${sink.url}/og/`, api_key: 'k', message: 'm'.repeat(200), update_alerts: true }, templates);
    sink.answer = () => ({ status: 422 });
    expect(await r.send(notification(), signal)).toMatchObject({ ok: false, retryable: false });
    expect(sink.requests).toHaveLength(1);
    expect([...JSON.parse(sink.requests[0]!.body).message]).toHaveLength(130);
    sink.answer = () => ({ status: 429 });
    expect(await r.send(notification(), signal)).toMatchObject({ ok: false, retryable: true });
  });
});

describe('VictorOps', () => {
  it('sends RECOVERY for a resolved group, CRITICAL for an unknown firing type, and retries only 5xx', async () => {
    const r = new VictoropsReceiver({ api_url: `${sink.url}/vo/`, api_key: 'key', routing_key: 'team', message_type: 'NOISY' }, templates);
    await r.send(notification(), signal);
    await r.send(notification(alert('resolved')), signal);
    expect(sink.requests.map((q) => [q.url, JSON.parse(q.body).message_type, JSON.parse(q.body).entity_id])).toEqual([['/vo/key/team', 'CRITICAL', HASH], ['/vo/key/team', 'RECOVERY', HASH]]);
    sink.answer = () => ({ status: 429 });
    expect(await r.send(notification(), signal)).toMatchObject({ ok: false, retryable: false });
    sink.answer = () => ({ status: 502 });
    expect(await r.send(notification(), signal)).toMatchObject({ ok: false, retryable: true });
  });
});

describe('incident.io', () => {
  it('posts the webhook message as version 1 with the alert source token as bearer, truncated to max_alerts', async () => {
    const r = new IncidentioReceiver({ url: `${sink.url}/v2/alert_events/http/src`, alert_source_token: 'tok', max_alerts: 1, http_config: { bearer_token: 'ignored' } });
    const n = notification(alert('firing', 'db1'), alert('firing', 'db2'));
    expect(await r.send(n, signal)).toEqual({ ok: true });
    const req = sink.requests[0]!;
    expect(req.headers.authorization).toBe('Bearer tok');
    expect(JSON.parse(req.body)).toEqual({ ...webhookPayload(n, 1), version: '1' });
    expect(JSON.parse(req.body).truncatedAlerts).toBe(1);
    sink.answer = () => ({ status: 429 });
    expect(await r.send(n, signal)).toMatchObject({ ok: false, retryable: true });
  });
});
