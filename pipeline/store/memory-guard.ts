/**
 * Watches the V8 heap in use against a bound: above it, `onPressure(true)` (the worker pauses its
 * partitions); once back under 90 % of it, `onPressure(false)`. The hysteresis keeps a worker near
 * the bound from pausing and resuming on every check.
 */
export class MemoryGuard {
  private timer: NodeJS.Timeout | null = null;
  private pressed = false;

  constructor(
    private readonly maxHeapBytes: number,
    private readonly intervalMs: number,
    private readonly onPressure: (pressed: boolean, heapUsed: number) => void,
    private readonly heapUsed: () => number = () => process.memoryUsage().heapUsed,
  ) {}

  get underPressure(): boolean {
    return this.pressed;
  }

  start(): void {
    if (this.maxHeapBytes <= 0 || this.timer !== null) return;
    this.timer = setInterval(() => this.check(), this.intervalMs);
    this.timer.unref();
  }

  /** Compares the heap with the bound now; returns whether partitions should stay paused. */
  check(): boolean {
    if (this.maxHeapBytes <= 0) return false;
    const used = this.heapUsed();
    if (!this.pressed && used > this.maxHeapBytes) {
      this.pressed = true;
      this.onPressure(true, used);
    } else if (this.pressed && used < this.maxHeapBytes * 0.9) {
      this.pressed = false;
      this.onPressure(false, used);
    }
    return this.pressed;
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
