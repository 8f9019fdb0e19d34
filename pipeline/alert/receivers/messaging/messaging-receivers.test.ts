// The services these receivers talk to cannot be reached from here: a local node:http server
// (ApiSink) plays them. Expected requests are those of Alertmanager's source (notify/<name>/*.go,
// 0.28): the installed Alertmanager 0.25 predates msteams, msteamsv2, rocketchat and mattermost,
// and cannot point Pushover elsewhere. Telegram, Webex and Discord are also compared with the real
// Alertmanager in test/integration/alert/receivers-side-by-side.test.ts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { ApiSink } from '../../../../test/integration/alert/api-sink.js';
import { buildNotification, type Notification, type NotificationAlert } from '../notification.js';
import { alertmanagerRenderer } from '../template-renderer.js';
import { DiscordReceiver } from './discord-receiver.js';
import { MattermostReceiver } from './mattermost-receiver.js';
import { MsteamsReceiver, MsteamsV2Receiver } from './msteams-receiver.js';
import { PushoverReceiver } from './pushover-receiver.js';
import { RocketchatReceiver } from './rocketchat-receiver.js';
import { TelegramReceiver } from './telegram-receiver.js';
import { WebexReceiver } from './webex-receiver.js';

let sink: ApiSink;
let dir: string;
beforeAll(async () => {
  sink = await ApiSink.start();
  dir = await mkdtemp(join(tmpdir(), 'tidemark-messaging-'));
});
afterAll(async () => {
  await sink.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => { sink.requests.length = 0; sink.answer = () => ({ status: 200 }); });

const templates = alertmanagerRenderer();
const NOW = Date.UTC(2026, 7, 1, 10, 0, 0);
const signal = new AbortController().signal;

function alert(status: 'firing' | 'resolved', instance = 'db1'): NotificationAlert {
  return { status, labels: { alertname: 'DiskFull', instance }, annotations: { summary: 'disk full' }, startsAt: NOW - 60_000, endsAt: status === 'firing' ? 0 : NOW, generatorURL: 'http://prom/graph', fingerprint: 'aaaaaaaaaaaaaaaa' };
}

function notification(...alerts: NotificationAlert[]): Notification {
  return buildNotification({
    receiver: 'team', groupKey: '{}:{alertname="DiskFull"}', groupLabels: { alertname: 'DiskFull' }, externalURL: 'http://am.example',
    notificationReason: 'first notification', routeLabels: {}, timestamp: NOW, alerts: alerts.length > 0 ? alerts : [alert('firing')],
  });
}

const MARKDOWN_FIRING = `
# Alerts Firing:

Labels:
  - alertname = DiskFull
  - instance = db1

Annotations:
  - summary = disk full

Source: http://prom/graph


`;

describe('Microsoft Teams (Office 365 connector)', () => {
  it('posts a MessageCard with the default title, summary and Markdown text, red while firing', async () => {
    const r = new MsteamsReceiver({ webhook_url: `${sink.url}/teams/hook` }, templates);
    expect(await r.send(notification(), signal)).toEqual({ ok: true });
    const req = sink.requests[0]!;
    expect([req.method, req.url, req.headers['content-type']]).toEqual(['POST', '/teams/hook', 'application/json']);
    expect(JSON.parse(req.body)).toEqual({
      '@context': 'http://schema.org/extensions', type: 'MessageCard',
      title: '[FIRING:1] DiskFull (db1)', summary: '[FIRING:1] DiskFull (db1)', text: `\n${MARKDOWN_FIRING}\n\n`, themeColor: '8C1A1A',
    });
  });

  it('reads webhook_url_file and colours a resolved group green', async () => {
    await writeFile(join(dir, 'teams-url'), `${sink.url}/teams/from-file\n`);
    const r = new MsteamsReceiver({ webhook_url_file: join(dir, 'teams-url'), title: 'T', text: 'x', summary: 's' }, templates);
    expect(await r.send(notification(alert('resolved')), signal)).toEqual({ ok: true });
    expect(sink.requests[0]!.url).toBe('/teams/from-file');
    expect(JSON.parse(sink.requests[0]!.body).themeColor).toBe('2DC72D');
  });

  it('retries a 5xx answer and gives up on a 4xx one (Retrier with no extra codes)', async () => {
    const r = new MsteamsReceiver({ webhook_url: `${sink.url}/teams/hook` }, templates);
    sink.answer = () => ({ status: 503 });
    expect(await r.send(notification(), signal)).toMatchObject({ ok: false, retryable: true });
    sink.answer = () => ({ status: 429 });
    expect(await r.send(notification(), signal)).toMatchObject({ ok: false, retryable: false });
  });
});

describe('Microsoft Teams (Power Automate workflows, msteamsv2)', () => {
  it('posts an Adaptive Card message with a heading coloured by status', async () => {
    const r = new MsteamsV2Receiver({ webhook_url: `${sink.url}/flow` }, templates);
    expect(await r.send(notification(alert('resolved')), signal)).toEqual({ ok: true });
    const body = JSON.parse(sink.requests[0]!.body);
    expect(body).toEqual({
      type: 'message',
      attachments: [{
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.2',
          body: [
            { type: 'TextBlock', text: '[RESOLVED] DiskFull (db1)', weight: 'Bolder', size: 'Medium', wrap: true, style: 'heading', color: 'Good' },
            { type: 'TextBlock', text: body.attachments[0].content.body[1].text, wrap: true },
          ],
          msteams: { width: 'full' },
        },
      }],
    });
    expect(body.attachments[0].content.body[1].text).toContain('# Alerts Resolved:');
  });
});

