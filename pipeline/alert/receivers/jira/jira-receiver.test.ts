// Jira cannot be reached from here: a local node:http server (ApiSink) plays its REST API. The
// installed Alertmanager 0.25 has no Jira integration, so the expected conversation is the one in
// Alertmanager 0.28's notify/jira/jira.go: search, then create or update, then transition.
import { createHash } from 'node:crypto';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { ApiSink, type ApiRequest } from '../../../../test/integration/alert/api-sink.js';
import { buildNotification, type Notification, type NotificationAlert } from '../notification.js';
import { alertmanagerRenderer } from '../template-renderer.js';
import { JiraReceiver, promDurationMs } from './jira-receiver.js';

let sink: ApiSink;
beforeAll(async () => { sink = await ApiSink.start(); });
afterAll(async () => { await sink.close(); });
beforeEach(() => { sink.requests.length = 0; });

const templates = alertmanagerRenderer();
const NOW = Date.UTC(2026, 7, 1, 10, 0, 0);
const signal = new AbortController().signal;
const GROUP_KEY = '{}:{alertname="DiskFull"}';
const LABEL = `ALERT{${createHash('sha256').update(GROUP_KEY).digest('hex')}}`;

function alert(status: 'firing' | 'resolved', severity = 'warning'): NotificationAlert {
  return { status, labels: { alertname: 'DiskFull', instance: 'db1', severity }, annotations: { summary: 'disk full' }, startsAt: NOW - 60_000, endsAt: status === 'firing' ? 0 : NOW, generatorURL: 'http://prom/graph', fingerprint: 'aaaaaaaaaaaaaaaa' };
}

function notification(...alerts: NotificationAlert[]): Notification {
  return buildNotification({
    receiver: 'jira', groupKey: GROUP_KEY, groupLabels: { alertname: 'DiskFull' }, externalURL: 'http://am.example',
    notificationReason: 'first notification', routeLabels: {}, timestamp: NOW, alerts,
  });
}

/** Plays Jira: the search finds `issue` (or nothing); the transitions list offers Done and Reopen. */
function jira(issue?: { key: string; category: string }): (r: ApiRequest) => { status: number; body?: string } {
  return (r) => {
    if (r.url.endsWith('/search') || r.url.endsWith('/search/jql')) {
      return { status: 200, body: JSON.stringify({ issues: issue ? [{ key: issue.key, fields: { status: { name: 'x', statusCategory: { key: issue.category } } } }] : [] }) };
    }
    if (r.method === 'GET' && r.url.endsWith('/transitions')) return { status: 200, body: JSON.stringify({ transitions: [{ id: '31', name: 'Done' }, { id: '41', name: 'Reopen' }] }) };
    if (r.method === 'POST' && r.url.endsWith('/issue')) return { status: 201, body: '{"id":"10000","key":"OPS-1"}' };
    return { status: 204 };
  };
}

const base = () => ({ api_url: `${sink.url}/rest/api/2`, project: 'OPS', issue_type: 'Bug', labels: ['alertmanager', '{{ .CommonLabels.instance }}'], resolve_transition: 'Done', http_config: { basic_auth: { username: 'u', password: 'p' } } });
const calls = () => sink.requests.map((r) => `${r.method} ${r.url}`);

