import type { ReceiverInput } from '../../notify/config/index.js';
import { ReceiverError } from '../errors.js';
import { postJson, secretValue } from '../http-post.js';
import type { Notification } from '../notification.js';
import type { Receiver, SendResult } from '../receiver.js';
import type { TemplateRenderer } from '../template-renderer.js';

export type WechatConfig = NonNullable<ReceiverInput['wechat_configs']>[number];

/** Alertmanager's DefaultWechatConfig templates. */
export const WECHAT_DEFAULTS = {
  message: '{{ template "wechat.default.message" . }}',
  to_user: '{{ template "wechat.default.to_user" . }}',
  to_party: '{{ template "wechat.default.to_party" . }}',
  to_tag: '{{ template "wechat.default.to_tag" . }}',
  agent_id: '{{ template "wechat.default.agent_id" . }}',
} as const;

const TOKEN_TTL_MS = 2 * 3600_000;
const TOKEN_EXPIRED = 42001;

/**
 * wechat_configs: WeCom (企业微信) application messages, as Alertmanager's WeChat notifier sends
 * them: an access token from `gettoken` (cached for 2 h, dropped when WeCom says it expired), then
 * `message/send` with to_user/to_party/to_tag/agent_id and a text or markdown message.
 */
export class WechatReceiver implements Receiver {
  readonly kind = 'wechat';
  readonly sendResolved: boolean;
  private token: { value: string; at: number } | undefined;

  constructor(private readonly cfg: WechatConfig, private readonly templates: TemplateRenderer, private readonly now: () => number = Date.now) {
    this.sendResolved = cfg.send_resolved ?? false;
  }

  private fail(message: string, retryable: boolean, cause?: unknown): SendResult {
    return { ok: false, retryable, error: new ReceiverError(`wechat: ${message}`, { code: 'api_error', retryable, integration: 'wechat', cause }) };
  }

  async send(n: Notification, signal: AbortSignal): Promise<SendResult> {
    const c = this.cfg;
    const base = c.api_url ?? 'https://qyapi.weixin.qq.com/cgi-bin/';
    const t = (s: string | undefined, d: string) => this.templates.text(s ?? d, n);
    let msg: Record<string, unknown>;
    try {
      const type = c.message_type ?? 'text';
      msg = {
        touser: t(c.to_user, WECHAT_DEFAULTS.to_user), toparty: t(c.to_party, WECHAT_DEFAULTS.to_party), totag: t(c.to_tag, WECHAT_DEFAULTS.to_tag),
        agentid: t(c.agent_id, WECHAT_DEFAULTS.agent_id), msgtype: type, safe: '0',
        [type === 'markdown' ? 'markdown' : 'text']: { content: t(c.message, WECHAT_DEFAULTS.message) },
      };
    } catch (err) {
      return this.fail(`rendering templates: ${(err as Error).message}`, false, err);
    }
    if (this.token === undefined || this.now() - this.token.at > TOKEN_TTL_MS) {
      const q = new URLSearchParams({ corpsecret: t(secretValue(c.api_secret, c.api_secret_file), ''), corpid: t(c.corp_id, '') });
      let res: Response;
      try {
        res = await fetch(`${base}gettoken?${q}`, { signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]) });
      } catch (err) {
        return this.fail(`getting an access token: ${(err as Error).message}`, true, err);
      }
      if (!res.ok) return this.fail(`getting an access token: status ${res.status}`, res.status >= 500 || res.status === 429);
      const body = (await res.json().catch(() => ({}))) as { access_token?: string };
      if (body.access_token === undefined || body.access_token === '') return this.fail(`invalid APISecret for CorpID: ${c.corp_id ?? ''}`, false);
      this.token = { value: body.access_token, at: this.now() };
    }
    const url = `${base}message/send?access_token=${encodeURIComponent(this.token.value)}`;
    return postJson(url, msg, {
      integration: 'wechat',
      httpConfig: c.http_config,
      checkBody: (text) => {
        let code = 0;
        let error = '';
        try {
          ({ errcode: code = 0, errmsg: error = '' } = JSON.parse(text) as { errcode?: number; errmsg?: string });
        } catch {
          return { message: `unexpected response: ${text.slice(0, 200)}`, retryable: false };
        }
        if (code === 0) return undefined;
        if (code === TOKEN_EXPIRED) this.token = undefined;
        return { message: error, retryable: code === TOKEN_EXPIRED };
      },
    }, signal);
  }
}
