import { z } from 'zod';

import { httpConfigSchema, tlsConfigSchema } from './http-config.js';
import { bool, duration, hostPort, opt, secretUrl, str, url } from './primitives.js';

/** `global:` as Alertmanager's GlobalConfig. Defaults are applied when the config is resolved. */
export const globalConfigSchema = z.strictObject({
  resolve_timeout: opt(duration),
  http_config: opt(httpConfigSchema),
  jira_api_url: opt(url),
  smtp_from: opt(str),
  smtp_hello: opt(str),
  smtp_smarthost: opt(hostPort),
  smtp_auth_username: opt(str),
  smtp_auth_password: opt(str),
  smtp_auth_password_file: opt(str),
  smtp_auth_secret: opt(str),
  smtp_auth_secret_file: opt(str),
  smtp_auth_identity: opt(str),
  smtp_require_tls: opt(bool),
  smtp_tls_config: opt(tlsConfigSchema),
  smtp_force_implicit_tls: opt(bool),
  slack_api_url: opt(secretUrl),
  slack_api_url_file: opt(str),
  slack_app_token: opt(str),
  slack_app_token_file: opt(str),
  slack_app_url: opt(url),
  pagerduty_url: opt(url),
  opsgenie_api_url: opt(url),
  opsgenie_api_key: opt(str),
  opsgenie_api_key_file: opt(str),
  wechat_api_url: opt(url),
  wechat_api_secret: opt(str),
  wechat_api_secret_file: opt(str),
  wechat_api_corp_id: opt(str),
  victorops_api_url: opt(url),
  victorops_api_key: opt(str),
  victorops_api_key_file: opt(str),
  telegram_api_url: opt(url),
  telegram_bot_token: opt(str),
  telegram_bot_token_file: opt(str),
  webex_api_url: opt(url),
  rocketchat_api_url: opt(url),
  rocketchat_token: opt(str),
  rocketchat_token_file: opt(str),
  rocketchat_token_id: opt(str),
  rocketchat_token_id_file: opt(str),
  mattermost_webhook_url: opt(secretUrl),
  mattermost_webhook_url_file: opt(str),
});

export type GlobalConfigInput = z.infer<typeof globalConfigSchema>;

/** Alertmanager's DefaultGlobalConfig(). */
export const GLOBAL_DEFAULTS = {
  resolve_timeout: 5 * 60_000,
  smtp_hello: 'localhost',
  smtp_require_tls: true,
  pagerduty_url: 'https://events.pagerduty.com/v2/enqueue',
  opsgenie_api_url: 'https://api.opsgenie.com/',
  wechat_api_url: 'https://qyapi.weixin.qq.com/cgi-bin/',
  victorops_api_url: 'https://alert.victorops.com/integrations/generic/20131114/alert/',
  telegram_api_url: 'https://api.telegram.org',
  webex_api_url: 'https://webexapis.com/v1/messages',
  rocketchat_api_url: 'https://open.rocket.chat/',
  slack_app_url: 'https://slack.com/api/chat.postMessage',
} as const;
