/**
 * The event-time watermark over the partitions of the samples topic: per partition, the highest
 * sample timestamp seen; the watermark is the minimum of those over the partitions that are
 * active, minus the allowed lateness. Every instant at or before the watermark is complete: the
 * evaluator may evaluate it. Because it depends only on what each partition delivered (in
 * partition order), not on how partitions interleave, evaluations do not depend on arrival jitter.
 *
 * Idleness is processing time: a partition that delivered nothing for `idleTimeoutMs` (counted
 * from assignment before its first record) stops holding the watermark back. When every partition
 * is idle the stream is quiet, and the watermark follows the wall clock (`now - idleTimeout -
 * lateness`) so rules on absent data (`absent()`, `up == 0` going stale) still evaluate.
 * The watermark never moves backwards.
 */

export interface WatermarkSettings {
  /** Subtracted from the partitions' minimum: how late a sample may be and still count. */
  readonly allowedLatenessMs: number;
  /** Processing time without records after which a partition no longer holds the watermark. */
  readonly idleTimeoutMs: number;
}

interface PartitionClock {
  maxEventMs: number;
  lastRecordAt: number;
}

export class Watermark {
  private readonly parts = new Map<number, PartitionClock>();
  private value = Number.NEGATIVE_INFINITY;

  constructor(private settings: WatermarkSettings) {}

  /**
   * Without assigned partitions (before the group join completes, during a rebalance, or as a
   * member left without partitions) nothing is known about event time: the watermark holds.
   */
  private holding(): boolean {
    return this.parts.size === 0;
  }

  configure(settings: WatermarkSettings): void {
    this.settings = settings;
  }

  /** Partitions newly assigned hold the watermark until they deliver or go idle. */
  assign(partitions: readonly number[], nowMs: number): void {
    for (const p of partitions) if (!this.parts.has(p)) this.parts.set(p, { maxEventMs: Number.NEGATIVE_INFINITY, lastRecordAt: nowMs });
  }

  revoke(partitions: readonly number[]): void {
    for (const p of partitions) this.parts.delete(p);
  }

  /** A batch of `partition` arrived at `nowMs` whose newest sample is at `maxEventMs`. */
  observe(partition: number, maxEventMs: number, nowMs: number): void {
    let c = this.parts.get(partition);
    if (c === undefined) this.parts.set(partition, (c = { maxEventMs: Number.NEGATIVE_INFINITY, lastRecordAt: nowMs }));
    if (maxEventMs > c.maxEventMs) c.maxEventMs = maxEventMs;
    c.lastRecordAt = nowMs;
  }

  /** The highest sample timestamp of a partition (-Infinity before its first). */
  maxEventOf(partition: number): number {
    return this.parts.get(partition)?.maxEventMs ?? Number.NEGATIVE_INFINITY;
  }

  /** The watermark at processing time `nowMs` (monotone). */
  current(nowMs: number): number {
    const { idleTimeoutMs, allowedLatenessMs } = this.settings;
    if (this.holding()) return this.value;
    let min = Number.POSITIVE_INFINITY;
    for (const c of this.parts.values()) {
      if (nowMs - c.lastRecordAt >= idleTimeoutMs) continue;
      if (c.maxEventMs < min) min = c.maxEventMs;
    }
    const candidate = min === Number.POSITIVE_INFINITY ? nowMs - idleTimeoutMs - allowedLatenessMs : min - allowedLatenessMs;
    if (candidate > this.value) this.value = candidate;
    return this.value;
  }

  /** Processing time at which some active partition turns idle (the watermark may then jump). */
  nextIdleAt(nowMs: number): number | undefined {
    let next: number | undefined;
    for (const c of this.parts.values()) {
      const at = c.lastRecordAt + this.settings.idleTimeoutMs;
      if (at > nowMs && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  /** Whether `partition` currently holds the watermark back (not idle). */
  isActive(partition: number, nowMs: number): boolean {
    const c = this.parts.get(partition);
    return c !== undefined && nowMs - c.lastRecordAt < this.settings.idleTimeoutMs;
  }

  /** Whether any partition holds the watermark back at `nowMs`. */
  anyActive(nowMs: number): boolean {
    if (this.holding()) return true;
    for (const c of this.parts.values()) if (nowMs - c.lastRecordAt < this.settings.idleTimeoutMs) return true;
    return false;
  }

  /** The highest sample timestamp over all partitions (-Infinity before any). */
  maxEvent(): number {
    let max = Number.NEGATIVE_INFINITY;
    for (const c of this.parts.values()) if (c.maxEventMs > max) max = c.maxEventMs;
    return max;
  }
}
