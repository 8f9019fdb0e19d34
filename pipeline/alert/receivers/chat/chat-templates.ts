/**
 * Default message templates of the chat robots, built on Alertmanager's default definitions
 * (`__subject`, `__text_alert_list`, `__alertmanagerURL`), so user `templates:` can override them.
 */
export const CHAT_TITLE = '{{ template "__subject" . }}';

export const CHAT_MARKDOWN = `### {{ template "__subject" . }}
{{ if gt (len .Alerts.Firing) 0 }}
**Alerts Firing:**
{{ template "__text_alert_list" .Alerts.Firing }}{{ end }}{{ if gt (len .Alerts.Resolved) 0 }}
**Alerts Resolved:**
{{ template "__text_alert_list" .Alerts.Resolved }}{{ end }}
[View in Alertmanager]({{ template "__alertmanagerURL" . }})`;

export const CHAT_TEXT = `{{ template "__subject" . }}
{{ if gt (len .Alerts.Firing) 0 }}
Alerts Firing:
{{ template "__text_alert_list" .Alerts.Firing }}{{ end }}{{ if gt (len .Alerts.Resolved) 0 }}
Alerts Resolved:
{{ template "__text_alert_list" .Alerts.Resolved }}{{ end }}`;
