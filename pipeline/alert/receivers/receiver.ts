import type { Notification } from './notification.js';

/** The outcome of one delivery attempt. */
export type SendResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly retryable: boolean; readonly error: Error };

/**
 * One integration of a receiver (`webhook_configs[0]`, `email_configs[1]`, ...). `send` makes a
 * single attempt and never throws: failures come back classified as retryable (network errors,
 * timeouts, 5xx, 429) or permanent (4xx, bad template, bad config). Retries and backoff belong to
 * the caller. `signal` aborts the attempt (shutdown, or the flush deadline).
 */
export interface Receiver {
  /** The integration type as Alertmanager names it: `webhook`, `email`, `slack`, `dingtalk`, ... */
  readonly kind: string;
  /** Whether resolved alerts are sent (send_resolved). */
  readonly sendResolved: boolean;
  send(notification: Notification, signal: AbortSignal): Promise<SendResult>;
}
