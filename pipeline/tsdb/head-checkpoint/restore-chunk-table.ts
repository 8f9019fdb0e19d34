import { encodedSampleCount } from '../chunks/index.js';

/**
 * The chunks a checkpoint restore has read, by series: where each lies (a buffer the restore read,
 * an offset and a length), its encoding and time range, in columns, with each series' chunks
 * chained in the order they were added. One object and one view per chunk, held until every file
 * was read, were most of what the young generation copied while a start opened its shards.
 */
export class RestoreChunkTable {
  private readonly buffers: Uint8Array[] = [];
  private cap = 0;
  private n = 0;
  private buf = new Int32Array(0);
  private off = new Int32Array(0);
  private len = new Int32Array(0);
  private enc = new Uint8Array(0);
  private lo = new Float64Array(0);
  private hi = new Float64Array(0);
  private nextOf = new Int32Array(0);
  // By series ref (refs are dense): its first and last chunk, -1 for none.
  private firstOf = new Int32Array(0);
  private lastOf = new Int32Array(0);
  /** Series refs in the order their first chunks were attached. */
  readonly refs: number[] = [];

  /** Registers a buffer chunks lie in; returns its number for `push`. */
  addBuffer(b: Uint8Array): number {
    this.buffers.push(b);
    return this.buffers.length - 1;
  }

  /** Adds a chunk not attached to a series yet (see `attach`); returns its number. */
  push(buffer: number, offset: number, length: number, encoding: number, minT: number, maxT: number): number {
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    this.buf[i] = buffer;
    this.off[i] = offset;
    this.len[i] = length;
    this.enc[i] = encoding;
    this.lo[i] = minT;
    this.hi[i] = maxT;
    this.nextOf[i] = -1;
    return i;
  }

  /** Number of chunks pushed so far (the next one's number). */
  get count(): number {
    return this.n;
  }

  /** Appends the chunks pushed from number `from` on to series `ref`'s chain, in order. */
  attach(ref: number, from: number): void {
    if (from >= this.n) return;
    if (ref >= this.firstOf.length) this.growRefs(ref);
    for (let i = from; i < this.n - 1; i++) this.nextOf[i] = i + 1;
    const last = this.lastOf[ref];
    if (last < 0) {
      this.firstOf[ref] = from;
      this.refs.push(ref);
    } else this.nextOf[last] = from;
    this.lastOf[ref] = this.n - 1;
  }

  /** Series `ref`'s first chunk, -1 for none; `next` walks on. */
  first(ref: number): number {
    return ref < this.firstOf.length ? this.firstOf[ref] : -1;
  }

  /** The chunk after `i` in its series, -1 after the last. */
  next(i: number): number {
    return this.nextOf[i];
  }

  encoding(i: number): number {
    return this.enc[i];
  }

  minT(i: number): number {
    return this.lo[i];
  }

  maxT(i: number): number {
    return this.hi[i];
  }

  length(i: number): number {
    return this.len[i];
  }

  offset(i: number): number {
    return this.off[i];
  }

  /** The buffer chunk `i` lies in (at `offset(i)`, `length(i)` bytes). */
  source(i: number): Uint8Array {
    return this.buffers[this.buf[i]];
  }

  /** The sample count in chunk `i`'s header (read in place, no view made). */
  sampleCount(i: number): number {
    return encodedSampleCount(this.buffers[this.buf[i]], this.off[i], this.len[i]);
  }

  /** A view of chunk `i`'s bytes (no copy). */
  bytes(i: number): Uint8Array {
    const o = this.off[i];
    return this.buffers[this.buf[i]].subarray(o, o + this.len[i]);
  }

  private grow(): void {
    const cap = Math.max(1024, this.cap * 2);
    const widen = <T extends Int32Array | Uint8Array | Float64Array>(a: T, b: T): T => {
      b.set(a);
      return b;
    };
    this.buf = widen(this.buf, new Int32Array(cap));
    this.off = widen(this.off, new Int32Array(cap));
    this.len = widen(this.len, new Int32Array(cap));
    this.enc = widen(this.enc, new Uint8Array(cap));
    this.lo = widen(this.lo, new Float64Array(cap));
    this.hi = widen(this.hi, new Float64Array(cap));
    this.nextOf = widen(this.nextOf, new Int32Array(cap));
    this.cap = cap;
  }

  private growRefs(ref: number): void {
    const size = Math.max(1024, ref + 1, this.firstOf.length * 2);
    const first = new Int32Array(size).fill(-1);
    const last = new Int32Array(size).fill(-1);
    first.set(this.firstOf);
    last.set(this.lastOf);
    this.firstOf = first;
    this.lastOf = last;
  }
}
