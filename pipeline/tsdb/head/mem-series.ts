import type { Labels } from '../../../schemas/labels.js';
import { withStoredCounterResetHint, type FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { ENCODING_XOR, SampleBuffer, type ChunkSink, SAMPLES_PER_CHUNK, XorAppender, XorChunk, encodeBest, encodeBestView, isStaleBits, type EncodedChunk, joinFloat, sameValue, histogramTakesPrecedence, takesPrecedence } from '../chunks/index.js';
import { ChunkArena } from './chunk-arena.js';
import { isSafeIntegerTime } from '../../../schemas/safe-integer-time.js';

/** The samples of an out-of-order chunk at or after `boundary`, as a chunk of their own. */
function keepFrom(c: XorChunk, boundary: number): XorChunk {
  scratch.clear();
  scratch.pushChunk(c.bytes, boundary, Infinity);
  return XorChunk.encode(scratch.t, scratch.v, scratch.staleCount > 0 ? scratch.s : null, 0, scratch.length);
}

/** Result of looking a timestamp up in a series. */
export interface StoredSample {
  found: boolean;
  v: number;
  stale: boolean;
}

/** Closed chunk meta per chunk in `meta`: minT, maxT, arena location, length * 256 + encoding. */
const M = 4;
const scratch = new SampleBuffer(SAMPLES_PER_CHUNK);
/** `appendInOrder`'s sample as columns for `appendInOrderAt`. */
const ONE_T = new Float64Array(1);
const ONE_V = new Float64Array(1);
const defaultArena = new ChunkArena();

/**
 * One series in the head: closed in-order chunks (in the head's shared slab arena, each in the
 * smaller of the XOR and decimal encodings), the open chunk's XOR appender, and out-of-order
 * samples (a small sorted buffer, then XOR chunks of their own).
 * Chunks are cut at SAMPLES_PER_CHUNK samples and at chunk-range boundaries, so a chunk never
 * straddles a block boundary and can be copied into a block as it is.
 */
export class MemSeries {
  /** Flattened closed-chunk meta, M numbers per chunk (see above). */
  private meta: number[] = [];
  app: XorAppender | null = null;
  private chunkEnd = 0;
  /** Last in-order timestamp; -Infinity when the series has none. */
  maxT = -Infinity;
  minT = Infinity;
  private lastHi = 0;
  private lastLo = 0;
  oooT: number[] | null = null;
  oooV: number[] | null = null;
  oooS: number[] | null = null;
  oooChunks: XorChunk[] | null = null;
  /**
   * Native-histogram samples, ascending by timestamp, held as values (null without any): they
   * are chunk-encoded when the head is cut into a block (a mixed chunk with the series' floats).
   */
  histT: number[] | null = null;
  histH: FloatHistogram[] | null = null;
  /**
   * Start timestamps of the samples that have one, ascending by sample timestamp (null without
   * any): a side column, so series without them pay nothing. A block gets them in mixed chunks.
   */
  startT: number[] | null = null;
  startS: number[] | null = null;
  /** Number of labels (the head's series lookup compares it instead of counting keys). */
  readonly labelCount: number;
  /**
   * End of the newest closed chunk a head checkpoint has written (-Infinity: none): the next
   * checkpoint writes only the closed chunks after it (head-checkpoint-writer.ts).
   */
  checkpointedMaxT = -Infinity;

  constructor(
    readonly ref: number,
    readonly labels: Labels,
    readonly hash: number,
    private readonly arena: ChunkArena = defaultArena,
  ) {
    this.labelCount = Object.keys(labels).length;
  }

  /** Number of closed in-order chunks. */
  get chunkCount(): number {
    return this.meta.length / M;
  }

  chunkMinT(i: number): number {
    return this.meta[M * i];
  }

  chunkMaxT(i: number): number {
    return this.meta[M * i + 1];
  }

  chunkEncoding(i: number): number {
    return this.meta[M * i + 3] & 0xff;
  }

  /** The bytes of closed chunk i (a view into the arena: copy it to keep it). */
  chunkBytes(i: number): Uint8Array {
    return this.arena.view(this.meta[M * i + 2], Math.floor(this.meta[M * i + 3] / 256));
  }

  /** Closed chunks as views (compatibility: allocates; the hot paths use the accessors above). */
  get chunks(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = 0; i < this.chunkCount; i++) out.push(this.chunkBytes(i));
    return out;
  }

  /** minT, maxT of each closed chunk, flattened (compatibility view). */
  get times(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.chunkCount; i++) out.push(this.meta[M * i], this.meta[M * i + 1]);
    return out;
  }

  /** Upper bound of the samples held in [mint, maxt]. */
  sampleBound(mint: number, maxt: number): number {
    let n = 0;
    const m = this.meta;
    for (let i = 0; i < m.length; i += M) {
      if (m[i + 1] < mint || m[i] > maxt) continue;
      n += this.arena.sampleCount(m[i + 2]);
    }
    // The open chunk as collect() reads it: only when it overlaps the range.
    const app = this.app;
    if (app !== null && app.maxT >= mint && app.minT <= maxt) {
      // From its resume point on when the range starts past one (collect reads it from there).
      const at = app.resumePointBefore(mint);
      n += app.count - (at < 0 ? 0 : app.resumePoints![at]);
    }
    if (this.oooChunks !== null) for (const c of this.oooChunks) n += c.numSamples;
    if (this.oooT !== null) n += this.oooT.length;
    if (this.histT !== null) n += this.histT.length;
    return n;
  }

  /**
   * Stores a histogram sample; an equal one at the same timestamp is ignored ('duplicate'), a
   * different one there takes the stored one's place if it takes precedence ('replaced',
   * sample-precedence.ts) and is refused otherwise ('conflict').
   */
  appendHistogram(t: number, h: FloatHistogram): 'added' | 'replaced' | 'duplicate' | 'conflict' {
    if (this.histT === null) {
      this.histT = [];
      this.histH = [];
    }
    const ts = this.histT;
    let i = ts.length;
    while (i > 0 && ts[i - 1] > t) i--;
    if (i > 0 && ts[i - 1] === t) {
      const stored = this.histH![i - 1];
      if (stored.equals(h)) return 'duplicate';
      if (!histogramTakesPrecedence(h, stored)) return 'conflict';
      this.histH![i - 1] = i > 1 && i === ts.length ? withStoredCounterResetHint(h, this.histH![i - 2]) : h;
      return 'replaced';
    }
    ts.splice(i, 0, t);
    this.histH!.splice(i, 0, i > 0 && i === ts.length - 1 ? withStoredCounterResetHint(h, this.histH![i - 1]) : h);
    if (t < this.minT) this.minT = t;
    return 'added';
  }

  /** Keeps the start timestamp of the sample at `t` (a later one for the same sample replaces it). */
  setStartTimestamp(t: number, st: number): void {
    if (this.startT === null) {
      this.startT = [];
      this.startS = [];
    }
    const ts = this.startT;
    let i = ts.length;
    while (i > 0 && ts[i - 1] > t) i--;
    if (i > 0 && ts[i - 1] === t) {
      this.startS![i - 1] = st;
      return;
    }
    ts.splice(i, 0, t);
    this.startS!.splice(i, 0, st);
  }

  /** Newest histogram timestamp (-Infinity without histograms). */
  get histogramMaxT(): number {
    return this.histT === null ? -Infinity : this.histT[this.histT.length - 1];
  }

  /** Appends a sample newer than `maxT`. */
  appendInOrder(t: number, v: number, stale: boolean, chunkRange: number): void {
    ONE_T[0] = t;
    ONE_V[0] = v;
    this.appendInOrderAt(ONE_T, ONE_V, 0, stale, chunkRange);
  }

  /** `appendInOrder` of sample `i` of the columns (see Head.appendRefAt). */
  appendInOrderAt(ts: ArrayLike<number>, vs: ArrayLike<number>, i: number, stale: boolean, chunkRange: number): void {
    const t = ts[i];
    let app = this.app;
    if (app === null || app.count >= SAMPLES_PER_CHUNK || t >= this.chunkEnd) {
      if (app !== null) {
        // The arena has copied the closed chunk: its appender, grown to a chunk's size, takes
        // the next one (a new one grew from 48 bytes again, new memory outside the heap each time).
        this.closeOpenChunk();
        app.reset();
        this.app = app;
      } else app = this.app = new XorAppender(48);
      this.chunkEnd = (Math.floor(t / chunkRange) + 1) * chunkRange;
    }
    app.appendAt(ts, vs, i, stale);
    this.lastHi = app.lastHi;
    this.lastLo = app.lastLo;
    this.maxT = t;
    if (t < this.minT) this.minT = t;
  }

  /**
   * Appends `ts[from..to)`, strictly increasing and newer than `maxT`, none of them a staleness
   * marker: the samples `appendInOrder` one by one would store, in the same chunks. A chunk the
   * run fills and goes past is encoded once from the columns (the smaller of XOR and decimal)
   * instead of sample by sample and then decoded again to choose; the run's last chunk stays
   * open, as after `appendInOrder`.
   */
  appendRunInOrder(ts: ArrayLike<number>, vs: ArrayLike<number>, from: number, to: number, chunkRange: number): void {
    let i = from;
    while (i < to) {
      let app = this.app;
      if (app !== null && app.count < SAMPLES_PER_CHUNK && ts[i] < this.chunkEnd) {
        let j = i;
        while (j < to && j - i < SAMPLES_PER_CHUNK - app.count && ts[j] < this.chunkEnd) j++;
        app.appendRun(ts, vs, i, j);
        i = j;
        continue;
      }
      if (app !== null) this.closeOpenChunk();
      const end = (Math.floor(ts[i] / chunkRange) + 1) * chunkRange;
      let j = i;
      while (j < to && j - i < SAMPLES_PER_CHUNK && ts[j] < end) j++;
      if (j < to) {
        // Closed by the run's next sample (the chunk is full, or that sample is past its range);
        // the arena copies the encoder's bytes.
        const best = encodeBestView(ts, vs, null, i, j);
        this.pushClosed(best.encoding, best.bytes, best.minT, best.maxT);
        this.app = null;
        i = j;
        continue;
      }
      // Sized for the run's samples (about 4 bytes each for counters' values): an appender grown
      // from 48 bytes was new memory outside the heap at each doubling.
      app = this.app = new XorAppender(Math.max(48, (j - i) * 4));
      this.chunkEnd = end;
      app.appendRun(ts, vs, i, j);
      i = j;
    }
    const app = this.app!;
    this.lastHi = app.lastHi;
    this.lastLo = app.lastLo;
    this.maxT = ts[to - 1];
    if (ts[from] < this.minT) this.minT = ts[from];
  }

  /** The open chunk in the smaller encoding (a copy; null without an open chunk). */
  openChunkBest(): EncodedChunk | null {
    return this.openChunkEncoded(encodeBest);
  }

  private openChunkEncoded(encode: typeof encodeBest): EncodedChunk | null {
    const app = this.app;
    if (app === null || app.count === 0) return null;
    const xor = app.view();
    scratch.clear();
    scratch.pushEncoded(ENCODING_XOR, xor, -Infinity, Infinity);
    return encode(scratch.t, scratch.v, scratch.staleCount > 0 ? scratch.s : null, 0, scratch.length, xor);
  }

  /** Moves the open chunk into the arena (which copies it), re-encoded as decimal when that is smaller. */
  private closeOpenChunk(): void {
    const best = this.openChunkEncoded(encodeBestView);
    if (best !== null) this.pushClosed(best.encoding, best.bytes, best.minT, best.maxT);
    this.app = null;
  }

  /** A closed chunk: `length` bytes of `src` at `offset` (all of it by default), copied into the arena. */
  private pushClosed(encoding: number, src: Uint8Array, minT: number, maxT: number, offset = 0, length = src.length - offset): void {
    this.meta.push(minT, maxT, this.arena.put(src, offset, length), length * 256 + encoding);
  }

  /**
   * Puts back a closed in-order chunk as it was written (a head checkpoint's): chunks come in time
   * order, newer than everything the series holds, never straddling a chunk range, and the newest
   * samples follow through appendInOrder (which sets the open chunk and the last value). The
   * chunk is `length` bytes of `src` at `offset` (the arena copies them: no view is made).
   */
  restoreClosedChunk(encoding: number, src: Uint8Array, offset: number, length: number, minT: number, maxT: number): void {
    this.pushClosed(encoding, src, minT, maxT, offset, length);
    if (minT < this.minT) this.minT = minT;
    this.maxT = maxT;
  }

  /** Whether (v, stale) equals the last in-order sample (the one at `maxT`). */
  sameAsLast(v: number, stale: boolean): boolean {
    if (isStaleBits(this.lastHi, this.lastLo)) return stale;
    if (stale) return false;
    return sameValue(this.lastValue(), v);
  }

  private lastValue(): number {
    return joinFloat(this.lastHi, this.lastLo);
  }

  /** Finds a stored sample at exactly `t` (slow path: decodes the chunks that may hold it). */
  lookup(t: number, out: StoredSample): StoredSample {
    out.found = false;
    const search = (encoding: number, bytes: Uint8Array): boolean => {
      scratch.clear();
      scratch.pushEncoded(encoding, bytes, t, t);
      if (scratch.length === 0) return false;
      out.found = true;
      out.v = scratch.v[0];
      out.stale = scratch.s[0] === 1;
      return true;
    };
    const m = this.meta;
    for (let i = 0; i < m.length; i += M) {
      if (t >= m[i] && t <= m[i + 1] && search(this.chunkEncoding(i / M), this.chunkBytes(i / M))) return out;
    }
    if (this.app !== null && t >= this.app.minT && t <= this.app.maxT && search(ENCODING_XOR, this.app.view())) return out;
    if (this.oooT !== null) {
      const i = this.oooT.indexOf(t);
      if (i >= 0) {
        out.found = true;
        out.v = this.oooV![i];
        out.stale = this.oooS![i] === 1;
        return out;
      }
    }
    if (this.oooChunks !== null) {
      for (const c of this.oooChunks) if (t >= c.minT && t <= c.maxT && search(ENCODING_XOR, c.bytes)) return out;
    }
    return out;
  }

  /**
   * Inserts an out-of-order sample: one not stored yet, or one that takes precedence over the
   * stored one at its timestamp (reads and cuts keep it, sample-precedence.ts).
   */
  insertOutOfOrder(t: number, v: number, stale: boolean): void {
    if (this.oooT === null) {
      this.oooT = [];
      this.oooV = [];
      this.oooS = [];
    }
    const ts = this.oooT;
    let i = ts.length;
    while (i > 0 && ts[i - 1] > t) i--;
    if (i > 0 && ts[i - 1] === t) {
      // One entry per timestamp (a chunk encoded from these must not hold two): the one that
      // takes precedence.
      if (takesPrecedence(v, stale, this.oooV![i - 1], this.oooS![i - 1] === 1)) {
        this.oooV![i - 1] = v;
        this.oooS![i - 1] = stale ? 1 : 0;
      }
      return;
    }
    // At the end (samples arriving in order) a push: splice allocates an array for what it removes.
    if (i === ts.length) {
      ts.push(t);
      this.oooV!.push(v);
      this.oooS!.push(stale ? 1 : 0);
    } else {
      ts.splice(i, 0, t);
      this.oooV!.splice(i, 0, v);
      this.oooS!.splice(i, 0, stale ? 1 : 0);
    }
    if (t < this.minT) this.minT = t;
    if (ts.length >= SAMPLES_PER_CHUNK) this.sealOutOfOrderBuffer();
  }

  private sealOutOfOrderBuffer(): void {
    (this.oooChunks ??= []).push(XorChunk.encode(this.oooT!, this.oooV!, this.oooS!));
    this.oooT = this.oooV = this.oooS = null;
  }

  /**
   * Takes `ts[from..to)` (no staleness markers) while each sample is older than `before`, older
   * than every in-order sample, newer than every out-of-order one and a whole number of
   * milliseconds: the older part of a backfilled series, in order. None of them can be stored
   * yet, so each is kept as insertOutOfOrder would keep it without looking it up first. Returns
   * the index of the first sample not taken.
   */
  appendOutOfOrderRun(ts: ArrayLike<number>, vs: ArrayLike<number>, from: number, to: number, before: number): number {
    const below = Math.min(before, this.inOrderMinT());
    let last = this.outOfOrderMaxT();
    let end = from;
    for (; end < to; end++) {
      const t = ts[end];
      if (!(t > last && t < below) || !isSafeIntegerTime(t)) break;
      last = t;
    }
    // A buffer a piece at a time: a whole chunk encoded from the run, a new buffer as a copy of
    // exactly its samples (arrays grown sample by sample were most of what a backfill allocated).
    for (let i = from; i < end; ) {
      const held = this.oooT === null ? 0 : this.oooT.length;
      const take = Math.min(end - i, SAMPLES_PER_CHUNK - held);
      if (held === 0 && take === SAMPLES_PER_CHUNK) (this.oooChunks ??= []).push(XorChunk.encode(ts, vs, null, i, i + take));
      else if (this.oooT === null) {
        this.oooT = Array.prototype.slice.call(ts, i, i + take) as number[];
        this.oooV = Array.prototype.slice.call(vs, i, i + take) as number[];
        this.oooS = new Array<number>(take).fill(0);
      } else {
        for (let k = i; k < i + take; k++) {
          this.oooT.push(ts[k]);
          this.oooV!.push(vs[k]);
          this.oooS!.push(0);
        }
        if (this.oooT.length >= SAMPLES_PER_CHUNK) this.sealOutOfOrderBuffer();
      }
      i += take;
    }
    if (end > from && ts[from] < this.minT) this.minT = ts[from];
    return end;
  }

  /**
   * Pushes the samples in [mint, maxt] into `buf` (which sorts and dedupes if needed). Closed
   * chunks are views into the arena's shared slabs; the open and out-of-order chunks are not
   * shared (they change), so a sink that keeps them past this call copies them.
   */
  collect(buf: ChunkSink, mint: number, maxt: number): void {
    // Out-of-order samples that all precede the in-order chunks (a backfilled series' older part)
    // go first, so the sink receives the series in order and need not sort it.
    const outOfOrderFirst = this.hasOutOfOrder && this.outOfOrderMaxT() < this.inOrderMinT();
    if (outOfOrderFirst) this.collectOutOfOrder(buf, mint, maxt);
    const m = this.meta;
    for (let i = 0; i < m.length; i += M) {
      if (m[i + 1] < mint || m[i] > maxt) continue;
      const loc = m[i + 2];
      const length = Math.floor(m[i + 3] / 256);
      if (buf.pushSpan !== undefined) buf.pushSpan(m[i + 3] & 0xff, this.arena.bufferOf(loc), this.arena.offsetOf(loc), length);
      else buf.pushEncoded(m[i + 3] & 0xff, this.arena.view(loc, length), mint, maxt);
    }
    const app = this.app;
    // The written bytes only: a sink that keeps the open chunk copies it, and its buffer has room to grow.
    // A range that starts past one of its resume points (the last minutes) is read from there.
    if (app !== null && app.maxT >= mint && app.minT <= maxt) {
      const at = app.resumePointBefore(mint);
      if (at < 0) buf.pushChunk(app.view(), mint, maxt);
      else buf.pushChunkFrom(app.view(), app.resumePoints!, at, mint, maxt);
    }
    if (!outOfOrderFirst) this.collectOutOfOrder(buf, mint, maxt);
    if (this.histT !== null) {
      const ts = this.histT;
      for (let i = 0; i < ts.length; i++) if (ts[i] >= mint && ts[i] <= maxt) buf.pushHistogram(ts[i], this.histH![i]);
    }
    if (this.startT !== null) {
      const ts = this.startT;
      for (let i = 0; i < ts.length; i++) if (ts[i] >= mint && ts[i] <= maxt) buf.pushStartTimestamp(ts[i], this.startS![i]);
    }
  }

  private collectOutOfOrder(buf: ChunkSink, mint: number, maxt: number): void {
    if (this.oooChunks !== null) {
      for (const c of this.oooChunks) if (c.maxT >= mint && c.minT <= maxt) buf.pushChunk(c.bytes, mint, maxt);
    }
    const ts = this.oooT;
    if (ts !== null) {
      // Sorted: the samples in range are one stretch of it.
      let from = 0;
      while (from < ts.length && ts[from] < mint) from++;
      let to = from;
      while (to < ts.length && ts[to] <= maxt) to++;
      buf.pushSamples(ts, this.oooV!, this.oooS!, from, to);
    }
  }

  /** Newest out-of-order timestamp (-Infinity without any). */
  private outOfOrderMaxT(): number {
    let max = -Infinity;
    if (this.oooChunks !== null) for (const c of this.oooChunks) if (c.maxT > max) max = c.maxT;
    if (this.oooT !== null && this.oooT.length > 0) max = Math.max(max, this.oooT[this.oooT.length - 1]);
    return max;
  }

  /** Oldest in-order timestamp (Infinity without any). */
  private inOrderMinT(): number {
    if (this.meta.length > 0) return this.meta[0];
    return this.app !== null ? this.app.minT : Infinity;
  }

  /**
   * Oldest timestamp at or after `bound` (Infinity when none). An out-of-order chunk straddling
   * `bound` counts from `bound`: a lower bound is all the cut decision needs.
   */
  minTimeFrom(bound: number): number {
    if (this.minT >= bound) return this.minT;
    let min = Infinity;
    if (this.meta.length > 0) min = Math.max(this.meta[0], bound);
    else if (this.app !== null) min = Math.max(this.app.minT, bound);
    if (this.oooChunks !== null) for (const c of this.oooChunks) if (c.maxT >= bound) min = Math.min(min, Math.max(c.minT, bound));
    // Both buffers are sorted: one whose newest is below `bound` holds nothing at or after it (a
    // backfilled series' buffer is, and cuts ask this of every series on each flush).
    const ooo = this.oooT;
    if (ooo !== null && ooo.length > 0 && ooo[ooo.length - 1] >= bound) {
      for (const t of ooo) {
        if (t >= bound) {
          min = Math.min(min, t);
          break;
        }
      }
    }
    if (this.histT !== null && this.histT.length > 0 && this.histT[this.histT.length - 1] >= bound) {
      for (const t of this.histT) {
        if (t >= bound) {
          min = Math.min(min, t);
          break;
        }
      }
    }
    return min;
  }

  /**
   * The out-of-order samples as XOR chunks: the full ones as they are, the buffer encoded. With
   * the closed chunks and the open one they are all of the series' floats; they overlap those.
   */
  outOfOrderChunks(): XorChunk[] {
    const out = this.oooChunks === null ? [] : [...this.oooChunks];
    if (this.oooT !== null && this.oooT.length > 0) out.push(XorChunk.encode(this.oooT, this.oooV!, this.oooS!));
    return out;
  }

  /** Out-of-order samples not in a chunk yet: collect() pushes at most this many as loose samples. */
  get looseSampleCount(): number {
    return this.oooT === null ? 0 : this.oooT.length;
  }

  get hasOutOfOrder(): boolean {
    return this.oooT !== null || this.oooChunks !== null;
  }

  /** True when the series holds no samples at all. */
  get empty(): boolean {
    return this.meta.length === 0 && this.app === null && !this.hasOutOfOrder && this.histT === null;
  }

  /** Rewrites the series without the samples `drop` selects (deletion; rare). */
  rewrite(drop: (t: number) => boolean, chunkRange: number): void {
    const buf = new SampleBuffer();
    this.collect(buf, -Infinity, Infinity);
    buf.sortDedupe();
    const histT = this.histT;
    const histH = this.histH;
    const startT = this.startT;
    const startS = this.startS;
    this.histT = this.histH = null;
    this.startT = this.startS = null;
    this.dropClosed(this.chunkCount);
    this.app = null;
    this.oooT = this.oooV = this.oooS = null;
    this.oooChunks = null;
    this.maxT = -Infinity;
    this.minT = Infinity;
    // Its closed chunks are new ones, which no checkpoint holds yet (a later one may end earlier).
    this.checkpointedMaxT = -Infinity;
    if (histT !== null) for (let i = 0; i < histT.length; i++) if (!drop(histT[i])) this.appendHistogram(histT[i], histH![i]);
    if (startT !== null) for (let i = 0; i < startT.length; i++) if (!drop(startT[i])) this.setStartTimestamp(startT[i], startS![i]);
    for (let i = 0; i < buf.length; i++) {
      if (!drop(buf.t[i])) this.appendInOrder(buf.t[i], buf.v[i], buf.s[i] === 1, chunkRange);
    }
  }

  /**
   * Drops chunks entirely before `boundary` (they are in a block now) and out-of-order samples
   * before it; the open chunk goes too if it ended before the boundary.
   */
  truncate(boundary: number): void {
    let drop = 0;
    while (drop < this.chunkCount && this.meta[M * drop + 1] < boundary) drop++;
    this.dropClosed(drop);
    if (this.app !== null && this.app.maxT < boundary) this.app = null;
    if (this.oooChunks !== null) {
      const rest: XorChunk[] = [];
      for (const c of this.oooChunks) {
        if (c.maxT < boundary) continue;
        if (c.minT >= boundary) rest.push(c);
        else rest.push(keepFrom(c, boundary)); // out-of-order chunks can straddle the boundary
      }
      this.oooChunks = rest.length > 0 ? rest : null;
    }
    if (this.oooT !== null) {
      const ts = this.oooT;
      let i = 0;
      while (i < ts.length && ts[i] < boundary) i++;
      if (i > 0) {
        ts.splice(0, i);
        this.oooV!.splice(0, i);
        this.oooS!.splice(0, i);
      }
      if (ts.length === 0) this.oooT = this.oooV = this.oooS = null;
    }
    if (this.histT !== null) {
      let i = 0;
      while (i < this.histT.length && this.histT[i] < boundary) i++;
      if (i === this.histT.length) this.histT = this.histH = null;
      else if (i > 0) {
        this.histT.splice(0, i);
        this.histH!.splice(0, i);
      }
    }
    if (this.startT !== null) {
      let i = 0;
      while (i < this.startT.length && this.startT[i] < boundary) i++;
      if (i === this.startT.length) this.startT = this.startS = null;
      else if (i > 0) {
        this.startT.splice(0, i);
        this.startS!.splice(0, i);
      }
    }
    this.minT = Infinity;
    if (this.histT !== null) this.minT = this.histT[0];
    if (this.meta.length > 0) this.minT = Math.min(this.minT, this.meta[0]);
    else if (this.app !== null) this.minT = this.app.minT;
    if (this.oooChunks !== null) for (const c of this.oooChunks) this.minT = Math.min(this.minT, c.minT);
    if (this.oooT !== null) this.minT = Math.min(this.minT, this.oooT[0]);
  }

  /** Frees the first `n` closed chunks. */
  private dropClosed(n: number): void {
    if (n === 0) return;
    for (let i = 0; i < n; i++) this.arena.free(this.meta[M * i + 2], Math.floor(this.meta[M * i + 3] / 256));
    this.meta.splice(0, M * n);
  }

  /** Moves closed chunks out of sparse arena slabs (after truncation), so those slabs can go. */
  relocateSparse(): void {
    const m = this.meta;
    for (let i = 0; i < m.length; i += M) {
      if (!this.arena.isSparse(m[i + 2])) continue;
      const len = Math.floor(m[i + 3] / 256);
      const loc = this.arena.put(this.arena.view(m[i + 2], len));
      this.arena.free(m[i + 2], len);
      m[i + 2] = loc;
    }
  }
}
