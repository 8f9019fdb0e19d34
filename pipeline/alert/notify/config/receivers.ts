import { z } from 'zod';

import { emailConfigSchema, opsgenieConfigSchema, pagerdutyConfigSchema, slackConfigSchema, webhookConfigSchema } from './receivers-main.js';
import {
  discordConfigSchema, incidentioConfigSchema, jiraConfigSchema, mattermostConfigSchema, msteamsConfigSchema, msteamsV2ConfigSchema,
  pushoverConfigSchema, rocketchatConfigSchema, snsConfigSchema, telegramConfigSchema, victoropsConfigSchema, webexConfigSchema, wechatConfigSchema,
} from './receivers-other.js';
import { opt, str } from './primitives.js';
import { dingtalkConfigSchema, feishuConfigSchema, wecomConfigSchema } from './receivers-chat.js';

/** Every integration list a receiver can hold, keyed by its YAML name. */
export const INTEGRATION_SCHEMAS = {
  discord_configs: discordConfigSchema,
  email_configs: emailConfigSchema,
  incidentio_configs: incidentioConfigSchema,
  pagerduty_configs: pagerdutyConfigSchema,
  slack_configs: slackConfigSchema,
  webhook_configs: webhookConfigSchema,
  opsgenie_configs: opsgenieConfigSchema,
  wechat_configs: wechatConfigSchema,
  pushover_configs: pushoverConfigSchema,
  victorops_configs: victoropsConfigSchema,
  sns_configs: snsConfigSchema,
  telegram_configs: telegramConfigSchema,
  webex_configs: webexConfigSchema,
  msteams_configs: msteamsConfigSchema,
  msteamsv2_configs: msteamsV2ConfigSchema,
  jira_configs: jiraConfigSchema,
  rocketchat_configs: rocketchatConfigSchema,
  mattermost_configs: mattermostConfigSchema,
  dingtalk_configs: dingtalkConfigSchema,
  wecom_configs: wecomConfigSchema,
  feishu_configs: feishuConfigSchema,
} as const;

export type IntegrationKey = keyof typeof INTEGRATION_SCHEMAS;

/** Integrations Tidemark delivers itself; the others load and validate but fail at send time. */
export const SENDABLE_INTEGRATIONS: ReadonlySet<IntegrationKey> = new Set<IntegrationKey>(['webhook_configs', 'email_configs', 'slack_configs', 'wechat_configs', 'dingtalk_configs', 'wecom_configs', 'feishu_configs']);

// A `- {}` or `-` list entry is a config with every field defaulted, as yaml.v2 decodes it.
const entries = <T extends z.ZodType>(s: T) => opt(z.array(z.preprocess((v) => (v === null ? {} : v), s)));

export const receiverSchema = z
  .strictObject({
    name: opt(str),
    discord_configs: entries(discordConfigSchema),
    email_configs: entries(emailConfigSchema),
    incidentio_configs: entries(incidentioConfigSchema),
    pagerduty_configs: entries(pagerdutyConfigSchema),
    slack_configs: entries(slackConfigSchema),
    webhook_configs: entries(webhookConfigSchema),
    opsgenie_configs: entries(opsgenieConfigSchema),
    wechat_configs: entries(wechatConfigSchema),
    pushover_configs: entries(pushoverConfigSchema),
    victorops_configs: entries(victoropsConfigSchema),
    sns_configs: entries(snsConfigSchema),
    telegram_configs: entries(telegramConfigSchema),
    webex_configs: entries(webexConfigSchema),
    msteams_configs: entries(msteamsConfigSchema),
    msteamsv2_configs: entries(msteamsV2ConfigSchema),
    jira_configs: entries(jiraConfigSchema),
    rocketchat_configs: entries(rocketchatConfigSchema),
    mattermost_configs: entries(mattermostConfigSchema),
    // Tidemark extensions (no Alertmanager equivalent).
    dingtalk_configs: entries(dingtalkConfigSchema),
    wecom_configs: entries(wecomConfigSchema),
    feishu_configs: entries(feishuConfigSchema),
  })
  .superRefine((r, ctx) => {
    if (r.name === undefined || r.name === '') ctx.addIssue({ code: 'custom', message: 'missing name in receiver' });
  });

export type ReceiverInput = z.infer<typeof receiverSchema>;
export type WebhookConfigInput = z.infer<typeof webhookConfigSchema>;
export type EmailConfigInput = z.infer<typeof emailConfigSchema>;
export type SlackConfigInput = z.infer<typeof slackConfigSchema>;
export type { DingtalkConfigInput, FeishuConfigInput, WecomConfigInput } from './receivers-chat.js';
