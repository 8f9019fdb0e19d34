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
export type PagerdutyConfigInput = z.infer<typeof pagerdutyConfigSchema>;
export type OpsgenieConfigInput = z.infer<typeof opsgenieConfigSchema>;
export type VictoropsConfigInput = z.infer<typeof victoropsConfigSchema>;
export type PushoverConfigInput = z.infer<typeof pushoverConfigSchema>;
export type SnsConfigInput = z.infer<typeof snsConfigSchema>;
export type TelegramConfigInput = z.infer<typeof telegramConfigSchema>;
export type WebexConfigInput = z.infer<typeof webexConfigSchema>;
export type DiscordConfigInput = z.infer<typeof discordConfigSchema>;
export type MsteamsConfigInput = z.infer<typeof msteamsConfigSchema>;
export type MsteamsV2ConfigInput = z.infer<typeof msteamsV2ConfigSchema>;
export type JiraConfigInput = z.infer<typeof jiraConfigSchema>;
export type RocketchatConfigInput = z.infer<typeof rocketchatConfigSchema>;
export type MattermostConfigInput = z.infer<typeof mattermostConfigSchema>;
export type IncidentioConfigInput = z.infer<typeof incidentioConfigSchema>;
