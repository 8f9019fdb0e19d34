import type { ReceiverInput } from '../notify/config/index.js';
import { ReceiverConfigError } from './errors.js';
import type { Receiver } from './receiver.js';
import type { TemplateRenderer } from './template-renderer.js';
import { DingtalkReceiver, FeishuReceiver, SlackReceiver, WechatReceiver, WecomReceiver } from './chat/index.js';
import { EmailReceiver } from './email/index.js';
import { IncidentioReceiver, OpsgenieReceiver, PagerdutyReceiver, VictoropsReceiver } from './incident/index.js';
import { JiraReceiver } from './jira/index.js';
import { DiscordReceiver, MattermostReceiver, MsteamsReceiver, MsteamsV2Receiver, PushoverReceiver, RocketchatReceiver, TelegramReceiver, WebexReceiver } from './messaging/index.js';
import { SnsReceiver } from './sns/index.js';
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
  pagerduty_configs: { kind: 'pagerduty', create: (c: ConstructorParameters<typeof PagerdutyReceiver>[0], d) => new PagerdutyReceiver(c, d.templates) },
  opsgenie_configs: { kind: 'opsgenie', create: (c: ConstructorParameters<typeof OpsgenieReceiver>[0], d) => new OpsgenieReceiver(c, d.templates) },
  victorops_configs: { kind: 'victorops', create: (c: ConstructorParameters<typeof VictoropsReceiver>[0], d) => new VictoropsReceiver(c, d.templates) },
  incidentio_configs: { kind: 'incidentio', create: (c: ConstructorParameters<typeof IncidentioReceiver>[0]) => new IncidentioReceiver(c) },
  pushover_configs: { kind: 'pushover', create: (c: ConstructorParameters<typeof PushoverReceiver>[0], d) => new PushoverReceiver(c, d.templates) },
  sns_configs: { kind: 'sns', create: (c: ConstructorParameters<typeof SnsReceiver>[0], d) => new SnsReceiver(c, d.templates) },
  telegram_configs: { kind: 'telegram', create: (c: ConstructorParameters<typeof TelegramReceiver>[0], d) => new TelegramReceiver(c, d.templates) },
  webex_configs: { kind: 'webex', create: (c: ConstructorParameters<typeof WebexReceiver>[0], d) => new WebexReceiver(c, d.templates) },
  discord_configs: { kind: 'discord', create: (c: ConstructorParameters<typeof DiscordReceiver>[0], d) => new DiscordReceiver(c, d.templates) },
  msteams_configs: { kind: 'msteams', create: (c: ConstructorParameters<typeof MsteamsReceiver>[0], d) => new MsteamsReceiver(c, d.templates) },
  msteamsv2_configs: { kind: 'msteamsv2', create: (c: ConstructorParameters<typeof MsteamsV2Receiver>[0], d) => new MsteamsV2Receiver(c, d.templates) },
  jira_configs: { kind: 'jira', create: (c: ConstructorParameters<typeof JiraReceiver>[0], d) => new JiraReceiver(c, d.templates) },
  rocketchat_configs: { kind: 'rocketchat', create: (c: ConstructorParameters<typeof RocketchatReceiver>[0], d) => new RocketchatReceiver(c, d.templates) },
  mattermost_configs: { kind: 'mattermost', create: (c: ConstructorParameters<typeof MattermostReceiver>[0], d) => new MattermostReceiver(c, d.templates) },
};

/** Every integration of a receiver, in Alertmanager's order (config list order, then index). */
export function buildIntegrations(r: ReceiverInput, deps: IntegrationDeps): Integration[] {
  const out: Integration[] = [];
  const name = r.name ?? '';
  for (const [list, value] of Object.entries(r)) {
    if (!list.endsWith('_configs') || !Array.isArray(value)) continue;
    const f = FACTORIES[list];
    // The config schema admits only the lists above: a missing factory is a programming error.
    if (f === undefined) throw new ReceiverConfigError(`receiver "${name}": no integration for ${list}`, name);
    value.forEach((cfg: unknown, i: number) => {
      out.push({ key: `${name}/${f.kind}/${i}`, receiverName: name, receiver: f.create(cfg as never, deps) });
    });
  }
  return out;
}
