import type { MsteamsConfigInput, MsteamsV2ConfigInput } from '../../notify/config/index.js';
import { buildFailure } from '../errors.js';
import { deliver, targetUrl } from '../http-post.js';
import type { Notification } from '../notification.js';
import type { Receiver, SendResult } from '../receiver.js';
import type { TemplateRenderer } from '../template-renderer.js';

/** Alertmanager's DefaultMSTeamsConfig and DefaultMSTeamsV2Config templates. */
export const MSTEAMS_DEFAULTS = {
  title: '{{ template "msteams.default.title" . }}',
  summary: '{{ template "msteams.default.summary" . }}',
  text: '{{ template "msteams.default.text" . }}',
} as const;
export const MSTEAMSV2_DEFAULTS = {
  title: '{{ template "msteamsv2.default.title" . }}',
  text: '{{ template "msteamsv2.default.text" . }}',
} as const;

/** msteams_configs: an Office 365 connector MessageCard (themeColor red when firing, green when resolved). Only 5xx retries. */
export class MsteamsReceiver implements Receiver {
  readonly kind = 'msteams';
  readonly sendResolved: boolean;

  constructor(private readonly cfg: MsteamsConfigInput, private readonly templates: TemplateRenderer) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  async send(n: Notification, signal: AbortSignal): Promise<SendResult> {
    const c = this.cfg;
    let url: string;
    let body: Record<string, string>;
    try {
      const t = (s: string | undefined, d: string) => this.templates.text(s ?? d, n);
      body = {
        '@context': 'http://schema.org/extensions',
        type: 'MessageCard',
        title: t(c.title, MSTEAMS_DEFAULTS.title),
        summary: t(c.summary, MSTEAMS_DEFAULTS.summary),
        text: t(c.text, MSTEAMS_DEFAULTS.text),
        themeColor: n.status === 'firing' ? '8C1A1A' : '2DC72D',
      };
      url = targetUrl(c.webhook_url, c.webhook_url_file, (s) => s);
    } catch (err) {
      return buildFailure('msteams', err);
    }
    return deliver(url, { integration: 'msteams', method: 'POST', body, httpConfig: c.http_config, retryCodes: [] }, signal);
  }
}

/**
 * msteamsv2_configs: an Adaptive Card message for Power Automate workflow webhooks (the heading
 * coloured Attention when firing, Good when resolved). Only 5xx retries.
 */
export class MsteamsV2Receiver implements Receiver {
  readonly kind = 'msteamsv2';
  readonly sendResolved: boolean;

  constructor(private readonly cfg: MsteamsV2ConfigInput, private readonly templates: TemplateRenderer) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  async send(n: Notification, signal: AbortSignal): Promise<SendResult> {
    const c = this.cfg;
    let url: string;
    let body: unknown;
    try {
      const t = (s: string | undefined, d: string) => this.templates.text(s ?? d, n);
      const text = t(c.text, MSTEAMSV2_DEFAULTS.text);
      body = {
        type: 'message',
        attachments: [{
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.2',
            body: [
              { type: 'TextBlock', text: t(c.title, MSTEAMSV2_DEFAULTS.title), weight: 'Bolder', size: 'Medium', wrap: true, style: 'heading', color: n.status === 'firing' ? 'Attention' : 'Good' },
              { type: 'TextBlock', text, wrap: true },
            ],
            msteams: { width: 'full' },
          },
        }],
      };
      url = targetUrl(c.webhook_url, c.webhook_url_file, (s) => s);
    } catch (err) {
      return buildFailure('msteamsv2', err);
    }
    return deliver(url, { integration: 'msteamsv2', method: 'POST', body, httpConfig: c.http_config, retryCodes: [] }, signal);
  }
}
