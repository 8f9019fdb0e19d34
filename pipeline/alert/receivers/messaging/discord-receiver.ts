import type { DiscordConfigInput } from '../../notify/config/index.js';
import { buildFailure } from '../errors.js';
import { deliver, targetUrl } from '../http-post.js';
import type { Notification } from '../notification.js';
import type { Receiver, SendResult } from '../receiver.js';
import type { TemplateRenderer } from '../template-renderer.js';
import { truncateInRunes } from '../truncate.js';

/** Alertmanager's DefaultDiscordConfig templates. */
export const DISCORD_DEFAULTS = {
  title: '{{ template "discord.default.title" . }}',
  message: '{{ template "discord.default.message" . }}',
  content: '{{ template "discord.default.content" . }}',
} as const;

const COLOR_RED = 0x992d22;
const COLOR_GREEN = 0x2ecc71;

/**
 * discord_configs: one embed (title 256 runes, description 4096) coloured by the group's status,
 * optional content (2000 runes), username and avatar_url, POSTed to the webhook URL. Only 5xx retries.
 */
export class DiscordReceiver implements Receiver {
  readonly kind = 'discord';
  readonly sendResolved: boolean;

  constructor(private readonly cfg: DiscordConfigInput, private readonly templates: TemplateRenderer) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  async send(n: Notification, signal: AbortSignal): Promise<SendResult> {
    const c = this.cfg;
    let url: string;
    let body: Record<string, unknown>;
    try {
      const t = (s: string | undefined, d: string) => this.templates.text(s ?? d, n);
      body = {
        content: truncateInRunes(t(c.content, DISCORD_DEFAULTS.content), 2000),
        embeds: [{
          title: truncateInRunes(t(c.title, DISCORD_DEFAULTS.title), 256),
          description: truncateInRunes(t(c.message, DISCORD_DEFAULTS.message), 4096),
          color: n.status === 'firing' ? COLOR_RED : COLOR_GREEN,
        }],
        ...(c.username !== undefined && c.username !== '' ? { username: c.username } : {}),
        ...(c.avatar_url !== undefined && c.avatar_url !== '' && URL.canParse(c.avatar_url, 'http://relative.invalid/') ? { avatar_url: c.avatar_url } : {}),
      };
      url = targetUrl(c.webhook_url, c.webhook_url_file, (s) => s);
    } catch (err) {
      return buildFailure('discord', err);
    }
    return deliver(url, { integration: 'discord', method: 'POST', body, httpConfig: c.http_config, retryCodes: [] }, signal);
  }
}
