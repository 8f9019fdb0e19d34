import type { ReceiverInput } from '../notify/config/index.js';
import type { Receiver } from './receiver.js';
import type { TemplateRenderer } from './template-renderer.js';
import { UnsupportedReceiver } from './unsupported-receiver.js';
import { DingtalkReceiver, FeishuReceiver, SlackReceiver, WechatReceiver, WecomReceiver } from './chat/index.js';
import { EmailReceiver } from './email/index.js';
import { WebhookReceiver } from './webhook/index.js';

/** One configured integration of a receiver; `key` (`receiver/kind/index`) keys the notification log. */
export interface Integration {
  readonly key: string;
  readonly receiverName: string;
  readonly receiver: Receiver;
}

export interface IntegrationDeps {
  readonly templates: TemplateRenderer;
}

type Factory = (cfg: never, deps: IntegrationDeps) => Receiver;

/** The integrations Tidemark delivers, by config list name: an explicit registry. */
const FACTORIES: Readonly<Record<string, { kind: string; create: Factory }>> = {
  webhook_configs: { kind: 'webhook', create: (c: ConstructorParameters<typeof WebhookReceiver>[0], d) => new WebhookReceiver(c, d.templates) },
  email_configs: { kind: 'email', create: (c: ConstructorParameters<typeof EmailReceiver>[0], d) => new EmailReceiver(c, d.templates) },
  slack_configs: { kind: 'slack', create: (c: ConstructorParameters<typeof SlackReceiver>[0], d) => new SlackReceiver(c, d.templates) },
  dingtalk_configs: { kind: 'dingtalk', create: (c: ConstructorParameters<typeof DingtalkReceiver>[0], d) => new DingtalkReceiver(c, d.templates) },
  wechat_configs: { kind: 'wechat', create: (c: ConstructorParameters<typeof WechatReceiver>[0], d) => new WechatReceiver(c, d.templates) },
  wecom_configs: { kind: 'wecom', create: (c: ConstructorParameters<typeof WecomReceiver>[0], d) => new WecomReceiver(c, d.templates) },
  feishu_configs: { kind: 'feishu', create: (c: ConstructorParameters<typeof FeishuReceiver>[0], d) => new FeishuReceiver(c, d.templates) },
};

/** Every integration of a receiver, in Alertmanager's order (config list order, then index). */
export function buildIntegrations(r: ReceiverInput, deps: IntegrationDeps): Integration[] {
  const out: Integration[] = [];
  const name = r.name ?? '';
  for (const [list, value] of Object.entries(r)) {
    if (!list.endsWith('_configs') || !Array.isArray(value)) continue;
    const f = FACTORIES[list];
    const kind = f?.kind ?? list.replace(/_configs$/, '');
    value.forEach((cfg: { send_resolved?: boolean }, i: number) => {
      const receiver = f !== undefined ? f.create(cfg as never, deps) : new UnsupportedReceiver(kind, cfg.send_resolved ?? false);
      out.push({ key: `${name}/${kind}/${i}`, receiverName: name, receiver });
    });
  }
  return out;
}
