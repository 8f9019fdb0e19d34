import type { WebexConfigInput } from '../../notify/config/index.js';
import { buildFailure } from '../errors.js';
import { deliver } from '../http-post.js';
import type { Notification } from '../notification.js';
import type { Receiver, SendResult } from '../receiver.js';
import type { TemplateRenderer } from '../template-renderer.js';
import { truncateInBytes } from '../truncate.js';

export const WEBEX_DEFAULT_MESSAGE = '{{ template "webex.default.message" . }}';
const MAX_MESSAGE_BYTES = 7439;

/** webex_configs: POST {markdown, roomId} to the messages API with http_config's authorization. Only 5xx retries. */
export class WebexReceiver implements Receiver {
  readonly kind = 'webex';
  readonly sendResolved: boolean;

  constructor(private readonly cfg: WebexConfigInput, private readonly templates: TemplateRenderer) {
    this.sendResolved = cfg.send_resolved ?? true;
  }

  async send(n: Notification, signal: AbortSignal): Promise<SendResult> {
    const c = this.cfg;
    let body: Record<string, string>;
    try {
      const markdown = truncateInBytes(this.templates.text(c.message ?? WEBEX_DEFAULT_MESSAGE, n), MAX_MESSAGE_BYTES);
      const roomId = this.templates.text(c.room_id ?? '', n);
      body = { markdown, ...(roomId !== '' ? { roomId } : {}) };
    } catch (err) {
      return buildFailure('webex', err);
    }
    return deliver(c.api_url!, { integration: 'webex', method: 'POST', body, httpConfig: c.http_config, retryCodes: [] }, signal);
  }
}
