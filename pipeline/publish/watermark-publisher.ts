import { randomBytes } from 'node:crypto';
import { encodeProducerWatermark } from '../../schemas/producer-watermark-codec.js';
import type { Bus, ProduceRecord } from '../bus/bus.js';

export interface WatermarkPublisherSettings {
  readonly bus: Bus;
  readonly topic: string;
  readonly partitions: number;
  /** Written into every record, as in sample batches. */
  readonly source: string;
  /** Heartbeat period while the producer writes (see `bus.watermarks.period_ms`). */
  readonly periodMs: number;
  /** How far the promise trails the producer's clock (see `bus.watermarks.lag_ms`). */
  readonly lagMs: number;
  /** How far behind the clock open work may hold the promise (see `bus.watermarks.max_hold_ms`); default unbounded. */
  readonly maxHoldMs?: number;
  /** Unique per producer instance; default 64 random bits in hex (the source is a field of its own). */
  readonly producerId?: string;
  readonly now?: () => number;
  /** Told when a watermark record could not be produced (the next one retries). */
  readonly onError?: (err: Error) => void;
}

/** A unit of work in progress (an appender): nothing it writes is older than its floor. */
export interface OpenWork {
  /** Processing time the work began. */
  readonly openedAt: number;
  /** Its oldest sample so far (+Infinity before the first). */
  readonly minTs: number;
}

/**
 * Tells every partition of a topic how far a producer's clock has gone, so event-time consumers
 * (the rules evaluator) move on past partitions that get no data from it. The promise is
 * `now − lag`, held back by every unit of work still open (its oldest sample, or its start − lag
 * before the first; never more than `maxHoldMs` behind the clock) and never lowered: a sample
 * older than a promise already made is late.
 *
 * While the producer writes, one record per partition goes out every period, at instants that
 * make the promise a multiple of the period (so evaluation instants are reached exactly), and
 * once more when the work that held the last one back has ended. Two
 * periods after the last unit of work ended, one `idle` record says the promise follows the clock
 * from now on and the heartbeat stops; the next unit of work starts it again at once.
 */
export class WatermarkPublisher {
  readonly producerId: string;
  private readonly open = new Set<OpenWork>();
  private readonly now: () => number;
  private promised = Number.NEGATIVE_INFINITY;
  /** Whether the last promise sent was below the clock's (held back by open work). */
  private held = false;
  private lastWorkAt = Number.NEGATIVE_INFINITY;
  private active = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  /** Watermark records produced (one per partition per heartbeat). */
  recordsSent = 0;
  bytesSent = 0;

  constructor(private readonly settings: WatermarkPublisherSettings) {
    this.producerId = settings.producerId ?? randomBytes(8).toString('hex');
    this.now = settings.now ?? Date.now;
  }

  /** A unit of work began; until `end`, the promise stays at or below its floor. */
  begin(work: OpenWork): void {
    this.open.add(work);
    if (!this.active && !this.closed) {
      this.active = true;
      // Consumers following this producer's clock must hold from now on: say so at once.
      this.send(false);
      this.scheduleTick();
    }
  }

  /** The unit of work ended: its records are acknowledged (or it was rolled back). */
  end(work: OpenWork): void {
    this.open.delete(work);
    this.lastWorkAt = this.now();
    // The last heartbeat was held back by open work, and the last of it just ended: catch up now
    // rather than a period later, when consumers may be waiting for exactly that instant.
    if (this.held && this.open.size === 0 && this.active && !this.closed) this.send(false);
  }

  /**
   * For a producer with its own event clock (the rules evaluator writes at evaluation instants):
   * promises `watermarkMs` on every partition now (never lower than a promise already made).
   */
  announce(watermarkMs: number): void {
    if (this.closed) return;
    this.active = true;
    if (watermarkMs > this.promised) this.promised = watermarkMs;
    this.send(false, this.promised);
  }

  /** Stops the heartbeat; an active producer says it goes idle, so no consumer waits for it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    if (this.active) {
      this.active = false;
      this.send(true);
    }
    await this.sending;
  }

  /** The promise now: the clock minus the lag, held back by open work, never lowered. */
  private promise(now: number): number {
    const lag = this.settings.lagMs;
    const lowest = now - Math.max(lag, this.settings.maxHoldMs ?? Number.POSITIVE_INFINITY);
    let p = now - lag;
    for (const w of this.open) {
      const floor = Math.max(lowest, Math.min(w.openedAt - lag, w.minTs));
      if (floor < p) p = floor;
    }
    if (p > this.promised) this.promised = p;
    this.held = this.promised < now - lag;
    return this.promised;
  }

  private scheduleTick(): void {
    const { periodMs, lagMs } = this.settings;
    const now = this.now();
    const next = Math.floor((now - lagMs) / periodMs + 1) * periodMs + lagMs;
    this.timer = setTimeout(() => this.tick(), next - now);
    this.timer.unref();
  }

  private tick(): void {
    if (this.closed || !this.active) return;
    const now = this.now();
    if (this.open.size === 0 && now - this.lastWorkAt >= 2 * this.settings.periodMs) {
      this.active = false;
      this.send(true);
      return;
    }
    this.send(false);
    this.scheduleTick();
  }

  /** Produces one record per partition; sends are chained so they reach the bus in order. */
  private send(idle: boolean, watermarkMs?: number): void {
    const now = this.now();
    const value = encodeProducerWatermark({
      producer: this.producerId, source: this.settings.source, watermarkMs: watermarkMs ?? this.promise(now), lagMs: this.settings.lagMs, idle,
    });
    const records: ProduceRecord[] = [];
    for (let p = 0; p < this.settings.partitions; p++) records.push({ partition: p, value, timestampMs: now });
    this.sending = this.sending.then(async () => {
      try {
        await this.settings.bus.produce(this.settings.topic, records);
        this.recordsSent += records.length;
        this.bytesSent += value.length * records.length;
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        const failure = new Error(`producer watermark to ${this.settings.topic}: ${e.message}`, { cause: e });
        if (this.settings.onError !== undefined) this.settings.onError(failure);
        else process.emitWarning(failure);
      }
    });
  }
}
