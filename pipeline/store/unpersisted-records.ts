import type { MaybeColumnar } from '../../schemas/float-columns.js';
import type { SampleBatch } from '../../schemas/sample.js';

/**
 * Which records of a partition a shard without a write-ahead log still needs from the bus: those
 * with a sample the TSDB head holds in memory only. A record is persisted once the TSDB's
 * `persistedBefore()` passes its newest sample; the shard's durable offset is the first record
 * that is not.
 *
 * Only records that raise the newest block end seen are kept: the first unpersisted record always
 * is one (every record before it ends in a block range that was persisted), and with samples
 * arriving in time order that is one entry per block range, not one per record.
 */
export class UnpersistedRecords {
  private readonly offsets: number[] = [];
  /** Per kept record, the end of the block range its newest sample falls in. */
  private readonly ends: number[] = [];

  constructor(private readonly blockRangeMs: number) {}

  /** Notes a record appended at `offset`. */
  note(offset: number, batch: SampleBatch & MaybeColumnar): void {
    let maxT = Number.NEGATIVE_INFINITY;
    const cols = batch.floatColumns;
    // Timestamps of a series are sorted by producers but not by contract: look at every one.
    if (cols !== undefined) {
      const ts = cols.timestamps;
      for (let i = 0; i < ts.length; i++) if (ts[i] > maxT) maxT = ts[i];
    } else {
      for (const s of batch.series) {
        const ts = s.timestamps;
        for (let i = 0; i < ts.length; i++) if (ts[i] > maxT) maxT = ts[i];
        const hs = s.histograms?.timestamps;
        if (hs !== undefined) for (let i = 0; i < hs.length; i++) if (hs[i] > maxT) maxT = hs[i];
      }
    }
    if (maxT === Number.NEGATIVE_INFINITY) return;
    this.noteUntil(offset, maxT);
  }

  /** Notes that what the shard holds from before `offset` is unpersisted while it has samples up to `maxT`. */
  noteUntil(offset: number, maxT: number): void {
    const r = this.blockRangeMs;
    const end = Math.floor(maxT / r) * r + r;
    const n = this.ends.length;
    if (n > 0 && end <= this.ends[n - 1]) return;
    this.offsets.push(offset);
    this.ends.push(end);
  }

  /**
   * Forgets the records whose samples all lie before `persistedBefore`; returns the first offset
   * still needed, or `appended` (the next offset to append) when every record is persisted.
   */
  durableOffset(persistedBefore: number, appended: number): number {
    let k = 0;
    while (k < this.ends.length && this.ends[k] <= persistedBefore) k++;
    if (k > 0) {
      this.offsets.splice(0, k);
      this.ends.splice(0, k);
    }
    return this.offsets.length > 0 ? Math.min(this.offsets[0], appended) : appended;
  }

  /** Records kept (for the gauge of what a restart replays). */
  get size(): number {
    return this.offsets.length;
  }
}
