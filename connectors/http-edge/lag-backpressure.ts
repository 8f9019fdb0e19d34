import { OverloadedError, SinkUnavailableError } from './errors.js';

/** Something a push endpoint asks before taking a request: throws 429/503 errors to refuse it. */
export interface Backpressure {
  check(): void;
}

export interface LagBackpressureSettings {
  /** Total lag (records) of the consumers that matter, e.g. the store group on the samples topic. */
  readonly readLag: () => Promise<number>;
  /** Refuse pushes (429) while the lag is above this many records. */
  readonly maxLag: number;
  readonly intervalMs?: number;
  readonly retryAfterSeconds?: number;
}

/**
 * Sheds load instead of buffering without bound: polls the consumers' lag in the background and
 * answers 429 while it is above the bound, 503 while the lag cannot be read (bus unreachable).
 * `check()` is synchronous and cheap: it reads the last poll.
 */
export class LagBackpressure implements Backpressure {
  private lag = 0;
  private failure: Error | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(private readonly settings: LagBackpressureSettings) {}

  start(): void {
    if (this.timer !== undefined) return;
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.settings.intervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Polls once now (start() polls on an interval). */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      this.lag = await this.settings.readLag();
      this.failure = undefined;
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
    } finally {
      this.polling = false;
    }
  }

  check(): void {
    const retryAfter = this.settings.retryAfterSeconds ?? 5;
    if (this.failure !== undefined) {
      throw new SinkUnavailableError(`bus unavailable: ${this.failure.message}`, retryAfter, { cause: this.failure });
    }
    if (this.lag > this.settings.maxLag) {
      throw new OverloadedError(
        `consumers lag ${this.lag} records behind, more than the bound of ${this.settings.maxLag}; retry later`,
        retryAfter,
      );
    }
  }
}
