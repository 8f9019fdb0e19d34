import { z } from 'zod';

import { atMostOne, commonFields, isSet, issue } from './receiver-fields.js';
import { tlsConfigSchema } from './http-config.js';
import { bool, goDuration, hostPort, int, opt, secretUrl, str, stringList, stringMap, templateUrl, url } from './primitives.js';

// Integration configs that Tidemark can send, plus PagerDuty and OpsGenie. The checks and
// messages are those of each integration's UnmarshalYAML in Alertmanager.

export const webhookConfigSchema = z
  .strictObject({
    ...commonFields,
    url: opt(templateUrl),
    url_file: opt(str),
    max_alerts: opt(int),
    timeout: opt(goDuration),
    payload: opt(z.unknown()),
  })
  .superRefine((c, ctx) => {
    if (!isSet(c.url) && !isSet(c.url_file)) issue(ctx, 'one of url or url_file must be configured');
    atMostOne(ctx, c, 'url', 'url_file');
    if (c.max_alerts !== undefined && c.max_alerts < 0) issue(ctx, 'max_alerts must not be negative', ['max_alerts']);
  });

export const emailConfigSchema = z
  .strictObject({
    send_resolved: opt(bool),
    to: opt(str),
    from: opt(str),
    hello: opt(str),
    smarthost: opt(hostPort),
    auth_username: opt(str),
    auth_password: opt(str),
    auth_password_file: opt(str),
    auth_secret: opt(str),
    auth_secret_file: opt(str),
    auth_identity: opt(str),
    headers: opt(stringMap),
    html: opt(str),
    text: opt(str),
    require_tls: opt(bool),
    force_implicit_tls: opt(bool),
    tls_config: opt(tlsConfigSchema),
  })
  .superRefine((c, ctx) => {
    if (!isSet(c.to)) issue(ctx, 'missing to address in email config');
    const seen = new Set<string>();
    for (const h of Object.keys(c.headers ?? {})) {
      // textproto.CanonicalMIMEHeaderKey: header names are case-insensitive.
      const canon = h.toLowerCase().replace(/(^|-)([a-z])/g, (_m, p: string, ch: string) => p + ch.toUpperCase());
      if (seen.has(canon)) issue(ctx, `duplicate header "${canon}" in email config`, ['headers']);
      seen.add(canon);
    }
    atMostOne(ctx, c, 'auth_password', 'auth_password_file');
    atMostOne(ctx, c, 'auth_secret', 'auth_secret_file');
  });

const slackField = z.strictObject({ title: opt(str), value: opt(str), short: opt(bool) }).superRefine((c, ctx) => {
  if (!isSet(c.title)) issue(ctx, 'missing title in Slack field configuration');
  if (!isSet(c.value)) issue(ctx, 'missing value in Slack field configuration');
});

const slackConfirm = z.strictObject({ text: opt(str), title: opt(str), ok_text: opt(str), dismiss_text: opt(str) }).superRefine((c, ctx) => {
  if (!isSet(c.text)) issue(ctx, 'missing text in Slack confirmation configuration');
});

const slackAction = z
  .strictObject({ type: opt(str), text: opt(str), url: opt(str), style: opt(str), name: opt(str), value: opt(str), confirm: opt(slackConfirm) })
  .superRefine((c, ctx) => {
    if (!isSet(c.type)) issue(ctx, 'missing type in Slack action configuration');
    if (!isSet(c.text)) issue(ctx, 'missing text in Slack action configuration');
    if (!isSet(c.url) && !isSet(c.name)) issue(ctx, 'missing name or url in Slack action configuration');
  });

export const SLACK_POST_MESSAGE_URL = 'https://slack.com/api/chat.postMessage';

export const slackConfigSchema = z
  .strictObject({
    ...commonFields,
    api_url: opt(secretUrl),
    api_url_file: opt(str),
    app_token: opt(str),
    app_token_file: opt(str),
    app_url: opt(url),
    channel: opt(str), username: opt(str), color: opt(str),
    title: opt(str), title_link: opt(str), pretext: opt(str), text: opt(str),
    fields: opt(z.array(slackField)),
    short_fields: opt(bool),
    footer: opt(str), fallback: opt(str), callback_id: opt(str),
    icon_emoji: opt(str), icon_url: opt(str), image_url: opt(str), thumb_url: opt(str),
    link_names: opt(bool),
    mrkdwn_in: opt(stringList),
    actions: opt(z.array(slackAction)),
    update_message: opt(bool),
    timeout: opt(goDuration),
  })
  .superRefine((c, ctx) => {
    atMostOne(ctx, c, 'api_url', 'api_url_file');
    atMostOne(ctx, c, 'app_token', 'app_token_file');
    if ((isSet(c.app_token) || isSet(c.app_token_file)) && (isSet(c.api_url) || isSet(c.api_url_file))) {
      issue(ctx, 'at most one of app_token/app_token_file & api_url/api_url_file must be configured');
    }
    if (c.update_message === true && isSet(c.api_url) && c.api_url !== SLACK_POST_MESSAGE_URL) {
      issue(ctx, `update_message can only be used with bot tokens. api_url must be set to ${SLACK_POST_MESSAGE_URL}`);
    }
  });

const pdImage = z.strictObject({ src: opt(str), alt: opt(str), href: opt(str) });
const pdLink = z.strictObject({ href: opt(str), text: opt(str) });

export const pagerdutyConfigSchema = z
  .strictObject({
    ...commonFields,
    service_key: opt(str), service_key_file: opt(str),
    routing_key: opt(str), routing_key_file: opt(str),
    url: opt(url),
    client: opt(str), client_url: opt(str), description: opt(str),
    details: opt(z.record(z.string(), z.unknown())),
    images: opt(z.array(pdImage)),
    links: opt(z.array(pdLink)),
    source: opt(str), severity: opt(str), class: opt(str), component: opt(str), group: opt(str),
    timeout: opt(goDuration),
  })
  .superRefine((c, ctx) => {
    if (![c.routing_key, c.service_key, c.routing_key_file, c.service_key_file].some(isSet)) issue(ctx, 'missing service or routing key in PagerDuty config');
    atMostOne(ctx, c, 'routing_key', 'routing_key_file');
    atMostOne(ctx, c, 'service_key', 'service_key_file');
  });

const OPSGENIE_TYPES = /^(team|teams|user|escalation|schedule)$/;
const ogResponder = z.strictObject({ id: opt(str), name: opt(str), username: opt(str), type: opt(str) });

export const opsgenieConfigSchema = z
  .strictObject({
    ...commonFields,
    api_key: opt(str), api_key_file: opt(str),
    api_url: opt(url),
    message: opt(str), description: opt(str), source: opt(str),
    details: opt(stringMap),
    entity: opt(str),
    responders: opt(z.array(ogResponder)),
    actions: opt(str), tags: opt(str), note: opt(str), priority: opt(str),
    update_alerts: opt(bool),
  })
  .superRefine((c, ctx) => {
    atMostOne(ctx, c, 'api_key', 'api_key_file');
    (c.responders ?? []).forEach((r, i) => {
      if (!isSet(r.id) && !isSet(r.username) && !isSet(r.name)) {
        issue(ctx, `opsGenieConfig responder ${JSON.stringify(r)} has to have at least one of id, username or name specified`, ['responders', i]);
      }
      const t = r.type ?? '';
      if (!t.includes('{{') && !OPSGENIE_TYPES.test(t.toLowerCase())) {
        issue(ctx, `opsGenieConfig responder ${JSON.stringify(r)} type does not match valid options ${OPSGENIE_TYPES.source}`, ['responders', i]);
      }
    });
  });
