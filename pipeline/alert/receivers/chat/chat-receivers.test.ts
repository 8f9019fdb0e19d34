import { createHmac } from 'node:crypto';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { WebhookSink } from '../../../../test/integration/alert/webhook-sink.js';
import { parseAlertmanagerConfig } from '../../notify/config/index.js';
import { buildIntegrations } from '../integrations.js';
import { buildNotification, type Notification } from '../notification.js';
import { alertmanagerRenderer } from '../template-renderer.js';
import { DingtalkReceiver } from './dingtalk-receiver.js';
import { FeishuReceiver } from './feishu-receiver.js';
import { SlackReceiver } from './slack-receiver.js';
import { WechatReceiver } from './wechat-receiver.js';
import { WecomReceiver } from './wecom-receiver.js';

let sink: WebhookSink;
beforeAll(async () => { sink = await WebhookSink.start(); });
afterAll(async () => { await sink.close(); });
beforeEach(() => { sink.requests.length = 0; sink.respond = () => ({ status: 200, body: '{"errcode":0,"errmsg":"ok","code":0}' }); });

const templates = alertmanagerRenderer();
const NOW = Date.UTC(2026, 7, 1, 10, 0, 0);
const signal = new AbortController().signal;

function notification(): Notification {
  return buildNotification({
    receiver: 'chat', groupKey: '{}:{alertname="DiskFull"}', groupLabels: { alertname: 'DiskFull' }, externalURL: 'http://am.example',
    notificationReason: 'first notification', routeLabels: {}, timestamp: NOW,
    alerts: [{ status: 'firing', labels: { alertname: 'DiskFull', instance: 'db1' }, annotations: { summary: 'disk full' }, startsAt: NOW - 1000, endsAt: 0, generatorURL: 'http://prom', fingerprint: 'aaaaaaaaaaaaaaaa' }],
  });
}

describe('DingTalk robot', () => {
  it('posts a markdown message with mentions to a signed URL', async () => {
    const r = new DingtalkReceiver({ url: `${sink.url}robot/send?access_token=T`, secret: 'SEC', at_mobiles: ['1380000'] }, templates, () => NOW);
    expect(await r.send(notification(), signal)).toEqual({ ok: true });
    const req = sink.requests[0]!;
    const u = new URL(req.path, 'http://x');
    expect(u.searchParams.get('access_token')).toBe('T');
    expect(u.searchParams.get('timestamp')).toBe(String(NOW));
    expect(u.searchParams.get('sign')).toBe(createHmac('sha256', 'SEC').update(`${NOW}\nSEC`).digest('base64'));
    expect(req.body.msgtype).toBe('markdown');
    expect(req.body.markdown.title).toBe('[FIRING:1] DiskFull (db1)');
    expect(req.body.markdown.text).toContain('**Alerts Firing:**');
    expect(req.body.markdown.text).toContain(' - summary = disk full');
    expect(req.body.markdown.text).toMatch(/ @1380000$/);
    expect(req.body.at).toEqual({ atMobiles: ['1380000'], atUserIds: [], isAtAll: false });
  });

  it('treats a rate-limit errcode as retryable and other errcodes as permanent', async () => {
    const r = new DingtalkReceiver({ url: sink.url }, templates);
    sink.respond = () => ({ status: 200, body: '{"errcode":130101,"errmsg":"send too fast"}' });
    const limited = await r.send(notification(), signal);
    expect(limited.ok === false && limited.retryable).toBe(true);
    sink.respond = () => ({ status: 200, body: '{"errcode":310000,"errmsg":"keywords not in content"}' });
    const refused = await r.send(notification(), signal);
    expect(refused.ok === false && !refused.retryable && refused.error.message).toContain('310000');
  });
});

