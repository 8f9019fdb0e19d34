import type { Notification, Receiver } from '../receivers/index.js';
import { sleep } from './clock.js';

/** Exponential backoff for retryable failures: initialMs, doubling, capped at maxMs, with jitter. */
export interface RetryPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Attempts in all, first one included. */
  readonly maxAttempts: number;
  /** Give up once this much real time has passed since the first attempt. */
  readonly maxElapsedMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialMs: 500, maxMs: 30_000, maxAttempts: 8, maxElapsedMs: 2 * 60_000 };

export interface DeliveryOutcome {
  readonly ok: boolean;
  readonly attempts: number;
  readonly error?: Error;
  /** Whether the last failure was retryable (we stopped for lack of attempts or time). */
  readonly retryable?: boolean;
}

/**
 * Send with retries: permanent failures stop at once, retryable ones are retried with backoff
 * until the policy's attempts or time run out, or `signal` aborts. `onAttempt` sees every try.
 */
export async function deliverWithRetry(
  receiver: Receiver,
  n: Notification,
  policy: RetryPolicy,
  signal: AbortSignal,
  onAttempt: (ok: boolean) => void = () => undefined,
): Promise<DeliveryOutcome> {
  const started = Date.now();
  let attempts = 0;
  for (;;) {
    attempts++;
    const r = await receiver.send(n, signal);
    onAttempt(r.ok);
    if (r.ok) return { ok: true, attempts };
    const elapsed = Date.now() - started;
    if (!r.retryable || attempts >= policy.maxAttempts || elapsed >= policy.maxElapsedMs || signal.aborted) {
      return { ok: false, attempts, error: r.error, retryable: r.retryable };
    }
    const base = Math.min(policy.maxMs, policy.initialMs * 2 ** (attempts - 1));
    await sleep(Math.min(base * (0.5 + Math.random() / 2), policy.maxElapsedMs - elapsed), signal);
  }
}
