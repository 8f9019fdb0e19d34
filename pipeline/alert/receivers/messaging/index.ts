export { DISCORD_DEFAULTS, DiscordReceiver } from './discord-receiver.js';
export { MSTEAMS_DEFAULTS, MSTEAMSV2_DEFAULTS, MsteamsReceiver, MsteamsV2Receiver } from './msteams-receiver.js';
export { PUSHOVER_API_URL, PUSHOVER_DEFAULTS, PushoverReceiver } from './pushover-receiver.js';
export { ROCKETCHAT_DEFAULTS, RocketchatReceiver } from './rocketchat-receiver.js';
export { TELEGRAM_DEFAULT_MESSAGE, TelegramReceiver } from './telegram-receiver.js';
export { WEBEX_DEFAULT_MESSAGE, WebexReceiver } from './webex-receiver.js';
export { MattermostReceiver } from './mattermost-receiver.js';
