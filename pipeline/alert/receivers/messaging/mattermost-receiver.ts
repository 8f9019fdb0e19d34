import type { MattermostConfigInput } from '../../notify/config/index.js';
import { buildFailure } from '../errors.js';
import { deliver, targetUrl } from '../http-post.js';
import type { Notification } from '../notification.js';
import type { Receiver, SendResult } from '../receiver.js';
import type { TemplateRenderer } from '../template-renderer.js';
import { truncateInRunes } from '../truncate.js';

const MAX_TEXT_RUNES = 16_383;
const ATTACHMENT_FIELDS = ['fallback', 'color', 'pretext', 'text', 'author_name', 'author_link', 'author_icon', 'title', 'title_link', 'thumb_url', 'footer', 'footer_icon', 'image_url'] as const;
const PRIORITIES = new Set(['urgent', 'important', 'standard']);

function omitEmpty(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '' && v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0)));
}

/**
 * mattermost_configs: an incoming-webhook post (text up to 16383 runes, channel, username, icon,
 * Slack-style attachments, props.card, message priority normalised to urgent/important/standard
 * as Alertmanager does). Only 5xx retries.
 */
export class MattermostReceiver implements Receiver {
  readonly kind = 'mattermost';
  readonly sendResolved: boolean;

  constructor(private readonly cfg: MattermostConfigInput, private readonly templates: TemplateRenderer) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  async send(n: Notification, signal: AbortSignal): Promise<SendResult> {
    const c = this.cfg;
    let url: string;
    let body: Record<string, unknown>;
    try {
      const t = (v: unknown) => (typeof v === 'string' ? this.templates.text(v, n) : '');
      url = targetUrl(c.webhook_url, c.webhook_url_file, (s) => s);
      if (url === '') throw new Error('webhook url missing');
      const attachments = (c.attachments ?? []).map((a) => {
        const att: Record<string, unknown> = {};
        for (const f of ATTACHMENT_FIELDS) att[f] = t(a[f]);
        const fields = Array.isArray(a.fields) ? (a.fields as Record<string, unknown>[]).map((f) => omitEmpty({ title: t(f.title), value: t(f.value), short: f.short })) : [];
        att.fields = fields;
        return omitEmpty(att);
      });
      let priority: Record<string, unknown> | undefined;
      if (typeof c.priority?.priority === 'string' && c.priority.priority !== '') {
        let p = t(c.priority.priority).toLowerCase();
        if (!PRIORITIES.has(p)) p = 'standard';
        priority = omitEmpty({
          priority: p,
          requested_ack: c.priority.requested_ack === true && p !== 'standard',
          persistent_notifications: c.priority.persistent_notifications === true && p === 'urgent',
        });
      }
      const card = typeof c.props?.card === 'string' && c.props.card !== '' ? t(c.props.card) : undefined;
      body = {
        text: truncateInRunes(t(c.text ?? ''), MAX_TEXT_RUNES),
        ...omitEmpty({ channel: t(c.channel), username: t(c.username), icon_url: t(c.icon_url), icon_emoji: t(c.icon_emoji), attachments }),
        ...(card !== undefined ? { props: omitEmpty({ card }) } : {}),
        ...(priority !== undefined ? { priority } : {}),
      };
    } catch (err) {
      return buildFailure('mattermost', err);
    }
    return deliver(url, { integration: 'mattermost', method: 'POST', body, httpConfig: c.http_config, retryCodes: [] }, signal);
  }
}
