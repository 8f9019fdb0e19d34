import type { TelegramConfigInput } from '../../notify/config/index.js';
import { buildFailure } from '../errors.js';
import { deliver, secretValue } from '../http-post.js';
import type { Notification } from '../notification.js';
import type { Receiver, SendResult } from '../receiver.js';
import type { TemplateRenderer } from '../template-renderer.js';
import { truncateInRunes } from '../truncate.js';

export const TELEGRAM_DEFAULT_MESSAGE = '{{ template "telegram.default.message" . }}';

const MAX_MESSAGE_RUNES = 4096;
const MAX_MESSAGE_BYTES = 1 << 15;
const TOO_LONG = `Alertmanager notification could not be sent: message length exceeds Telegram limits.
\t\t\tPlease check the template used for producing the message content.`;

/** A Bot API answer: `{ok, description}`; anything else is an error. */
function checkTelegram(body: string): { message: string; retryable: boolean } | undefined {
  try {
    const j = JSON.parse(body) as { ok?: boolean; description?: string; error_code?: number };
    if (j.ok === true) return undefined;
    return { message: `telegram: ${j.description ?? body} (${j.error_code ?? 0})`, retryable: true };
  } catch {
    return { message: `unexpected answer from the Telegram Bot API: ${body.slice(0, 200)}`, retryable: true };
  }
}

// Visible runes of an HTML message as Telegram counts them: markup out, the four entities and numeric ones as one rune.
function htmlTextRunes(s: string): number {
  const text = s.replace(/<[^>]*>/g, '');
  return [...text.replace(/&(?:lt|gt|amp|quot);?|&#x[0-9a-fA-F]+;?|&#[0-9]+;?/g, '_')].length;
}

/**
 * telegram_configs: POST {api_url}/bot{token}/sendMessage with the parameters telebot sends (all
 * strings: chat_id, text, parse_mode, disable_web_page_preview, ...). Alertmanager retries every
 * failed send, Bot API errors included.
 */
export class TelegramReceiver implements Receiver {
  readonly kind = 'telegram';
  readonly sendResolved: boolean;

  constructor(private readonly cfg: TelegramConfigInput, private readonly templates: TemplateRenderer) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  async send(n: Notification, signal: AbortSignal): Promise<SendResult> {
    const c = this.cfg;
    const parseMode = c.parse_mode ?? 'HTML';
    let text: string;
    try {
      const source = c.message ?? TELEGRAM_DEFAULT_MESSAGE;
      if (parseMode === 'HTML') {
        text = this.templates.html(source, n);
        if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES || htmlTextRunes(text) > MAX_MESSAGE_RUNES) text = TOO_LONG;
      } else {
        text = truncateInRunes(this.templates.text(source, n), MAX_MESSAGE_RUNES);
      }
    } catch (err) {
      return buildFailure('telegram', err);
    }
    let token: string;
    try {
      token = (secretValue(c.bot_token, c.bot_token_file) ?? '').trim();
    } catch (err) {
      return { ok: false, retryable: true, error: buildFailure('telegram', err).error };
    }
    const params: Record<string, string> = { chat_id: String(c.chat_id ?? 0), text };
    if (parseMode !== '') params.parse_mode = parseMode;
    params.disable_web_page_preview = 'true';
    if (c.disable_notifications === true) params.disable_notification = 'true';
    if (c.message_thread_id !== undefined && c.message_thread_id !== 0) params.message_thread_id = String(c.message_thread_id);
    const base = (c.api_url ?? 'https://api.telegram.org').replace(/\/+$/, '');
    const r = await deliver(`${base}/bot${token}/sendMessage`, { integration: 'telegram', method: 'POST', body: params, httpConfig: c.http_config, checkBody: checkTelegram, retryCodes: [] }, signal);
    // Every failure is retried, as Alertmanager does for Telegram.
    return r.ok ? r : { ...r, retryable: true };
  }
}
