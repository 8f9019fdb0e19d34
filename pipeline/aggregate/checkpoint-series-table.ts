/**
 * The input series a checkpoint (version 2) points into: each one's labels once, as indexes into
 * the checkpoint's string table, however many rules it feeds. Kept by the aggregator from one
 * checkpoint of a file to the next: a running aggregator's series are mostly those of its last
 * checkpoint, so their labels are not split and looked up again, and a rule's series rows on a
 * partition whose series did not change since are written as they were (building the table and
 * the rows was half of a checkpoint's CPU in a profile of the aggregation bench).
 */
import { canonicalLabels } from '../../schemas/index.js';
import type { PartitionState } from './partition-state.js';

// canonicalLabels() writes `name SEP value SEP` per label; the separator is read off it here.
const SEP = canonicalLabels({ a: '' })[1]!;

/**
 * Series the table may hold beyond twice those the last checkpoint pointed to (series forgotten
 * since they were added) before it starts over.
 */
const SLACK = 1024;

const bigEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;

/** A typed array's bytes as base64, little-endian whatever the host. */
export function base64Of(a: Int32Array | Float64Array): string {
  const bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  if (!bigEndian) return bytes.toString('base64');
  const copy = Buffer.from(bytes);
  if (a instanceof Int32Array) copy.swap32();
  else copy.swap64();
  return copy.toString('base64');
}

/** Whether typed arrays on this host are big-endian (a checkpoint's are little-endian). */
export const hostIsBigEndian = bigEndian;

/** A partition state's series rows as last written: valid while its series and the table are unchanged. */
interface WrittenRows {
  readonly version: number;
  readonly epoch: number;
  readonly rows: Int32Array;
  readonly text: string;
}

export class CheckpointSeriesTable {
  /** Label names and values, each once. */
  strings: string[] = [];
  private stringIndex = new Map<string, number>();
  private index = new Map<string, number>();
  /** Per series, its label count then its labels' string indexes (name, value pairs). */
  private flat = new Int32Array(1024);
  private used = 0;
  private encoded: string | undefined;
  /** Moves on when the table starts over: rows written before point into the old one. */
  private epoch = 0;
  private readonly written = new WeakMap<PartitionState, WrittenRows>();
  /** Series the checkpoint being written points to (marked once each), and how many. */
  private marks = new Uint8Array(0);
  private referenced = 0;

  /**
   * Starts a checkpoint: a table holding more than twice the series the last one pointed to
   * (plus some slack) starts over, so series forgotten long ago do not stay in it.
   */
  begin(): void {
    if (this.index.size > 2 * this.referenced + SLACK) {
      this.strings = [];
      this.stringIndex = new Map();
      this.index = new Map();
      this.used = 0;
      this.encoded = undefined;
      this.epoch++;
    }
    this.marks = new Uint8Array(this.index.size);
    this.referenced = 0;
  }

  /**
   * The series rows of a partition state (its series' indexes in this table, in the state's
   * order), base64 of little-endian int32s, and how many there are.
   */
  rowsOf(ps: PartitionState): { readonly text: string; readonly count: number } {
    let w = this.written.get(ps);
    if (w === undefined || w.version !== ps.seriesVersion || w.epoch !== this.epoch) {
      const rows = new Int32Array(ps.series.size);
      let i = 0;
      for (const key of ps.series.keys()) rows[i++] = this.of(key);
      w = { version: ps.seriesVersion, epoch: this.epoch, rows, text: base64Of(rows) };
      this.written.set(ps, w);
    }
    const rows = w.rows;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      // Series added by this checkpoint are past the marks' end: counted as they are added.
      if (r < this.marks.length && this.marks[r] === 0) {
        this.marks[r] = 1;
        this.referenced++;
      }
    }
    return { text: w.text, count: rows.length };
  }

  /** The table as a checkpoint holds it: base64 of little-endian int32s. */
  text(): string {
    return (this.encoded ??= base64Of(this.flat.subarray(0, this.used)));
  }

  private of(key: string): number {
    let i = this.index.get(key);
    if (i !== undefined) return i;
    i = this.index.size;
    this.index.set(key, i);
    this.encoded = undefined;
    this.referenced++;
    const parts = key.split(SEP);
    parts.pop();
    this.room(parts.length + 1);
    this.flat[this.used++] = parts.length;
    for (const p of parts) this.flat[this.used++] = this.stringOf(p);
    return i;
  }

  private stringOf(s: string): number {
    let i = this.stringIndex.get(s);
    if (i === undefined) this.stringIndex.set(s, (i = this.strings.push(s) - 1));
    return i;
  }

  private room(n: number): void {
    if (this.used + n <= this.flat.length) return;
    const grown = new Int32Array(Math.max(this.flat.length * 2, this.used + n));
    grown.set(this.flat);
    this.flat = grown;
  }
}
