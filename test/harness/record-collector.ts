import type { BatchHandler, BusRecord, ConsumedBatch } from '../../pipeline/bus/bus.js';

/**
 * A bus handler for tests that records every batch and lets a test await a condition on what
 * arrived (no sleeps: each batch re-checks the waiting conditions).
 */
export class RecordCollector {
  readonly records: BusRecord[] = [];
  readonly batches: ConsumedBatch[] = [];
  private waiters: Array<{ pred: (rs: BusRecord[]) => boolean; resolve: () => void }> = [];

  /** `then` runs after a batch is recorded, e.g. to commit part of it. */
  constructor(private readonly then?: BatchHandler) {}

  readonly handler: BatchHandler = async (batch) => {
    this.batches.push(batch);
    this.records.push(...batch.records);
    await this.then?.(batch);
    this.check();
  };

  /** Resolves once `pred(records)` holds (checked now and after every batch). */
  waitFor(pred: (rs: BusRecord[]) => boolean): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ pred, resolve });
      this.check();
    });
  }

  /** Values (as strings) received from one partition, in arrival order. */
  values(partition: number): string[] {
    return this.records.filter((r) => r.partition === partition).map((r) => r.value.toString());
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(this.records)) return true;
      w.resolve();
      return false;
    });
  }
}
