import { z } from 'zod';

import { atMostOne, commonFields, isSet, issue } from './receiver-fields.js';
import { bool, goDuration, opt, str, stringList, templateUrl } from './primitives.js';

// Tidemark's own integration lists for chat robots Alertmanager has no notifier for. They are
// an extension: `amtool check-config` rejects these keys, Tidemark accepts them.

const webhookTarget = {
  ...commonFields,
  url: opt(templateUrl),
  url_file: opt(str),
  timeout: opt(goDuration),
};

function checkTarget(c: { url?: string; url_file?: string }, ctx: z.RefinementCtx, what: string): void {
  if (!isSet(c.url) && !isSet(c.url_file)) issue(ctx, `one of url or url_file must be configured in ${what} config`);
  atMostOne(ctx, c, 'url', 'url_file');
}

/** DingTalk custom robot (`https://oapi.dingtalk.com/robot/send?access_token=…`), optionally signed. */
export const dingtalkConfigSchema = z
  .strictObject({
    ...webhookTarget,
    secret: opt(str), secret_file: opt(str),
    message_type: opt(z.enum(['markdown', 'text'])),
    title: opt(str), message: opt(str),
    at_mobiles: opt(stringList), at_user_ids: opt(stringList), at_all: opt(bool),
  })
  .superRefine((c, ctx) => {
    checkTarget(c, ctx, 'DingTalk');
    atMostOne(ctx, c, 'secret', 'secret_file');
  });

/** WeCom (企业微信) group robot (`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`). */
export const wecomConfigSchema = z
  .strictObject({
    ...webhookTarget,
    message_type: opt(z.enum(['markdown', 'text'])),
    message: opt(str),
    mentioned_list: opt(stringList), mentioned_mobile_list: opt(stringList),
  })
  .superRefine((c, ctx) => checkTarget(c, ctx, 'WeCom'));

/** Feishu / Lark custom bot (`https://open.feishu.cn/open-apis/bot/v2/hook/…`), optionally signed. */
export const feishuConfigSchema = z
  .strictObject({
    ...webhookTarget,
    secret: opt(str), secret_file: opt(str),
    message_type: opt(z.enum(['text', 'interactive'])),
    title: opt(str), message: opt(str),
  })
  .superRefine((c, ctx) => {
    checkTarget(c, ctx, 'Feishu');
    atMostOne(ctx, c, 'secret', 'secret_file');
  });

export type DingtalkConfigInput = z.infer<typeof dingtalkConfigSchema>;
export type WecomConfigInput = z.infer<typeof wecomConfigSchema>;
export type FeishuConfigInput = z.infer<typeof feishuConfigSchema>;
