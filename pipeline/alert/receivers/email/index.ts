export { EMAIL_DEFAULTS, EmailReceiver } from './email-receiver.js';
