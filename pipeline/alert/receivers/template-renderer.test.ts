import { describe, expect, it } from 'vitest';

import { buildNotification } from './notification.js';
import { alertmanagerRenderer } from './template-renderer.js';

const NOW = Date.UTC(2026, 7, 1, 10, 0, 0);
const notification = buildNotification({
  receiver: 'team', groupKey: '{}:{alertname="DiskFull"}', groupLabels: { alertname: 'DiskFull' }, externalURL: 'http://am.example',
  notificationReason: 'first notification', routeLabels: {}, timestamp: NOW,
  alerts: [{ status: 'firing', labels: { alertname: 'DiskFull', instance: 'db1' }, annotations: {}, startsAt: NOW - 1000, endsAt: 0, generatorURL: 'http://prom', fingerprint: 'aaaaaaaaaaaaaaaa' }],
});

describe('alertmanagerRenderer', () => {
  it('refuses a configuration template file that does not parse when it is made, before any notification', () => {
    expect(() => alertmanagerRenderer([{ name: 'bad.tmpl', text: '{{ define "x" }}{{ .Oops' }])).toThrow(/bad\.tmpl/);
    expect(() => alertmanagerRenderer([{ name: 'unknown.tmpl', text: '{{ define "x" }}{{ nosuchfunc . }}{{ end }}' }])).toThrow(/nosuchfunc/);
  });

  it('renders the default templates and the files’ own definitions, later definitions winning', () => {
    const r = alertmanagerRenderer([{ name: 'mine.tmpl', text: '{{ define "__subject" }}custom {{ .GroupLabels.alertname }}{{ end }}' }]);
    expect(r.text('{{ template "__subject" . }}', notification)).toBe('custom DiskFull');
    expect(alertmanagerRenderer().text('{{ template "__subject" . }}', notification)).toBe('[FIRING:1] DiskFull (db1)');
    expect(r.html('<b>{{ .Receiver }}</b>', notification)).toBe('<b>team</b>');
  });
});
