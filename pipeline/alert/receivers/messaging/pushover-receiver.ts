import type { PushoverConfigInput } from '../../notify/config/index.js';
import { buildFailure } from '../errors.js';
import { deliver, secretValue } from '../http-post.js';
import type { Notification } from '../notification.js';
import type { Receiver, SendResult } from '../receiver.js';
import type { TemplateRenderer } from '../template-renderer.js';
import { truncateInRunes } from '../truncate.js';

/** Alertmanager's DefaultPushoverConfig (retry 1m and expire 1h are applied in seconds). */
export const PUSHOVER_DEFAULTS = {
  title: '{{ template "pushover.default.title" . }}',
  message: '{{ template "pushover.default.message" . }}',
  url: '{{ template "pushover.default.url" . }}',
  priority: '{{ if eq .Status "firing" }}2{{ else }}0{{ end }}',
  retryMs: 60_000,
  expireMs: 3_600_000,
} as const;

/** Fixed in Alertmanager: Pushover has no api_url option. */
export const PUSHOVER_API_URL = 'https://api.pushover.net/1/messages.json';

/**
 * pushover_configs: POST the message as URL query parameters with an empty text/plain body, as
 * Alertmanager does; title 250, message 1024 and url 512 runes at most. Only 5xx retries.
 */
export class PushoverReceiver implements Receiver {
  readonly kind = 'pushover';
  readonly sendResolved: boolean;

  /** `apiUrl` is not configurable (as upstream); tests point it at a local server. */
  constructor(private readonly cfg: PushoverConfigInput, private readonly templates: TemplateRenderer, private readonly apiUrl = PUSHOVER_API_URL) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  /** The query parameters, in Alertmanager's order before url.Values sorts them. */
  parameters(n: Notification): URLSearchParams {
    const c = this.cfg;
    const t = (s: string | undefined, d = '') => this.templates.text(s ?? d, n);
    const p = new URLSearchParams();
    p.append('token', t((secretValue(c.token, c.token_file) ?? '').trim()));
    p.append('user', t((secretValue(c.user_key, c.user_key_file) ?? '').trim()));
    p.append('title', truncateInRunes(t(c.title, PUSHOVER_DEFAULTS.title), 250));
    let message: string;
    if (c.html === true) {
      p.append('html', '1');
      message = this.templates.html(c.message ?? PUSHOVER_DEFAULTS.message, n);
    } else {
      message = t(c.message, PUSHOVER_DEFAULTS.message);
    }
    if (c.monospace === true) p.append('monospace', '1');
    message = truncateInRunes(message, 1024).trim();
    p.append('message', message === '' ? '(no details)' : message);
    p.append('url', truncateInRunes(t(c.url, PUSHOVER_DEFAULTS.url), 512));
    p.append('url_title', t(c.url_title));
    p.append('priority', t(c.priority, PUSHOVER_DEFAULTS.priority));
    p.append('retry', String(Math.trunc((c.retry ?? PUSHOVER_DEFAULTS.retryMs) / 1000)));
    p.append('expire', String(Math.trunc((c.expire ?? PUSHOVER_DEFAULTS.expireMs) / 1000)));
    p.append('device', t(c.device));
    p.append('sound', t(c.sound));
    const ttl = Math.trunc((c.ttl ?? 0) / 1000);
    if (ttl > 0) p.append('ttl', String(ttl));
    // Go's url.Values.Encode sorts by key.
    p.sort();
    return p;
  }

  async send(n: Notification, signal: AbortSignal): Promise<SendResult> {
    let query: string;
    try {
      query = this.parameters(n).toString();
    } catch (err) {
      return buildFailure('pushover', err);
    }
    const u = new URL(this.apiUrl);
    u.search = query;
    return deliver(u.toString(), { integration: 'pushover', method: 'POST', body: '', contentType: 'text/plain', httpConfig: this.cfg.http_config, retryCodes: [] }, signal);
  }
}
