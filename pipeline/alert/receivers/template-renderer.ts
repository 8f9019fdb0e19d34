import { AlertmanagerTemplate, buildTemplateData, type TemplateFile } from '../template/index.js';
import type { Notification } from './notification.js';

/**
 * Renders a config string (`{{ template "email.default.html" . }}`) against a notification.
 * Receivers depend on this function type only, not on the template engine; throws on a bad
 * template (the caller reports it as a permanent failure).
 */
export interface TemplateRenderer {
  text(template: string, n: Notification): string;
  html(template: string, n: Notification): string;
}

/**
 * Alertmanager's templates: the defaults plus the config's `templates:` files. The files are
 * checked now (a bad one throws here, at load); the templates are built at the first notification
 * that renders one, so parsing the defaults (about 0.1 s) is not on every start's path.
 */
export function alertmanagerRenderer(files: readonly TemplateFile[] = []): TemplateRenderer {
  AlertmanagerTemplate.check(files);
  let built: AlertmanagerTemplate | undefined;
  const t = (): AlertmanagerTemplate => (built ??= new AlertmanagerTemplate(files));
  const data = (n: Notification) =>
    buildTemplateData(n.receiver, n.groupLabels, n.alerts, n.externalURL, n.timestamp, { notificationReason: n.notificationReason, routeLabels: n.routeLabels });
  return {
    text: (s, n) => (s.includes('{{') ? t().executeTextString(s, data(n)) : s),
    html: (s, n) => (s.includes('{{') ? t().executeHtmlString(s, data(n)) : s),
  };
}

/** Go's time.Time JSON form (RFC 3339, fractional seconds trimmed); 0 is Go's zero time. */
export function goTimeJson(ms: number): string {
  if (ms === 0) return '0001-01-01T00:00:00Z';
  return new Date(ms).toISOString().replace(/\.(\d*?)0+Z$/, (_m, d: string) => (d === '' ? 'Z' : `.${d}Z`));
}

/** regexp.QuoteMeta: the webhook and templates show the receiver name escaped, as upstream does. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}
