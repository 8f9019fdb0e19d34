import type { WecomConfigInput } from '../../notify/config/index.js';
import { targetUrl } from '../http-post.js';
import type { Notification } from '../notification.js';
import type { Receiver, SendResult } from '../receiver.js';
import type { TemplateRenderer } from '../template-renderer.js';
import { CHAT_MARKDOWN, CHAT_TEXT } from './chat-templates.js';
import { errcodeCheck, renderAndPost } from './chat-send.js';

// WeCom caps a robot message at 4096 bytes.
const MAX_BYTES = 4096;

function clip(s: string): string {
  if (Buffer.byteLength(s) <= MAX_BYTES) return s;
  let out = s;
  while (Buffer.byteLength(out) > MAX_BYTES - 3) out = out.slice(0, Math.floor(out.length * 0.9));
  return `${out}...`;
}

/** wecom_configs: a markdown (or text, with mentions) message to a WeCom (企业微信) group robot. */
export class WecomReceiver implements Receiver {
  readonly kind = 'wecom';
  readonly sendResolved: boolean;

  constructor(private readonly cfg: WecomConfigInput, private readonly templates: TemplateRenderer) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  send(n: Notification, signal: AbortSignal): Promise<SendResult> {
    const c = this.cfg;
    return renderAndPost('wecom', () => {
      const t = (s: string) => this.templates.text(s, n);
      const url = targetUrl(c.url, c.url_file, t);
      const body = (c.message_type ?? 'markdown') === 'markdown'
        ? { msgtype: 'markdown', markdown: { content: clip(t(c.message ?? CHAT_MARKDOWN)) } }
        : { msgtype: 'text', text: { content: clip(t(c.message ?? CHAT_TEXT)), mentioned_list: c.mentioned_list ?? [], mentioned_mobile_list: c.mentioned_mobile_list ?? [] } };
      return { url, body };
    }, { httpConfig: c.http_config, timeoutMs: c.timeout, checkBody: errcodeCheck('errcode', 'errmsg', [45009]) }, signal);
  }
}
