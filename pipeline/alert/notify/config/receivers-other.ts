import { z } from 'zod';

import { atMostOne, commonFields, isSet, issue } from './receiver-fields.js';
import { bool, goDuration, int, opt, secretUrl, str, stringMap, url } from './primitives.js';

// The other integrations, validated as Alertmanager validates them (senders: ../../receivers/).

const VICTOROPS_RESERVED = ['routing_key', 'message_type', 'state_message', 'entity_display_name', 'monitoring_tool', 'entity_id', 'entity_state'];

export const victoropsConfigSchema = z
  .strictObject({
    ...commonFields,
    api_key: opt(str), api_key_file: opt(str), api_url: opt(url),
    routing_key: opt(str), message_type: opt(str), state_message: opt(str),
    entity_display_name: opt(str), monitoring_tool: opt(str),
    custom_fields: opt(stringMap),
  })
  .superRefine((c, ctx) => {
    if (!isSet(c.routing_key)) issue(ctx, 'missing Routing key in VictorOps config');
    atMostOne(ctx, c, 'api_key', 'api_key_file');
    for (const f of VICTOROPS_RESERVED) {
      if (c.custom_fields !== undefined && Object.hasOwn(c.custom_fields, f)) {
        issue(ctx, `victorOps config contains custom field ${f} which cannot be used as it conflicts with the fixed/static fields`);
      }
    }
  });

export const wechatConfigSchema = z
  .strictObject({
    ...commonFields,
    api_secret: opt(str), api_secret_file: opt(str), corp_id: opt(str), message: opt(str), api_url: opt(url),
    to_user: opt(str), to_party: opt(str), to_tag: opt(str), agent_id: opt(str), message_type: opt(str),
  })
  .superRefine((c, ctx) => {
    atMostOne(ctx, c, 'api_secret', 'api_secret_file');
    const t = c.message_type ?? 'text';
    if (!/^(text|markdown)$/.test(t)) issue(ctx, `weChat message type "${t}" does not match valid options ^(text|markdown)$`);
  });

export const pushoverConfigSchema = z
  .strictObject({
    ...commonFields,
    user_key: opt(str), user_key_file: opt(str), token: opt(str), token_file: opt(str),
    title: opt(str), message: opt(str), url: opt(str), url_title: opt(str), device: opt(str), sound: opt(str), priority: opt(str),
    retry: opt(goDuration), expire: opt(goDuration), ttl: opt(goDuration), html: opt(bool), monospace: opt(bool),
  })
  .superRefine((c, ctx) => {
    if (!isSet(c.user_key) && !isSet(c.user_key_file)) issue(ctx, 'one of user_key or user_key_file must be configured');
    atMostOne(ctx, c, 'user_key', 'user_key_file');
    if (!isSet(c.token) && !isSet(c.token_file)) issue(ctx, 'one of token or token_file must be configured');
    atMostOne(ctx, c, 'token', 'token_file');
    if (c.html === true && c.monospace === true) issue(ctx, 'at most one of monospace & html must be configured');
  });

const sigv4Schema = z.strictObject({
  region: opt(str), access_key: opt(str), secret_key: opt(str), profile: opt(str), role_arn: opt(str), use_fips_sts_endpoint: opt(bool),
});

export const snsConfigSchema = z
  .strictObject({
    ...commonFields,
    api_url: opt(str), sigv4: opt(sigv4Schema), topic_arn: opt(str), phone_number: opt(str), target_arn: opt(str),
    subject: opt(str), message: opt(str), attributes: opt(stringMap),
  })
  .superRefine((c, ctx) => {
    const n = [c.target_arn, c.topic_arn, c.phone_number].filter(isSet).length;
    if (n !== 1) issue(ctx, 'must provide either a Target ARN, Topic ARN, or Phone Number for SNS config');
  });

export const telegramConfigSchema = z
  .strictObject({
    ...commonFields,
    api_url: opt(url), bot_token: opt(str), bot_token_file: opt(str), chat_id: opt(int), message_thread_id: opt(int),
    message: opt(str), disable_notifications: opt(bool), parse_mode: opt(str),
  })
  .superRefine((c, ctx) => {
    if (c.chat_id === undefined || c.chat_id === 0) issue(ctx, 'missing chat_id on telegram_config');
    atMostOne(ctx, c, 'bot_token', 'bot_token_file');
    if (c.parse_mode !== undefined && !['', 'Markdown', 'MarkdownV2', 'HTML'].includes(c.parse_mode)) {
      issue(ctx, 'unknown parse_mode on telegram_config, must be Markdown, MarkdownV2, HTML or empty string');
    }
  });

