import type { SlackConfigInput } from '../../notify/config/index.js';
import { targetUrl } from '../http-post.js';
import type { Notification } from '../notification.js';
import type { Receiver, SendResult } from '../receiver.js';
import type { TemplateRenderer } from '../template-renderer.js';
import { renderAndPost } from './chat-send.js';

/** Alertmanager's DefaultSlackConfig templates. */
export const SLACK_DEFAULTS = {
  color: '{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}',
  username: '{{ template "slack.default.username" . }}',
  title: '{{ template "slack.default.title" . }}',
  title_link: '{{ template "slack.default.titlelink" . }}',
  icon_emoji: '{{ template "slack.default.iconemoji" . }}',
  icon_url: '{{ template "slack.default.iconurl" . }}',
  pretext: '{{ template "slack.default.pretext" . }}',
  text: '{{ template "slack.default.text" . }}',
  fallback: '{{ template "slack.default.fallback" . }}',
  callback_id: '{{ template "slack.default.callbackid" . }}',
  footer: '{{ template "slack.default.footer" . }}',
} as const;

const MAX_TITLE_RUNES = 1024;

// Go's encoding/json `omitempty`: drop empty strings, empty arrays and false.
function compact<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '' && v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0))) as Partial<T>;
}

/** A Slack answer: JSON `{ok, error}` from the Web API, the text `ok` from an incoming webhook. */
function checkSlack(body: string): { message: string; retryable: boolean } | undefined {
  const trimmed = body.trim();
  if (trimmed === 'ok' || trimmed === '') return undefined;
  try {
    const j = JSON.parse(trimmed) as { ok?: boolean; error?: string };
    if (j.ok === true) return undefined;
    return { message: `error response from Slack: ${j.error ?? trimmed}`, retryable: j.error === 'ratelimited' };
  } catch {
    return { message: `error response from Slack: ${trimmed.slice(0, 200)}`, retryable: false };
  }
}

/** slack_configs: one attachment, as Alertmanager's Slack notifier builds it (webhook URL or chat.postMessage with an app token). */
export class SlackReceiver implements Receiver {
  readonly kind = 'slack';
  readonly sendResolved: boolean;

  constructor(private readonly cfg: SlackConfigInput, private readonly templates: TemplateRenderer) {
    this.sendResolved = cfg.send_resolved ?? false;
  }

  send(n: Notification, signal: AbortSignal): Promise<SendResult> {
    const c = this.cfg;
    return renderAndPost('slack', () => {
      const t = (s: string | undefined, d: string) => this.templates.text(s ?? d, n);
      let title = t(c.title, SLACK_DEFAULTS.title);
      const runes = [...title];
      if (runes.length > MAX_TITLE_RUNES) title = `${runes.slice(0, MAX_TITLE_RUNES - 1).join('')}…`;
      const attachment = compact({
        title,
        title_link: t(c.title_link, SLACK_DEFAULTS.title_link),
        pretext: t(c.pretext, SLACK_DEFAULTS.pretext),
        text: t(c.text, SLACK_DEFAULTS.text),
        fallback: t(c.fallback, SLACK_DEFAULTS.fallback),
        callback_id: t(c.callback_id, SLACK_DEFAULTS.callback_id),
        image_url: t(c.image_url, ''),
        thumb_url: t(c.thumb_url, ''),
        footer: t(c.footer, SLACK_DEFAULTS.footer),
        color: t(c.color, SLACK_DEFAULTS.color),
        mrkdwn_in: c.mrkdwn_in ?? ['fallback', 'pretext', 'text'],
        fields: (c.fields ?? []).map((f) => ({ title: t(f.title, ''), value: t(f.value, ''), short: f.short ?? c.short_fields ?? false })),
        actions: (c.actions ?? []).map((a) => compact({ type: t(a.type, ''), text: t(a.text, ''), url: t(a.url, ''), style: t(a.style, ''), name: t(a.name, ''), value: t(a.value, '') })),
      });
      const body = compact({
        channel: t(c.channel, ''),
        username: t(c.username, SLACK_DEFAULTS.username),
        icon_emoji: t(c.icon_emoji, SLACK_DEFAULTS.icon_emoji),
        icon_url: t(c.icon_url, SLACK_DEFAULTS.icon_url),
        link_names: c.link_names ?? false,
        attachments: [attachment],
      });
      return { url: targetUrl(c.api_url, c.api_url_file, (s) => s), body };
    }, { httpConfig: c.http_config, timeoutMs: c.timeout, checkBody: checkSlack }, signal);
  }
}
