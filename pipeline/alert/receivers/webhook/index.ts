export { WebhookReceiver, webhookPayload } from './webhook-receiver.js';
