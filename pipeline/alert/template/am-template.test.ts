import { describe, expect, it } from 'vitest';
import { buildTemplateData, alertFingerprint } from './am-data.js';
import { AlertmanagerTemplate } from './am-template.js';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const NOW = Date.parse('2024-05-01T10:30:00Z');

function sampleData() {
  return buildTemplateData('team-x.mails', { alertname: 'DiskFull' }, [
    { labels: { alertname: 'DiskFull', instance: 'a:9100', severity: 'critical' }, annotations: { summary: 'disk a' }, startsAt: T0, generatorURL: 'http://prom/graph?g0.expr=x' },
    { labels: { alertname: 'DiskFull', instance: 'b:9100', severity: 'critical' }, annotations: { summary: 'disk b' }, startsAt: T0, endsAt: T0 + 60_000 },
  ], 'http://am.example', NOW);
}

describe('Alertmanager templates', () => {
  const tmpl = new AlertmanagerTemplate([], () => NOW);

  it('builds Data as Alertmanager does (status, common labels, escaped receiver)', () => {
    const d = sampleData();
    expect(d.Status).toBe('firing');
    expect(d.Receiver).toBe('team-x\\.mails');
    expect(d.Alerts.map((a) => a.Status)).toEqual(['firing', 'resolved']);
    expect(d.CommonLabels.Names()).toEqual(['alertname', 'severity']);
    expect(d.Alerts[0]!.EndsAt.Format('2006-01-02T15:04:05Z07:00')).toBe('0001-01-01T00:00:00Z');
    expect(alertFingerprint({ job: 'foo', severity: 'warning' })).toBe('9266ef3da838ad95');
    expect(alertFingerprint({ job: 'foo', severity: 'critical' })).toBe('3b15fd163d36582e');
  });

  it('renders the default subject and text alert list', () => {
    const d = sampleData();
    expect(tmpl.executeTextString('{{ template "email.default.subject" . }}', d)).toBe('[FIRING:1] DiskFull (critical)');
    expect(tmpl.executeTextString('{{ template "__text_alert_list" .Alerts.Firing }}', d)).toBe(
      'Labels:\n - alertname = DiskFull\n - instance = a:9100\n - severity = critical\nAnnotations:\n - summary = disk a\nSource: http://prom/graph?g0.expr=x\n');
    expect(tmpl.executeTextString('{{ template "slack.default.titlelink" . }}', d)).toBe('http://am.example/#/alerts?receiver=team-x%5C.mails');
  });

  it('renders user templates with methods, missing keys as empty and time functions', () => {
    const d = sampleData();
    const out = tmpl.executeTextString(
      '{{ range .Alerts }}{{ .Labels.instance }}|{{ .Labels.nope }}|{{ .StartsAt.Format "15:04" }}|{{ .StartsAt | date "2006-01-02" }}|{{ since .StartsAt }}|{{ (tz "Europe/Paris" .StartsAt).Format "15:04 MST" }};{{ end }}{{ .CommonLabels.Remove (stringSlice "alertname") }}|{{ .CommonLabels.SortedPairs.Values | join "," }}|{{ "a b" | title }}|{{ toJson .GroupLabels }}',
      d);
    expect(out).toBe('a:9100||10:00|2024-05-01|30m0s|12:00 CEST;b:9100||10:00|2024-05-01|30m0s|12:00 CEST;severity=critical|DiskFull,critical|A B|{"alertname":"DiskFull"}');
  });

  it('renders the default HTML email with escaped values and no comments', () => {
    const d = sampleData();
    d.CommonAnnotations = d.CommonAnnotations.Remove(null);
    const html = tmpl.executeHtmlString('{{ template "email.default.html" . }}', d);
    expect(html).toContain('<title>[FIRING:1] DiskFull (critical)</title>');
    expect(html).toContain('View in Alertmanager');
    expect(html).toContain('http://prom/graph?g0.expr=x');
    expect(html).toContain('[1] Firing');
    expect(html).toContain('[1] Resolved');
    expect(html).not.toContain('<!--');
    const esc = tmpl.executeHtmlString('{{ .CommonLabels.alertname }} {{ "<b>" }} {{ safeHtml "<i>" }}', d);
    expect(esc).toBe('DiskFull &lt;b&gt; <i>');
  });

  it('lets user files override default definitions and reports their parse errors', () => {
    const custom = new AlertmanagerTemplate([{ name: 'mine.tmpl', text: '{{ define "__subject" }}custom {{ .Status }}{{ end }}' }], () => NOW);
    expect(custom.executeTextString('{{ template "email.default.subject" . }}', sampleData())).toBe('custom firing');
    expect(() => new AlertmanagerTemplate([{ name: 'bad.tmpl', text: '{{ define "x" }}{{ end' }])).toThrow('template: bad.tmpl:1: unclosed action');
    expect(tmpl.templateNames()).toEqual(expect.arrayContaining(['__subject', 'email.default.html', 'slack.default.title', 'wechat.default.message', 'telegram.default.message']));
  });
});