describe('Pushover', () => {
  it('posts the message as sorted query parameters with an empty text/plain body, emergency priority while firing', async () => {
    await writeFile(join(dir, 'po-token'), 'apptoken\n');
    const r = new PushoverReceiver({ user_key: 'userkey', token_file: join(dir, 'po-token') }, templates, `${sink.url}/1/messages.json`);
    expect(await r.send(notification(), signal)).toEqual({ ok: true });
    const req = sink.requests[0]!;
    expect([req.method, req.headers['content-type'], req.body]).toEqual(['POST', 'text/plain', '']);
    const u = new URL(req.url, 'http://x');
    expect(u.pathname).toBe('/1/messages.json');
    expect([...u.searchParams.keys()]).toEqual(['device', 'expire', 'message', 'priority', 'retry', 'sound', 'title', 'token', 'url', 'url_title', 'user']);
    expect(Object.fromEntries(u.searchParams)).toEqual({
      token: 'apptoken', user: 'userkey', title: '[FIRING:1] DiskFull (db1)',
      message: 'disk full\n\nAlerts Firing:\nLabels:\n - alertname = DiskFull\n - instance = db1\nAnnotations:\n - summary = disk full\nSource: http://prom/graph',
      url: 'http://am.example/#/alerts?receiver=team', url_title: '', priority: '2', retry: '60', expire: '3600', device: '', sound: '',
    });
  });

  it('truncates the title to 250 and the message to 1024 runes, sends html=1 and ttl in seconds, and says (no details) for an empty message', async () => {
    const r = new PushoverReceiver({ user_key: 'u', token: 't', title: 'é'.repeat(300), message: '{{ "x" }}', html: true, ttl: 90_000 }, templates, `${sink.url}/po`);
    await r.send(notification(), signal);
    const p = new URL(sink.requests[0]!.url, 'http://x').searchParams;
    expect([...p.get('title')!]).toHaveLength(250);
    expect(p.get('title')!.endsWith('é…')).toBe(true);
    expect([p.get('html'), p.get('ttl'), p.get('message')]).toEqual(['1', '90', 'x']);
    const long = new PushoverReceiver({ user_key: 'u', token: 't', message: '{{ "y" }}{{ range $i := .Alerts }}{{ end }}' + 'z'.repeat(2000) }, templates, `${sink.url}/po`);
    await long.send(notification(), signal);
    expect([...new URL(sink.requests[1]!.url, 'http://x').searchParams.get('message')!]).toHaveLength(1024);
    const empty = new PushoverReceiver({ user_key: 'u', token: 't', message: '  ' }, templates, `${sink.url}/po`);
    await empty.send(notification(), signal);
    expect(new URL(sink.requests[2]!.url, 'http://x').searchParams.get('message')).toBe('(no details)');
  });
});

