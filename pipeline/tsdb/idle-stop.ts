/**
 * How long a pool's worker thread may wait for work before the pool stops it. A worker keeps its
 * own V8 heap (tens of megabytes after a large query) and references to the shared slabs it was
 * handed, which only its own collection lets go of, and an idle thread does not collect: stopping
 * it returns both. Starting one again costs the next query the thread's start (50-80 ms of CPU
 * loading its modules), once per idle period; five minutes is longer than a dashboard's refresh
 * or a rule's interval.
 */
export const WORKER_IDLE_MS = 5 * 60_000;

/**
 * Runs `stop` once `idleMs` passed since the last `idle()` with no `busy()` after it: a pool calls
 * `idle()` when its worker finishes a job and has no other, `busy()` when it hands it one.
 */
export class IdleStop {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly idleMs: number,
    private readonly stop: () => void,
  ) {}

  idle(): void {
    this.busy();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.stop();
    }, this.idleMs);
    // A waiting worker keeps no process alive; neither does its timer.
    this.timer.unref();
  }

  busy(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
  }
}
