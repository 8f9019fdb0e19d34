/**
 * The event-time watermark over the partitions of the samples topic. Every instant at or before
 * it is complete: the evaluator may evaluate it. Because it depends only on what each partition
 * delivered (in partition order), not on how partitions interleave, evaluations do not depend on
 * arrival jitter. The watermark never moves backwards.
 *
 * Producers promise (schemas/producer-watermark-codec.ts): a partition that heard from live
 * producers stands at the minimum of their promises, whether it got data or not, so a partition
 * without data advances as soon as its producers have moved on. An idle producer's promise
 * follows the clock (`now − its lag`) once the partition is read to its end. A producer not
 * heard from for `idleTimeoutMs` (processing time) has stopped and no longer counts.
 *
 * Partitions without live producers (writers that send no watermarks) stand at their newest
 * sample minus the allowed lateness, and stop holding the watermark after `idleTimeoutMs`
 * without data (counted from assignment before their first record). When nothing holds it the
 * stream is quiet, and the watermark follows the wall clock (`now − idleTimeout − lateness`) so
 * rules on absent data (`absent()`, `up == 0` going stale) still evaluate.
 */
import type { ProducerWatermark } from '../../../schemas/index.js';

export interface WatermarkSettings {
  /** For partitions without promising producers: how far the watermark trails their newest sample. */
  readonly allowedLatenessMs: number;
  /** Processing time after which a silent producer, or a partition without producers or data, no longer holds the watermark. */
  readonly idleTimeoutMs: number;
}

interface ProducerClock {
  promiseMs: number;
  lagMs: number;
  idle: boolean;
  lastSeenAt: number;
}

interface PartitionClock {
  maxEventMs: number;
  /** Processing time of the last data record. */
  lastRecordAt: number;
  /**
   * Whether the last batch read reached the end of the partition. While behind (a replay, a
   * restart's backlog) an idle producer's promise stays where it was: the clock then says
   * nothing about the records still to be read.
   */
  caughtUp: boolean;
  readonly producers: Map<string, ProducerClock>;
}

/** Idle producers are remembered (they cost nothing but follow the clock) up to this many per partition. */
const IDLE_PRODUCERS_KEPT = 64;

const newClock = (nowMs: number): PartitionClock => ({ maxEventMs: Number.NEGATIVE_INFINITY, lastRecordAt: nowMs, caughtUp: true, producers: new Map() });

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
    for (const p of partitions) if (!this.parts.has(p)) this.parts.set(p, newClock(nowMs));
  }

  revoke(partitions: readonly number[]): void {
    for (const p of partitions) this.parts.delete(p);
  }

  /** A batch of `partition` arrived at `nowMs` whose newest sample is at `maxEventMs`. */
  observe(partition: number, maxEventMs: number, nowMs: number): void {
    let c = this.parts.get(partition);
    if (c === undefined) this.parts.set(partition, (c = newClock(nowMs)));
    if (maxEventMs > c.maxEventMs) c.maxEventMs = maxEventMs;
    c.lastRecordAt = nowMs;
  }

  /** A producer's watermark record of `partition` arrived at `nowMs`. */
  promise(partition: number, w: ProducerWatermark, nowMs: number): void {
    let c = this.parts.get(partition);
    if (c === undefined) this.parts.set(partition, (c = newClock(nowMs)));
    const old = c.producers.get(w.producer);
    // Promises only grow (a replayed or reordered older one changes nothing).
    const promiseMs = old === undefined ? w.watermarkMs : Math.max(old.promiseMs, w.watermarkMs);
    c.producers.delete(w.producer); // re-inserted last: the map stays in order of last contact
    c.producers.set(w.producer, { promiseMs, lagMs: w.lagMs, idle: w.idle, lastSeenAt: nowMs });
    if (w.idle) {
      let idle = 0;
      for (const p of c.producers.values()) if (p.idle) idle++;
      for (const [id, p] of c.producers) {
        if (idle <= IDLE_PRODUCERS_KEPT) break;
        if (p.idle) { c.producers.delete(id); idle--; }
      }
    }
  }

  /** Whether reading `partition` has reached its end (see PartitionClock.caughtUp). */
  readTo(partition: number, caughtUp: boolean): void {
    const c = this.parts.get(partition);
    if (c !== undefined) c.caughtUp = caughtUp;
  }

  /** Live (or idle) producers promising on `partition` at `nowMs`. */
  producersOf(partition: number, nowMs: number): number {
    const c = this.parts.get(partition);
    if (c === undefined) return 0;
    let n = 0;
    for (const p of c.producers.values()) if (p.idle || nowMs - p.lastSeenAt < this.settings.idleTimeoutMs) n++;
    return n;
  }

  /** The highest sample timestamp of a partition (-Infinity before its first). */
  maxEventOf(partition: number): number {
    return this.parts.get(partition)?.maxEventMs ?? Number.NEGATIVE_INFINITY;
  }

  /** The watermark at processing time `nowMs` (monotone). */
  current(nowMs: number): number {
    if (this.holding()) return this.value;
    const candidate = this.computeAt(nowMs);
    if (candidate > this.value) this.value = candidate;
    this.forgetStopped(nowMs);
    return this.value;
  }

  /**
   * The earliest processing time, from `nowMs` on, at which the watermark reaches `eventMs` if no
   * record arrives meanwhile (a producer or partition stopping, or a promise following the clock,
   * moves it); undefined when only new records can.
   */
  reachesAt(eventMs: number, nowMs: number): number | undefined {
    if (this.holding()) return undefined;
    const { idleTimeoutMs, allowedLatenessMs } = this.settings;
    const times = [nowMs, eventMs + idleTimeoutMs + allowedLatenessMs];
    for (const c of this.parts.values()) {
      times.push(c.lastRecordAt + idleTimeoutMs);
      for (const p of c.producers.values()) times.push(p.idle ? eventMs + p.lagMs : p.lastSeenAt + idleTimeoutMs);
    }
    times.sort((a, b) => a - b);
    for (const t of times) {
      if (t < nowMs) continue;
      if (Math.max(this.value, this.computeAt(t)) >= eventMs) return t;
    }
    return undefined;
  }

  /** What the partitions allow at processing time `t`, before monotonicity. */
  private computeAt(t: number): number {
    const { idleTimeoutMs, allowedLatenessMs } = this.settings;
    let min = Number.POSITIVE_INFINITY;
    for (const c of this.parts.values()) {
      let promised = Number.POSITIVE_INFINITY;
      let live = false;
      for (const p of c.producers.values()) {
        if (!p.idle && t - p.lastSeenAt >= idleTimeoutMs) continue;
        live = true;
        const v = p.idle && c.caughtUp ? Math.max(p.promiseMs, t - p.lagMs) : p.promiseMs;
        if (v < promised) promised = v;
      }
      if (live) {
        if (promised < min) min = promised;
      } else if (t - c.lastRecordAt < idleTimeoutMs) {
        const v = c.maxEventMs - allowedLatenessMs;
        if (v < min) min = v;
      }
    }
    return min === Number.POSITIVE_INFINITY ? t - idleTimeoutMs - allowedLatenessMs : min;
  }

  /** Producers silent for the idle timeout (not idle: stopped, or crashed) are dropped. */
  private forgetStopped(nowMs: number): void {
    for (const c of this.parts.values()) {
      for (const [id, p] of c.producers) if (!p.idle && nowMs - p.lastSeenAt >= this.settings.idleTimeoutMs) c.producers.delete(id);
    }
  }

  /** Processing time at which some partition without live producers turns idle (the watermark may then jump). */
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
