import type { RocketchatConfigInput } from '../../notify/config/index.js';
import { buildFailure } from '../errors.js';
import { deliver, secretValue } from '../http-post.js';
import type { Notification } from '../notification.js';
import type { Receiver, SendResult } from '../receiver.js';
import type { TemplateRenderer } from '../template-renderer.js';
import { truncateInRunes } from '../truncate.js';

/** Alertmanager's DefaultRocketchatConfig templates. */
export const ROCKETCHAT_DEFAULTS = {
  color: '{{ if eq .Status "firing" }}red{{ else }}green{{ end }}',
  emoji: '{{ template "rocketchat.default.emoji" . }}',
  icon_url: '{{ template "rocketchat.default.iconurl" . }}',
  text: '{{ template "rocketchat.default.text" . }}',
  title: '{{ template "rocketchat.default.title" . }}',
  title_link: '{{ template "rocketchat.default.titlelink" . }}',
} as const;

// Go's `omitempty` for strings and slices.
function omitEmpty(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '' && v !== undefined && !(Array.isArray(v) && v.length === 0)));
}

/** Rocket.Chat answers 200 with `{success: false, error}` for API errors. */
function checkRocketchat(body: string): { message: string; retryable: boolean } | undefined {
  try {
    const j = JSON.parse(body) as { success?: boolean; error?: string };
    return j.success === true ? undefined : { message: `error response from Rocketchat: ${j.error ?? ''}`, retryable: false };
  } catch {
    return { message: `could not unmarshal JSON response ${JSON.stringify(body.slice(0, 200))}`, retryable: true };
  }
}

/**
 * rocketchat_configs: POST {api_url}/api/v1/chat.postMessage with one attachment, authenticated by
 * the X-Auth-Token and X-User-Id headers. Only 5xx retries; an unparsable 2xx answer retries.
 */
export class RocketchatReceiver implements Receiver {
  readonly kind = 'rocketchat';
  readonly sendResolved: boolean;

  constructor(private readonly cfg: RocketchatConfigInput, private readonly templates: TemplateRenderer) {
    this.sendResolved = cfg.send_resolved ?? false;
  }

  async send(n: Notification, signal: AbortSignal): Promise<SendResult> {
    const c = this.cfg;
    let body: Record<string, unknown>;
    let headers: Record<string, string>;
    try {
      const t = (s: string | undefined, d = '') => this.templates.text(s ?? d, n);
      const attachment = omitEmpty({
        title: truncateInRunes(t(c.title, ROCKETCHAT_DEFAULTS.title), 1024),
        title_link: t(c.title_link, ROCKETCHAT_DEFAULTS.title_link),
        text: t(c.text, ROCKETCHAT_DEFAULTS.text),
        image_url: t(c.image_url),
        thumb_url: t(c.thumb_url),
        color: t(c.color, ROCKETCHAT_DEFAULTS.color),
        fields: (c.fields ?? []).map((f) => ({ short: f.short ?? c.short_fields ?? false, ...omitEmpty({ title: t(f.title), value: t(f.value) }) })),
        actions: (c.actions ?? []).map((a) => omitEmpty({ type: 'button', text: t(a.text), url: t(a.url), msg: t(a.msg) })),
      });
      body = omitEmpty({
        channel: t(c.channel),
        emoji: t(c.emoji, ROCKETCHAT_DEFAULTS.emoji),
        avatar: t(c.icon_url, ROCKETCHAT_DEFAULTS.icon_url),
        attachments: [attachment],
      });
      headers = {
        'x-auth-token': (secretValue(c.token, c.token_file) ?? '').trim(),
        'x-user-id': (secretValue(c.token_id, c.token_id_file) ?? '').trim(),
      };
    } catch (err) {
      return buildFailure('rocketchat', err);
    }
    const url = new URL('api/v1/chat.postMessage', c.api_url!.endsWith('/') ? c.api_url! : `${c.api_url!}/`).toString();
    return deliver(url, { integration: 'rocketchat', method: 'POST', body, headers, httpConfig: c.http_config, checkBody: checkRocketchat, retryCodes: [] }, signal);
  }
}
