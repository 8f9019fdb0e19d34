export { DingtalkReceiver, dingtalkSign } from './dingtalk-receiver.js';
export { FeishuReceiver, feishuSign } from './feishu-receiver.js';
export { SLACK_DEFAULTS, SlackReceiver } from './slack-receiver.js';
export { WecomReceiver } from './wecom-receiver.js';
export { CHAT_MARKDOWN, CHAT_TEXT, CHAT_TITLE } from './chat-templates.js';
export { WECHAT_DEFAULTS, WechatReceiver, type WechatConfig } from './wechat-receiver.js';