describe('WeCom group robot', () => {
  it('posts markdown by default and text with mentions when asked', async () => {
    await new WecomReceiver({ url: `${sink.url}cgi-bin/webhook/send?key=K` }, templates).send(notification(), signal);
    await new WecomReceiver({ url: sink.url, message_type: 'text', mentioned_list: ['@all'], mentioned_mobile_list: ['139'] }, templates).send(notification(), signal);
    expect(sink.requests[0]!.path).toBe('/cgi-bin/webhook/send?key=K');
    expect(sink.requests[0]!.body.msgtype).toBe('markdown');
    expect(sink.requests[0]!.body.markdown.content).toMatch(/^### \[FIRING:1\] DiskFull \(db1\)/);
    expect(sink.requests[1]!.body).toMatchObject({ msgtype: 'text', text: { mentioned_list: ['@all'], mentioned_mobile_list: ['139'] } });
    expect(sink.requests[1]!.body.text.content).toContain('Alerts Firing:');
  });

  it('retries when WeCom says the robot is over its rate limit', async () => {
    sink.respond = () => ({ status: 200, body: '{"errcode":45009,"errmsg":"api freq out of limit"}' });
    const r = await new WecomReceiver({ url: sink.url }, templates).send(notification(), signal);
    expect(r.ok === false && r.retryable).toBe(true);
  });
});

describe('WeCom application messages (wechat_configs)', () => {
  it('gets an access token once, sends with it, and fetches a new one when WeCom says it expired', async () => {
    let sends = 0;
    sink.respond = (r) => {
      if (r.path.startsWith('/cgi-bin/gettoken')) return { status: 200, body: JSON.stringify({ errcode: 0, access_token: `tok${r.path.includes('corpid=C') ? sends : 'x'}` }) };
      sends++;
      return { status: 200, body: sends === 2 ? '{"errcode":42001,"errmsg":"access_token expired"}' : '{"errcode":0,"errmsg":"ok"}' };
    };
    const r = new WechatReceiver({ api_url: `${sink.url}cgi-bin/`, api_secret: 'S', corp_id: 'C', to_user: '@all', agent_id: '1000002', message_type: 'markdown' }, templates);
    expect(await r.send(notification(), signal)).toEqual({ ok: true });
    const expired = await r.send(notification(), signal);
    expect(expired.ok === false && expired.retryable).toBe(true);
    expect(await r.send(notification(), signal)).toEqual({ ok: true });
    const paths = sink.requests.map((q) => q.path);
    expect(paths).toEqual([
      '/cgi-bin/gettoken?corpsecret=S&corpid=C', '/cgi-bin/message/send?access_token=tok0', '/cgi-bin/message/send?access_token=tok0',
      '/cgi-bin/gettoken?corpsecret=S&corpid=C', '/cgi-bin/message/send?access_token=tok2',
    ]);
    expect(sink.requests[1]!.body).toMatchObject({ touser: '@all', agentid: '1000002', msgtype: 'markdown', safe: '0', markdown: { content: expect.stringContaining('[FIRING:1] DiskFull (db1)') } });
  });
});

describe('Feishu bot', () => {
  it('posts a signed interactive card coloured by status', async () => {
    await new FeishuReceiver({ url: `${sink.url}open-apis/bot/v2/hook/H`, secret: 'S' }, templates, () => NOW).send(notification(), signal);
    const b = sink.requests[0]!.body;
    const ts = String(NOW / 1000);
    expect(b.timestamp).toBe(ts);
    expect(b.sign).toBe(createHmac('sha256', `${ts}\nS`).update('').digest('base64'));
    expect(b.msg_type).toBe('interactive');
    expect(b.card.header).toEqual({ template: 'red', title: { tag: 'plain_text', content: '[FIRING:1] DiskFull (db1)' } });
    expect(b.card.elements[0].content).toContain('disk full');
  });

  it('reports a Feishu error code as a failure', async () => {
    sink.respond = () => ({ status: 200, body: '{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}' });
    const r = await new FeishuReceiver({ url: sink.url, message_type: 'text' }, templates).send(notification(), signal);
    expect(r.ok === false && !r.retryable && r.error.message).toContain('19021');
    expect(sink.requests).toHaveLength(1);
    expect(sink.requests[0]!.body).toMatchObject({ msg_type: 'text', content: { text: expect.stringContaining('[FIRING:1]') } });
  });
});

describe('Slack', () => {
  it('posts one attachment with Alertmanager defaults to an incoming webhook', async () => {
    sink.respond = () => ({ status: 200, body: 'ok' });
    expect(await new SlackReceiver({ api_url: sink.url, channel: '#alerts' }, templates).send(notification(), signal)).toEqual({ ok: true });
    expect(sink.requests[0]!.body).toEqual({
      channel: '#alerts', username: 'Alertmanager',
      attachments: [{
        title: '[FIRING:1] DiskFull (db1)', title_link: 'http://am.example/#/alerts?receiver=chat', color: 'danger',
        fallback: '[FIRING:1] DiskFull (db1) | http://am.example/#/alerts?receiver=chat', mrkdwn_in: ['fallback', 'pretext', 'text'],
      }],
    });
  });

  it('fails permanently on an error answer and retries when rate limited', async () => {
    sink.respond = () => ({ status: 400, body: 'invalid_payload' });
    const bad = await new SlackReceiver({ api_url: sink.url }, templates).send(notification(), signal);
    expect(bad.ok === false && bad.retryable).toBe(false);
    sink.respond = () => ({ status: 200, body: '{"ok":false,"error":"ratelimited"}' });
    const limited = await new SlackReceiver({ api_url: sink.url }, templates).send(notification(), signal);
    expect(limited.ok === false && limited.retryable).toBe(true);
  });
});

describe('chat integrations from alertmanager.yml', () => {
  it('loads dingtalk, wecom and feishu lists (a Tidemark extension) next to Slack', () => {
    const { config, errors } = parseAlertmanagerConfig(`
route: {receiver: chat}
receivers:
- name: chat
  slack_configs: [{api_url: 'http://x/slack'}]
  dingtalk_configs: [{url: 'http://x/ding', secret: s}]
  wecom_configs: [{url: 'http://x/wecom', message_type: text}]
  feishu_configs: [{url: 'http://x/feishu'}]
`);
    expect(errors).toEqual([]);
    const integrations = buildIntegrations(config!.receivers[0]!, { templates });
    expect(integrations.map((i) => [i.key, i.receiver.sendResolved])).toEqual([
      ['chat/slack/0', false], ['chat/dingtalk/0', true], ['chat/wecom/0', true], ['chat/feishu/0', true],
    ]);
    const bad = parseAlertmanagerConfig('route: {receiver: c}\nreceivers:\n- name: c\n  dingtalk_configs: [{secret: s}]\n');
    expect(bad.errors.map((e) => e.detail)).toContain('one of url or url_file must be configured in DingTalk config');
  });
});
