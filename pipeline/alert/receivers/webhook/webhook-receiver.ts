import { readFileSync } from 'node:fs';

import type { WebhookConfigInput } from '../../notify/config/index.js';
import { ReceiverError } from '../errors.js';
import { postJson } from '../http-post.js';
import type { Notification } from '../notification.js';
import type { Receiver, SendResult } from '../receiver.js';
import { goTimeJson, quoteMeta, type TemplateRenderer } from '../template-renderer.js';

/** The webhook body, version 4, keys in Alertmanager's order. */
export function webhookPayload(n: Notification, maxAlerts = 0): Record<string, unknown> {
  const alerts = maxAlerts > 0 && n.alerts.length > maxAlerts ? n.alerts.slice(0, maxAlerts) : n.alerts;
  return {
    receiver: quoteMeta(n.receiver),
    status: n.status,
    alerts: alerts.map((a) => ({
      status: a.status,
      labels: sortedObject(a.labels),
      annotations: sortedObject(a.annotations),
      startsAt: goTimeJson(a.startsAt),
      endsAt: goTimeJson(a.status === 'firing' ? 0 : a.endsAt),
      generatorURL: a.generatorURL,
      fingerprint: a.fingerprint,
    })),
    notification_reason: n.notificationReason,
    groupLabels: sortedObject(n.groupLabels),
    commonLabels: sortedObject(n.commonLabels),
    commonAnnotations: sortedObject(n.commonAnnotations),
    routeLabels: sortedObject(n.routeLabels),
    externalURL: n.externalURL,
    version: '4',
    groupKey: n.groupKey,
    truncatedAlerts: n.alerts.length - alerts.length,
  };
}

// Go marshals maps with sorted keys.
function sortedObject(m: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k]!;
  return out;
}

/** webhook_configs: POST the version 4 payload (or the rendered `payload:` map) to the URL. */
export class WebhookReceiver implements Receiver {
  readonly kind = 'webhook';
  readonly sendResolved: boolean;

  constructor(private readonly cfg: WebhookConfigInput, private readonly templates: TemplateRenderer) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  async send(n: Notification, signal: AbortSignal): Promise<SendResult> {
    let url: string;
    let body: unknown;
    try {
      url = this.cfg.url !== undefined && this.cfg.url !== '' ? this.templates.text(this.cfg.url, n) : readFileSync(this.cfg.url_file!, 'utf8').trim();
      body = this.cfg.payload !== undefined ? renderPayload(this.cfg.payload, (s) => this.templates.text(s, n)) : webhookPayload(n, this.cfg.max_alerts ?? 0);
    } catch (err) {
      return { ok: false, retryable: false, error: new ReceiverError(`webhook: ${(err as Error).message}`, { code: 'template_failed', retryable: false, integration: 'webhook', cause: err }) };
    }
    return postJson(url, body, { integration: 'webhook', httpConfig: this.cfg.http_config, timeoutMs: this.cfg.timeout }, signal);
  }
}

/** The advanced `payload:` map: every string value is a template. */
function renderPayload(v: unknown, render: (s: string) => string): unknown {
  if (typeof v === 'string') return render(v);
  if (Array.isArray(v)) return v.map((x) => renderPayload(x, render));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, renderPayload(x, render)]));
  return v;
}
