import type { BusRecord, ProduceRecord } from '../bus.js';

/** Memory a topic's recent records may hold in all, shared among its partitions. */
const TOPIC_BYTES = 64 << 20;
const MIN_PARTITION_BYTES = 16 << 10;
const MAX_PARTITION_BYTES = 4 << 20;

/** Value bytes each partition of a topic of `partitions` keeps: 64 MiB shared, 16 KiB to 4 MiB each. */
export function recentBytesPerPartition(partitions: number): number {
  return Math.min(MAX_PARTITION_BYTES, Math.max(MIN_PARTITION_BYTES, Math.floor(TOPIC_BYTES / Math.max(1, partitions))));
}

/**
 * The records a partition appended last, as readers get them, kept from the moment they are
 * synced: a consumer that follows the head of the log (the store, rules and aggregator of
 * `tidemark up`) takes them from here instead of reading the segment file back and
 * decompressing what was compressed a moment before. Values, keys and headers are the produced
 * buffers themselves, which producers leave as they are once produced (Bus.produce): a copy of
 * every value was a tenth of a megabyte-sized import's server time with the collections that the
 * copies, allocated outside the heap, asked for. Offsets are contiguous: records that do not
 * follow the last kept one start the memory over.
 *
 * Records every reader that said where it is (`passed`) has gone past are let go at once: in
 * `tidemark up` the store and rules groups read each record moments after it is synced, and
 * keeping the budget's last megabytes anyway held tens of megabytes after an ingest burst. A
 * reader that never said, or was forgotten, does not hold anything back; whatever it needs that
 * is no longer kept it reads from the files, as any reader behind the kept records does.
 */
export class RecentRecords {
  private records: BusRecord[] = [];
  private head = 0;
  private bytes = 0;
  /** By reader (a consumer group): the offset it reads next. */
  private readonly readers = new Map<string, number>();

  constructor(
    private readonly topic: string,
    private readonly partition: number,
    private readonly maxBytes: number,
  ) {}

  /** Keeps `produced` (offsets from `firstOffset` on, record timestamps `stamps`), then drops the oldest past the budget. */
  add(firstOffset: number, produced: readonly ProduceRecord[], stamps: readonly number[]): void {
    if (this.maxBytes <= 0) return;
    const n = this.records.length;
    if (n > this.head && this.records[n - 1].offset + 1 !== firstOffset) this.clear();
    for (let i = 0; i < produced.length; i++) {
      const r = produced[i];
      const headers: Record<string, Buffer> = {};
      if (r.headers !== undefined) {
        for (const name of Object.keys(r.headers)) {
          // defineProperty: a header named `__proto__` must stay an own property, as decodeFrame keeps it.
          Object.defineProperty(headers, name, { value: r.headers[name], enumerable: true, writable: true, configurable: true });
        }
      }
      this.records.push({
        topic: this.topic,
        partition: this.partition,
        offset: firstOffset + i,
        timestampMs: stamps[i],
        key: r.key ?? null,
        value: r.value,
        headers,
      });
      this.bytes += r.value.length;
    }
    this.dropWhile(() => this.bytes > this.maxBytes);
  }

  /**
   * `reader` reads from `next` on: what every reader passed is let go. A reader may go back (a
   * redelivery after a failed handler, a seek); it then reads what is no longer kept from the files.
   */
  passed(reader: string, next: number): void {
    this.readers.set(reader, next);
    let min = Number.POSITIVE_INFINITY;
    for (const at of this.readers.values()) if (at < min) min = at;
    this.dropWhile(() => this.records[this.head].offset < min);
  }

  /** `reader` stopped reading this partition: it holds nothing back any more. */
  forget(reader: string): void {
    this.readers.delete(reader);
  }

  /** Drops the oldest kept records while `more()` says so. */
  private dropWhile(more: () => boolean): void {
    while (this.head < this.records.length && more()) {
      this.bytes -= this.records[this.head].value.length;
      this.records[this.head++] = undefined as unknown as BusRecord; // let it be collected
    }
    if (this.head === this.records.length) {
      if (this.head > 0) this.clear();
    } else if (this.head > 1024 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * The kept records from `offset` on, about `maxBytes` of values (at least one); undefined when
   * `offset` is not kept (older, or past the end), and the caller reads the files.
   */
  from(offset: number, maxBytes: number): BusRecord[] | undefined {
    const n = this.records.length;
    if (this.head >= n) return undefined;
    const first = this.records[this.head].offset;
    if (offset < first) return undefined;
    const i0 = this.head + (offset - first);
    if (i0 >= n) return undefined;
    let i = i0;
    let bytes = 0;
    while (i < n && (i === i0 || bytes < maxBytes)) bytes += this.records[i++].value.length;
    return this.records.slice(i0, i);
  }

  /** Lets every kept record go. */
  clear(): void {
    this.records = [];
    this.head = 0;
    this.bytes = 0;
  }
}