describe('Telegram', () => {
  it('reads bot_token_file, renders HTML, and sends string parameters as telebot does', async () => {
    await writeFile(join(dir, 'tg-token'), '42:secret\n');
    sink.answer = () => ({ status: 200, body: '{"ok":true,"result":{"message_id":1,"chat":{"id":-5}}}' });
    const r = new TelegramReceiver({ api_url: `${sink.url}/tg`, bot_token_file: join(dir, 'tg-token'), chat_id: -5, message_thread_id: 9, message: '<b>{{ .CommonLabels.instance }}</b> {{ "a<b" }}' }, templates);
    expect(await r.send(notification(), signal)).toEqual({ ok: true });
    const req = sink.requests[0]!;
    expect(req.url).toBe('/tg/bot42:secret/sendMessage');
    expect(JSON.parse(req.body)).toEqual({ chat_id: '-5', text: '<b>db1</b> a&lt;b', parse_mode: 'HTML', disable_web_page_preview: 'true', message_thread_id: '9' });
  });

  it('retries every failure, Bot API errors in a 200 answer included', async () => {
    const r = new TelegramReceiver({ api_url: `${sink.url}/tg`, bot_token: 't', chat_id: 1 }, templates);
    sink.answer = () => ({ status: 200, body: '{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}' });
    const res = await r.send(notification(), signal);
    expect(res).toMatchObject({ ok: false, retryable: true });
    expect(res.ok ? '' : res.error.message).toContain('chat not found');
    sink.answer = () => ({ status: 400, body: '{"ok":false}' });
    expect(await r.send(notification(), signal)).toMatchObject({ ok: false, retryable: true });
  });

  it('replaces an HTML message over Telegram limits with a fixed notice', async () => {
    sink.answer = () => ({ status: 200, body: '{"ok":true,"result":{}}' });
    const r = new TelegramReceiver({ api_url: `${sink.url}/tg`, bot_token: 't', chat_id: 1, message: `<i>${'w'.repeat(5000)}</i>` }, templates);
    await r.send(notification(), signal);
    expect(JSON.parse(sink.requests[0]!.body).text).toMatch(/^Alertmanager notification could not be sent: message length exceeds Telegram limits/);
  });
});

describe('Webex', () => {
  it('truncates the Markdown to 7439 bytes and renders the room id', async () => {
    const r = new WebexReceiver({ api_url: `${sink.url}/v1/messages`, room_id: 'room-{{ .CommonLabels.instance }}', message: '€'.repeat(3000), http_config: { authorization: { type: 'Bearer', credentials: 'tok' } } }, templates);
    expect(await r.send(notification(), signal)).toEqual({ ok: true });
    const req = sink.requests[0]!;
    const body = JSON.parse(req.body);
    expect(req.headers.authorization).toBe('Bearer tok');
    expect(body.roomId).toBe('room-db1');
    expect(Buffer.byteLength(body.markdown)).toBeLessThanOrEqual(7439);
    expect(body.markdown.endsWith('€…')).toBe(true);
  });
});

describe('Discord', () => {
  it('reads webhook_url_file and sends content, username and avatar_url when configured', async () => {
    await writeFile(join(dir, 'discord-url'), `${sink.url}/api/webhooks/1/x\n`);
    const r = new DiscordReceiver({ webhook_url_file: join(dir, 'discord-url'), content: '@here {{ .Status }}', username: 'am', avatar_url: 'https://img.example/a.png', title: 't', message: 'm' }, templates);
    expect(await r.send(notification(alert('resolved')), signal)).toEqual({ ok: true });
    expect(JSON.parse(sink.requests[0]!.body)).toEqual({ content: '@here resolved', embeds: [{ title: 't', description: 'm', color: 0x2ecc71 }], username: 'am', avatar_url: 'https://img.example/a.png' });
  });
});