describe('Jira', () => {
  it('searches for the group issue and creates one when none is open', async () => {
    sink.answer = jira();
    const r = new JiraReceiver({ ...base(), fields: { customfield_10001: '{{ .CommonLabels.instance }}', components: [{ name: 'db-{{ .Status }}' }] } }, templates);
    expect(await r.send(notification(alert('firing', 'critical')), signal)).toEqual({ ok: true });
    expect(calls()).toEqual(['POST /rest/api/2/search', 'POST /rest/api/2/issue']);
    const [search, create] = sink.requests;
    expect(JSON.parse(search!.body)).toEqual({ fields: ['status'], jql: `statusCategory != Done and project="OPS" and labels="${LABEL}" order by status ASC,resolutiondate DESC`, maxResults: 2 });
    expect([create!.headers['accept-language'], create!.headers.authorization]).toEqual(['en', `Basic ${Buffer.from('u:p').toString('base64')}`]);
    const fields = JSON.parse(create!.body).fields;
    expect(fields).toMatchObject({
      summary: '[FIRING:1] DiskFull (db1 critical)', issuetype: { name: 'Bug' }, project: { key: 'OPS' }, priority: { name: 'High' },
      labels: [LABEL, 'alertmanager', 'db1'], customfield_10001: 'db1', components: [{ name: 'db-firing' }],
    });
    expect(fields.description).toContain('# Alerts Firing:');
  });

  it('updates the open issue while the group fires, without a transition', async () => {
    sink.answer = jira({ key: 'OPS-7', category: 'indeterminate' });
    const r = new JiraReceiver(base(), templates);
    expect(await r.send(notification(alert('firing')), signal)).toEqual({ ok: true });
    expect(calls()).toEqual(['POST /rest/api/2/search', 'PUT /rest/api/2/issue/OPS-7']);
    expect(JSON.parse(sink.requests[1]!.body).fields.priority).toEqual({ name: 'Medium' });
  });

  it('updates and resolves the open issue with resolve_transition when the group resolves', async () => {
    sink.answer = jira({ key: 'OPS-7', category: 'indeterminate' });
    const r = new JiraReceiver(base(), templates);
    expect(await r.send(notification(alert('resolved')), signal)).toEqual({ ok: true });
    expect(calls()).toEqual(['POST /rest/api/2/search', 'PUT /rest/api/2/issue/OPS-7', 'GET /rest/api/2/issue/OPS-7/transitions', 'POST /rest/api/2/issue/OPS-7/transitions']);
    expect(JSON.parse(sink.requests[3]!.body)).toEqual({ transition: { id: '31' } });
  });

  it('creates nothing for a resolved group without an issue', async () => {
    sink.answer = jira();
    const r = new JiraReceiver(base(), templates);
    expect(await r.send(notification(alert('resolved')), signal)).toEqual({ ok: true });
    expect(calls()).toEqual(['POST /rest/api/2/search']);
  });

  it('reopens an issue resolved within reopen_duration, searching closed issues too', async () => {
    sink.answer = jira({ key: 'OPS-3', category: 'done' });
    const r = new JiraReceiver({ ...base(), reopen_transition: 'Reopen', reopen_duration: '1h30m', wont_fix_resolution: "Won't Fix" }, templates);
    expect(await r.send(notification(alert('firing')), signal)).toEqual({ ok: true });
    expect(JSON.parse(sink.requests[0]!.body).jql).toBe(`resolution != "Won't Fix" and (resolutiondate is EMPTY OR resolutiondate >= -90m) and project="OPS" and labels="${LABEL}" order by status ASC,resolutiondate DESC`);
    expect(calls().slice(1)).toEqual(['PUT /rest/api/2/issue/OPS-3', 'GET /rest/api/2/issue/OPS-3/transitions', 'POST /rest/api/2/issue/OPS-3/transitions']);
    expect(JSON.parse(sink.requests[3]!.body)).toEqual({ transition: { id: '41' } });
  });

  it('fails permanently when the transition does not exist', async () => {
    sink.answer = jira({ key: 'OPS-7', category: 'indeterminate' });
    const r = new JiraReceiver({ ...base(), resolve_transition: 'Closed' }, templates);
    const res = await r.send(notification(alert('resolved')), signal);
    expect(res).toMatchObject({ ok: false, retryable: false });
    expect(res.ok ? '' : res.error.message).toContain("can't find transition Closed for issue OPS-7");
  });

  it('uses the v3 search/jql endpoint for Jira Cloud and sends a v3 description as a document', async () => {
    sink.answer = jira();
    const r = new JiraReceiver({ ...base(), api_url: `${sink.url}/rest/api/3`, api_type: 'cloud', description: '{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"{{ .CommonLabels.instance }}"}]}]}' }, templates);
    expect(await r.send(notification(alert('firing')), signal)).toEqual({ ok: true });
    expect(calls()).toEqual(['POST /rest/api/3/search/jql', 'POST /rest/api/3/issue']);
    expect(JSON.parse(sink.requests[1]!.body).fields.description).toEqual({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'db1' }] }] });
    const cloud = new JiraReceiver({ ...base(), api_type: 'cloud' }, templates);
    expect(cloud.searchRequest(notification(alert('firing')), true).url).toBe(`${sink.url}/rest/api/3/search/jql`);
  });

  it('retries 429 and 5xx answers and gives up on other errors', async () => {
    const r = new JiraReceiver(base(), templates);
    for (const [status, retryable] of [[429, true], [503, true], [401, false]] as const) {
      sink.answer = () => ({ status });
      expect(await r.send(notification(alert('firing')), signal)).toMatchObject({ ok: false, retryable });
    }
  });

  it('reads reopen_duration as a Prometheus duration', () => {
    expect([promDurationMs('90m'), promDurationMs('1d2h'), promDurationMs('')]).toEqual([5_400_000, 93_600_000, 0]);
    expect(() => promDurationMs('1x')).toThrow('not a valid duration string');
  });
});
