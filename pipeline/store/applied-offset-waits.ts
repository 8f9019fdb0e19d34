/**
 * Waits on the store's applied offsets (read-your-writes): a wait re-checks its condition each
 * time a shard's position moves or its shards change, instead of polling, and gives up at its
 * deadline.
 */
export class AppliedOffsetWaits {
  private readonly waiters = new Set<() => void>();

  /** Something a wait may be waiting for happened: a shard applied records, or shards opened or closed. */
  advanced(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves true once `done()` holds, false when it still does not at `deadlineMs`. */
  until(done: () => boolean, deadlineMs: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (ok: boolean): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(ok);
      };
      const check = (): void => {
        if (done()) finish(true);
      };
      const timer = setTimeout(() => finish(done()), Math.max(0, deadlineMs - Date.now()));
      this.waiters.add(check);
    });
  }
}
