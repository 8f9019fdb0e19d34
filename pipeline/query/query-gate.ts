import { PromqlTimeoutError } from '../promql/index.js';

/**
 * At most `limit` queries evaluate at once; the others wait in arrival order (Prometheus
 * --query.max-concurrency). Waiting counts against the query's own deadline and is cut short by
 * its signal, so a full queue answers with a timeout instead of holding requests forever.
 */
export class QueryGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  /** Queries waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(deadlineMs: number, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await this.wait(deadlineMs, signal);
    else this.running++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next !== undefined) next(); // the slot passes on without being freed
      else this.running--;
    }
  }

  private wait(deadlineMs: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(new PromqlTimeoutError('queue', { cause: signal.reason }));
    return new Promise<void>((resolve, reject) => {
      const leave = (err: Error): void => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        reject(err);
      };
      const grant = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => leave(new PromqlTimeoutError('queue', { cause: signal.reason }));
      const timer = setTimeout(() => leave(new PromqlTimeoutError('queue')), Math.max(0, deadlineMs - Date.now()));
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }
}
