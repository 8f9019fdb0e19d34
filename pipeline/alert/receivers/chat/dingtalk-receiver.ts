import { createHmac } from 'node:crypto';

import type { DingtalkConfigInput } from '../../notify/config/index.js';
import { secretValue, targetUrl } from '../http-post.js';
import type { Notification } from '../notification.js';
import type { Receiver, SendResult } from '../receiver.js';
import type { TemplateRenderer } from '../template-renderer.js';
import { CHAT_MARKDOWN, CHAT_TEXT, CHAT_TITLE } from './chat-templates.js';
import { errcodeCheck, renderAndPost } from './chat-send.js';

/** DingTalk's robot signature: HMAC-SHA256 of `timestamp\nsecret` keyed by the secret, base64. */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

/** dingtalk_configs: a markdown (or text) message to a DingTalk custom robot, with @mentions. */
export class DingtalkReceiver implements Receiver {
  readonly kind = 'dingtalk';
  readonly sendResolved: boolean;

  constructor(private readonly cfg: DingtalkConfigInput, private readonly templates: TemplateRenderer, private readonly now: () => number = Date.now) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  send(n: Notification, signal: AbortSignal): Promise<SendResult> {
    const c = this.cfg;
    return renderAndPost('dingtalk', () => {
      const t = (s: string) => this.templates.text(s, n);
      let url = targetUrl(c.url, c.url_file, t);
      const secret = secretValue(c.secret, c.secret_file);
      if (secret !== undefined) {
        const ts = this.now();
        url += `${url.includes('?') ? '&' : '?'}timestamp=${ts}&sign=${encodeURIComponent(dingtalkSign(secret, ts))}`;
      }
      const at = { atMobiles: c.at_mobiles ?? [], atUserIds: c.at_user_ids ?? [], isAtAll: c.at_all ?? false };
      const mentions = at.atMobiles.map((m) => ` @${m}`).join('');
      const body = (c.message_type ?? 'markdown') === 'markdown'
        ? { msgtype: 'markdown', markdown: { title: t(c.title ?? CHAT_TITLE), text: t(c.message ?? CHAT_MARKDOWN) + mentions }, at }
        : { msgtype: 'text', text: { content: t(c.message ?? CHAT_TEXT) + mentions }, at };
      return { url, body };
    }, { httpConfig: c.http_config, timeoutMs: c.timeout, checkBody: errcodeCheck('errcode', 'errmsg', [130101]) }, signal);
  }
}