describe('Rocket.Chat', () => {
  it('posts chat.postMessage with the token headers, one attachment and Alertmanager defaults', async () => {
    await writeFile(join(dir, 'rc-token'), 'tok\n');
    sink.answer = () => ({ status: 200, body: '{"success":true}' });
    const r = new RocketchatReceiver({
      api_url: `${sink.url}/rc/`, token_file: join(dir, 'rc-token'), token_id: 'uid', channel: '#ops',
      fields: [{ title: 'instance', value: '{{ .CommonLabels.instance }}' }, { title: 'x', value: 'y', short: true }], short_fields: false,
      actions: [{ text: 'Runbook', url: 'https://runbooks.example' }],
    }, templates);
    expect(await r.send(notification(), signal)).toEqual({ ok: true });
    const req = sink.requests[0]!;
    expect([req.url, req.headers['x-auth-token'], req.headers['x-user-id']]).toEqual(['/rc/api/v1/chat.postMessage', 'tok', 'uid']);
    expect(JSON.parse(req.body)).toEqual({
      channel: '#ops',
      attachments: [{
        title: '[FIRING:1] DiskFull (db1)', title_link: 'http://am.example/#/alerts?receiver=team', color: 'red',
        fields: [{ short: false, title: 'instance', value: 'db1' }, { short: true, title: 'x', value: 'y' }],
        actions: [{ type: 'button', text: 'Runbook', url: 'https://runbooks.example' }],
      }],
    });
  });

  it('reports success:false in a 200 answer as a permanent error and an unreadable answer as retryable', async () => {
    const r = new RocketchatReceiver({ api_url: `${sink.url}/rc`, token: 't', token_id: 'u' }, templates);
    sink.answer = () => ({ status: 200, body: '{"success":false,"error":"error-not-allowed"}' });
    const res = await r.send(notification(), signal);
    expect(res).toMatchObject({ ok: false, retryable: false });
    expect(res.ok ? '' : res.error.message).toContain('error-not-allowed');
    sink.answer = () => ({ status: 200, body: 'not json' });
    expect(await r.send(notification(), signal)).toMatchObject({ ok: false, retryable: true });
  });
});

describe('Mattermost', () => {
  it('posts the text, attachments, props.card and a normalised priority', async () => {
    const r = new MattermostReceiver({
      webhook_url: `${sink.url}/hooks/abc`, text: '{{ .Status }}: {{ .CommonLabels.instance }}', channel: 'ops', username: 'am',
      attachments: [{ title: 'T {{ .CommonLabels.alertname }}', color: '#f00', fields: [{ title: 'a', value: 'b', short: true }] }],
      props: { card: 'card {{ .Status }}' }, priority: { priority: 'URGENT', requested_ack: true, persistent_notifications: true },
    }, templates);
    expect(await r.send(notification(), signal)).toEqual({ ok: true });
    expect(JSON.parse(sink.requests[0]!.body)).toEqual({
      text: 'firing: db1', channel: 'ops', username: 'am',
      attachments: [{ title: 'T DiskFull', color: '#f00', fields: [{ title: 'a', value: 'b', short: true }] }],
      props: { card: 'card firing' }, priority: { priority: 'urgent', requested_ack: true, persistent_notifications: true },
    });
  });

  it('turns an unknown priority into standard, which allows neither ack requests nor persistent notifications', async () => {
    const r = new MattermostReceiver({ webhook_url: `${sink.url}/hooks/abc`, text: 'x', priority: { priority: 'high', requested_ack: true, persistent_notifications: true } }, templates);
    await r.send(notification(), signal);
    expect(JSON.parse(sink.requests[0]!.body).priority).toEqual({ priority: 'standard' });
  });
});
