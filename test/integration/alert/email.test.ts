import { afterEach, describe, expect, it } from 'vitest';

import { createNotifier, parseAlertmanagerConfig } from '../../../pipeline/alert/notify/index.js';
import { alertmanagerRenderer, buildNotification, EmailReceiver, type Notification } from '../../../pipeline/alert/receivers/index.js';
import { decodeQuotedPrintable, startSmtpSink } from './smtp-sink.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => { await Promise.all(closers.splice(0).map((c) => c())); });

function notification(): Notification {
  const now = Date.now();
  return buildNotification({
    receiver: 'mail', groupKey: '{}:{alertname="DiskFull"}', groupLabels: { alertname: 'DiskFull' }, externalURL: 'http://tidemark.example:9093',
    notificationReason: 'first notification', routeLabels: {}, timestamp: now,
    alerts: [
      { status: 'firing', labels: { alertname: 'DiskFull', instance: 'db1' }, annotations: { summary: 'disk <full>' }, startsAt: now - 60_000, endsAt: 0, generatorURL: 'http://prom/graph', fingerprint: '0123456789abcdef' },
    ],
  });
}

const cfg = (port: number, extra: object = {}) => ({
  to: 'oncall@example.com', from: 'tidemark@example.com', smarthost: `127.0.0.1:${port}`, hello: 'tidemark.test',
  auth_username: 'alert', auth_password: 's3cret', tls_config: { insecure_skip_verify: true },
  headers: { 'X-Alert-Group': '{{ .GroupLabels.alertname }}' },
  text: '{{ template "__text_alert_list" .Alerts }}',
  ...extra,
});

describe('email receiver against a real SMTP server', () => {
  it('sends over STARTTLS with AUTH, a subject and HTML and text bodies from the default templates', async () => {
    const smtp = await startSmtpSink({ password: 's3cret' });
    closers.push(smtp.close);
    const r = new EmailReceiver(cfg(smtp.port), alertmanagerRenderer());
    expect(await r.send(notification(), new AbortController().signal)).toEqual({ ok: true });
    expect(smtp.mails).toHaveLength(1);
    const m = smtp.mails[0]!;
    expect(m).toMatchObject({ from: 'tidemark@example.com', to: ['oncall@example.com'], user: 'alert', secure: true });
    expect(m.raw).toMatch(/^Subject: \[FIRING:1\] DiskFull \(db1\)\r?$/m);
    expect(m.raw).toMatch(/^X-Alert-Group: DiskFull$/im);
    const body = decodeQuotedPrintable(m.raw);
    expect(body).toContain('Content-Type: text/plain');
    expect(body).toContain(' - instance = db1');
    expect(body).toContain('Content-Type: text/html');
    expect(body).toContain('1 alert for');
    expect(body).toContain('summary = disk &lt;full&gt;');
    expect(body).toContain('href="http://tidemark.example:9093/#/alerts?receiver=mail"');
  });

  it('sends over implicit TLS when forced', async () => {
    const smtp = await startSmtpSink({ password: 's3cret', secure: true });
    closers.push(smtp.close);
    const r = new EmailReceiver(cfg(smtp.port, { force_implicit_tls: true }), alertmanagerRenderer());
    expect(await r.send(notification(), new AbortController().signal)).toEqual({ ok: true });
    expect(smtp.mails[0]?.secure).toBe(true);
  });

  it('reports a wrong password as a permanent failure', async () => {
    const smtp = await startSmtpSink({ password: 'other' });
    closers.push(smtp.close);
    const res = await new EmailReceiver(cfg(smtp.port), alertmanagerRenderer()).send(notification(), new AbortController().signal);
    expect(res.ok).toBe(false);
    expect(res.ok === false && res.retryable).toBe(false);
    expect(smtp.mails).toHaveLength(0);
  });

  it('refuses to send in the clear when require_tls is on and the server offers no STARTTLS', async () => {
    const smtp = await startSmtpSink({ disabledCommands: ['STARTTLS', 'AUTH'], authOptional: true });
    closers.push(smtp.close);
    const noAuth = { auth_username: undefined, auth_password: undefined };
    const strict = await new EmailReceiver(cfg(smtp.port, noAuth), alertmanagerRenderer()).send(notification(), new AbortController().signal);
    expect(strict.ok).toBe(false);
    expect(smtp.mails).toHaveLength(0);
    const relaxed = await new EmailReceiver(cfg(smtp.port, { ...noAuth, require_tls: false }), alertmanagerRenderer()).send(notification(), new AbortController().signal);
    expect(relaxed).toEqual({ ok: true });
    expect(smtp.mails[0]?.secure).toBe(false);
  });

  it('delivers a notification from alertmanager.yml email_configs through the notifier', async () => {
    const smtp = await startSmtpSink({ password: 's3cret' });
    closers.push(smtp.close);
    const { config, errors } = parseAlertmanagerConfig(`
global:
  smtp_smarthost: 127.0.0.1:${smtp.port}
  smtp_from: tidemark@example.com
  smtp_auth_username: alert
  smtp_auth_password: s3cret
  smtp_tls_config: {insecure_skip_verify: true}
route:
  receiver: mail
  group_wait: 0s
receivers:
- name: mail
  email_configs:
  - to: team@example.com
`);
    expect(errors).toEqual([]);
    const notifier = createNotifier({ config: config!, pollMs: 10 });
    closers.push(() => notifier.stop());
    await notifier.start();
    await notifier.dispatcher.putAlerts([{ fingerprint: 'aaaaaaaaaaaaaaaa', labels: { alertname: 'Boom' }, annotations: {}, startsAt: Date.now(), endsAt: Date.now() + 60_000, generatorURL: '', updatedAt: Date.now(), timeout: false }]);
    // Bounded by the test's timeout only: on a loaded machine delivery can take seconds.
    while (smtp.mails.length === 0) await new Promise((r) => setTimeout(r, 25));
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.to).toEqual(['team@example.com']);
    expect(smtp.mails[0]!.raw).toMatch(/^Subject: \[FIRING:1\]/m);
  });
});
