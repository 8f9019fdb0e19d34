export { checkAlertmanagerConfig, type AlertmanagerConfigCheck, type AlertmanagerConfigSummary } from './check.js';
export { loadAlertmanagerConfigFile, parseAlertmanagerConfig, type AlertmanagerConfigResult } from './load.js';
export type { AlertmanagerConfig, GlobalConfig } from './resolve.js';
export type { RouteConfig } from './route-config.js';
export type { InhibitRuleConfig } from './inhibit-config.js';
export { httpConfigSchema, type HttpConfig } from './http-config.js';
export { type DingtalkConfigInput, type FeishuConfigInput, type WecomConfigInput, type EmailConfigInput, type IntegrationKey, type ReceiverInput, type SlackConfigInput, type WebhookConfigInput,
  type PagerdutyConfigInput, type OpsgenieConfigInput, type VictoropsConfigInput, type PushoverConfigInput, type SnsConfigInput,
  type TelegramConfigInput, type WebexConfigInput, type DiscordConfigInput, type MsteamsConfigInput, type MsteamsV2ConfigInput,
  type JiraConfigInput, type RocketchatConfigInput, type MattermostConfigInput, type IncidentioConfigInput,
} from './receivers.js';
