/**
 * Wakes a partition's fetch loop (seek, pause, resume, stop) wherever it waits. Each fire ends
 * the waits made before it. A wait raced against the log's next append is its own promise,
 * dropped with `cancel` when the append came first: a race against one long-lived promise would
 * leave a reaction on it per race, and a consumer following the head races once per record.
 */
export class Wakeup {
  private readonly waiters = new Set<() => void>();

  /** A wait that the next `fire` ends; `cancel` when it is no longer awaited. */
  wait(): { readonly promise: Promise<void>; cancel(): void } {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.waiters.add(resolve);
    return { promise, cancel: () => void this.waiters.delete(resolve) };
  }

  /** Waits made and not yet ended or canceled. */
  get waiting(): number {
    return this.waiters.size;
  }

  fire(): void {
    const ended = [...this.waiters];
    this.waiters.clear();
    for (const resolve of ended) resolve();
  }
}