const webhookUrlPair = { webhook_url: opt(secretUrl), webhook_url_file: opt(str) };

function requireWebhookUrl(kind: string) {
  return (c: { webhook_url?: string; webhook_url_file?: string }, ctx: z.RefinementCtx) => {
    if (!isSet(c.webhook_url) && !isSet(c.webhook_url_file)) issue(ctx, `one of webhook_url or webhook_url_file must be configured`);
    atMostOne(ctx, c, 'webhook_url', 'webhook_url_file');
    void kind;
  };
}

export const discordConfigSchema = z
  .strictObject({ ...commonFields, ...webhookUrlPair, content: opt(str), title: opt(str), message: opt(str), username: opt(str), avatar_url: opt(str) })
  .superRefine(requireWebhookUrl('discord'));

export const msteamsConfigSchema = z
  .strictObject({ ...commonFields, ...webhookUrlPair, title: opt(str), summary: opt(str), text: opt(str) })
  .superRefine(requireWebhookUrl('msteams'));

export const msteamsV2ConfigSchema = z
  .strictObject({ ...commonFields, ...webhookUrlPair, title: opt(str), text: opt(str) })
  .superRefine(requireWebhookUrl('msteamsv2'));

export const webexConfigSchema = z
  .strictObject({ ...commonFields, api_url: opt(url), message: opt(str), room_id: opt(str) })
  .superRefine((c, ctx) => {
    if (!isSet(c.room_id)) issue(ctx, 'missing room_id on webex_config');
    if (c.http_config?.authorization === undefined) issue(ctx, 'missing webex_configs.http_config.authorization');
  });

export const jiraConfigSchema = z
  .strictObject({
    ...commonFields,
    api_url: opt(url), project: opt(str), summary: opt(str), description: opt(str), labels: opt(z.array(z.string())),
    priority: opt(str), issue_type: opt(str), reopen_transition: opt(str), resolve_transition: opt(str),
    wont_fix_resolution: opt(str), reopen_duration: opt(str), fields: opt(z.record(z.string(), z.unknown())),
    api_type: opt(str),
  })
  .superRefine((c, ctx) => {
    if (!isSet(c.project)) issue(ctx, 'missing project in jira_config');
    if (!isSet(c.issue_type)) issue(ctx, 'missing issue_type in jira_config');
  });

const rcField = z.strictObject({ title: opt(str), value: opt(str), short: opt(bool) });
const rcAction = z.strictObject({ type: opt(str), text: opt(str), url: opt(str), msg: opt(str) });

export const rocketchatConfigSchema = z
  .strictObject({
    ...commonFields,
    api_url: opt(url), channel: opt(str), token: opt(str), token_file: opt(str), token_id: opt(str), token_id_file: opt(str),
    color: opt(str), emoji: opt(str), icon_url: opt(str), text: opt(str), title: opt(str), title_link: opt(str),
    fields: opt(z.array(rcField)), short_fields: opt(bool), image_url: opt(str), thumb_url: opt(str), link_names: opt(bool),
    actions: opt(z.array(rcAction)),
  })
  .superRefine((c, ctx) => {
    atMostOne(ctx, c, 'token', 'token_file');
    atMostOne(ctx, c, 'token_id', 'token_id_file');
  });

export const mattermostConfigSchema = z
  .strictObject({
    ...commonFields, ...webhookUrlPair,
    channel: opt(str), username: opt(str), text: opt(str), icon_url: opt(str), icon_emoji: opt(str),
    attachments: opt(z.array(z.record(z.string(), z.unknown()))), props: opt(z.record(z.string(), z.unknown())),
    priority: opt(z.record(z.string(), z.unknown())),
  })
  .superRefine((c, ctx) => atMostOne(ctx, c, 'webhook_url', 'webhook_url_file'));

export const incidentioConfigSchema = z
  .strictObject({
    ...commonFields,
    url: opt(url), url_file: opt(str), alert_source_token: opt(str), alert_source_token_file: opt(str),
    max_alerts: opt(int), timeout: opt(goDuration),
  })
  .superRefine((c, ctx) => {
    if (!isSet(c.url) && !isSet(c.url_file)) issue(ctx, 'one of url or url_file must be configured');
    atMostOne(ctx, c, 'url', 'url_file');
    atMostOne(ctx, c, 'alert_source_token', 'alert_source_token_file');
  });
