import { createHmac } from 'node:crypto';

import type { FeishuConfigInput } from '../../notify/config/index.js';
import { secretValue, targetUrl } from '../http-post.js';
import type { Notification } from '../notification.js';
import type { Receiver, SendResult } from '../receiver.js';
import type { TemplateRenderer } from '../template-renderer.js';
import { CHAT_MARKDOWN, CHAT_TEXT, CHAT_TITLE } from './chat-templates.js';
import { errcodeCheck, renderAndPost } from './chat-send.js';

/** Feishu's bot signature: HMAC-SHA256 keyed by `timestamp\nsecret` over an empty message, base64. */
export function feishuSign(secret: string, timestampSec: number): string {
  return createHmac('sha256', `${timestampSec}\n${secret}`).update('').digest('base64');
}

/** feishu_configs: a text message or an interactive card to a Feishu / Lark custom bot. */
export class FeishuReceiver implements Receiver {
  readonly kind = 'feishu';
  readonly sendResolved: boolean;

  constructor(private readonly cfg: FeishuConfigInput, private readonly templates: TemplateRenderer, private readonly now: () => number = Date.now) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  send(n: Notification, signal: AbortSignal): Promise<SendResult> {
    const c = this.cfg;
    return renderAndPost('feishu', () => {
      const t = (s: string) => this.templates.text(s, n);
      const url = targetUrl(c.url, c.url_file, t);
      const secret = secretValue(c.secret, c.secret_file);
      const signed: Record<string, string> = {};
      if (secret !== undefined) {
        const ts = Math.floor(this.now() / 1000);
        signed.timestamp = String(ts);
        signed.sign = feishuSign(secret, ts);
      }
      const body = (c.message_type ?? 'interactive') === 'interactive'
        ? {
            ...signed,
            msg_type: 'interactive',
            card: {
              config: { wide_screen_mode: true },
              header: { template: n.status === 'firing' ? 'red' : 'green', title: { tag: 'plain_text', content: t(c.title ?? CHAT_TITLE) } },
              elements: [{ tag: 'markdown', content: t(c.message ?? CHAT_MARKDOWN) }],
            },
          }
        : { ...signed, msg_type: 'text', content: { text: t(c.message ?? CHAT_TEXT) } };
      return { url, body };
    }, { httpConfig: c.http_config, timeoutMs: c.timeout, checkBody: errcodeCheck('code', 'msg', [9499, 11232]) }, signal);
  }
}
