import type { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { decodeInto, encodeBest, encodedSampleCount, type EncodedChunk } from './chunk-codec.js';
import { decodeMixedInto, encodeMixed, ENCODING_MIXED } from './mixed-chunk.js';
import { decodeWithStartsInto, encodeWithStarts, ENCODING_STARTS } from './start-timestamp-chunk.js';
import type { ChunkSink } from './chunk-sink.js';
import { histogramTakesPrecedence, takesPrecedence } from './sample-precedence.js';
import type { SampleTarget } from './sample-target.js';
import { timestampOrder } from './timestamp-order.js';
import { ENCODING_XOR, SAMPLES_PER_CHUNK, XorChunk } from './xor-chunk.js';
import { decodeXorFrom } from './xor-decode.js';
import { RESUME_SIZE } from './xor-resume.js';

/** The one point pushChunkFrom copies a plain array's into (decoding is synchronous). */
const resumePoint = new Float64Array(RESUME_SIZE);

/**
 * Columns of gathered samples; `histograms` is there only when some sample is a histogram, and
 * `startTimestamps` only when some sample has a start timestamp (0 where one has none).
 */
export interface SampleColumns {
  timestamps: Float64Array;
  values: Float64Array;
  stale: Uint8Array | null;
  histograms?: (FloatHistogram | null)[];
  startTimestamps?: Float64Array;
}

/**
 * Growable column arrays of samples, used to gather one series' samples from chunks of several
 * sources (head, out-of-order chunks, blocks) before handing them out as a `Series`. Native
 * histogram samples are gathered beside the float columns and merged into them (with a
 * `histograms` column) only when handed out, so float-only series never pay for them.
 */
export class SampleBuffer implements SampleTarget, ChunkSink {
  t: Float64Array;
  v: Float64Array;
  s: Uint8Array;
  length = 0;
  staleCount = 0;
  /** Set when a push went backwards in time: `sortDedupe()` must run before reading. */
  unsorted = false;
  /** Decoders may leave float values unwritten (SampleTarget.valuesUnused). */
  valuesUnused = false;
  /** Histogram samples gathered so far, in push order (null when none). */
  private histT: number[] | null = null;
  private histH: FloatHistogram[] | null = null;
  /** Start timestamps gathered so far (by sample timestamp, in push order; null when none). */
  private startT: number[] | null = null;
  private startS: number[] | null = null;

  constructor(capacity = 128) {
    this.t = new Float64Array(capacity);
    this.v = new Float64Array(capacity);
    this.s = new Uint8Array(capacity);
  }

  private grow(): void {
    this.reserve(Math.max(16, this.t.length));
  }

  /** Makes room for `extra` more samples (exactly: no doubling beyond what is asked). */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.t.length) return;
    const cap = Math.max(need, this.t.length * 2);
    const t = new Float64Array(cap);
    const v = new Float64Array(cap);
    const s = new Uint8Array(cap);
    t.set(this.t.subarray(0, this.length));
    v.set(this.v.subarray(0, this.length));
    s.set(this.s.subarray(0, this.length));
    this.t = t;
    this.v = v;
    this.s = s;
  }

  push(t: number, v: number, stale: boolean): void {
    const n = this.length;
    if (n === this.t.length) this.grow();
    if (n > 0 && t <= this.t[n - 1]) this.unsorted = true;
    this.t[n] = t;
    this.v[n] = v;
    this.s[n] = stale ? 1 : 0;
    if (stale) this.staleCount++;
    this.length = n + 1;
  }

  pushSamples(t: ArrayLike<number>, v: ArrayLike<number>, s: ArrayLike<number>, from: number, to: number): void {
    if (to <= from) return;
    const n = this.length;
    if (n + (to - from) > this.t.length) this.reserve(to - from);
    if (n > 0 && t[from] <= this.t[n - 1]) this.unsorted = true;
    let k = n;
    for (let i = from; i < to; i++, k++) {
      this.t[k] = t[i];
      this.v[k] = v[i];
      this.s[k] = s[i];
      this.staleCount += s[i];
    }
    this.length = k;
  }

  /** Adds a native-histogram sample. */
  pushHistogram(t: number, h: FloatHistogram): void {
    if (this.histT === null) {
      this.histT = [];
      this.histH = [];
    }
    this.histT.push(t);
    this.histH!.push(h);
  }

  /** Adds the start timestamp of the sample at `t` (the sample itself is pushed apart). */
  pushStartTimestamp(t: number, st: number): void {
    if (this.startT === null) {
      this.startT = [];
      this.startS = [];
    }
    this.startT.push(t);
    this.startS!.push(st);
  }

  /** Number of histogram samples gathered (tombstones drop from a position on). */
  get histogramCount(): number {
    return this.histT === null ? 0 : this.histT.length;
  }

  private readonly mixedSink = {
    pushFloat: (t: number, v: number, stale: boolean) => this.push(t, v, stale),
    pushHistogram: (t: number, h: FloatHistogram) => this.pushHistogram(t, h),
    pushStartTimestamp: (t: number, st: number) => this.pushStartTimestamp(t, st),
  };

  /** Decodes the samples of an XOR chunk that fall in [mint, maxt]. */
  pushChunk(bytes: Uint8Array, mint: number, maxt: number): void {
    this.pushEncoded(ENCODING_XOR, bytes, mint, maxt);
  }

  /** pushChunk from a resume point (ChunkSink.pushChunkFrom): room is made for the samples from it on only. */
  pushChunkFrom(bytes: Uint8Array, points: ArrayLike<number>, at: number, mint: number, maxt: number): void {
    // decodeXorFrom reads points from a Float64Array only: a head appender's plain array (the
    // decode threads already pass a Float64Array) is copied, one point, so that its loads of the
    // point stay monomorphic instead of generic keyed loads on the HTTP thread.
    let from = at;
    if (!(points instanceof Float64Array)) {
      for (let i = 0; i < RESUME_SIZE; i++) resumePoint[i] = points[at + i];
      points = resumePoint;
      from = 0;
    }
    const n = encodedSampleCount(bytes) - points[from];
    if (this.length + n > this.t.length) this.reserve(n);
    decodeXorFrom(bytes, points as Float64Array, from, this, mint, maxt);
  }

  /** Decodes the samples of a chunk of any encoding that fall in [mint, maxt]. */
  pushEncoded(encoding: number, bytes: Uint8Array, mint: number, maxt: number): void {
    const n = encodedSampleCount(bytes);
    if (this.length + n > this.t.length) this.reserve(n);
    if (encoding === ENCODING_MIXED) decodeMixedInto(bytes, this.mixedSink, mint, maxt);
    else if (encoding === ENCODING_STARTS) decodeWithStartsInto(bytes, this, mint, maxt);
    else decodeInto(encoding, bytes, this, mint, maxt);
  }

  /**
   * Hands out the samples without copying the time and value columns: the buffer gives them away
   * and starts over with fresh arrays of `nextCapacity`. Call after `sortDedupe()` if unsorted.
   */
  take(nextCapacity: number): SampleColumns {
    this.sortDedupe();
    const n = this.length;
    const out = this.withStarts(this.histT !== null ? this.withHistograms() : {
      timestamps: n === this.t.length ? this.t : this.t.subarray(0, n),
      values: n === this.v.length ? this.v : this.v.subarray(0, n),
      stale: this.staleCount > 0 ? this.s.slice(0, n) : null,
    });
    this.t = new Float64Array(nextCapacity);
    this.v = new Float64Array(nextCapacity);
    if (this.s.length < nextCapacity) this.s = new Uint8Array(nextCapacity);
    this.clear();
    return out;
  }

  /**
   * Starts over writing into the given column views (for example windows of one allocation
   * shared by every series of a select); `detach()` then hands out what was written.
   */
  attach(t: Float64Array, v: Float64Array): void {
    this.clear();
    this.t = t;
    this.v = v;
    if (this.s.length < t.length) this.s = new Uint8Array(Math.max(t.length, this.s.length * 2));
  }

  /** The written samples as views of the current columns (sorted and deduplicated first). */
  detach(): SampleColumns {
    this.sortDedupe();
    if (this.histT !== null) return this.withStarts(this.withHistograms());
    const n = this.length;
    return this.withStarts({ timestamps: this.t.subarray(0, n), values: this.v.subarray(0, n), stale: this.staleCount > 0 ? this.s.slice(0, n) : null });
  }

  /** Starts over with room for exactly `capacity` samples (new time/value arrays if too small). */
  resetFor(capacity: number): void {
    this.clear();
    if (this.t.length < capacity) {
      this.t = new Float64Array(capacity);
      this.v = new Float64Array(capacity);
    }
    if (this.s.length < capacity) this.s = new Uint8Array(capacity);
  }

  /**
   * Sorts by timestamp and keeps one sample per timestamp: of samples pushed for one timestamp
   * (overlapping sources), the one that takes precedence (sample-precedence.ts), whatever the
   * order they were pushed in.
   */
  sortDedupe(): void {
    if (!this.unsorted) return;
    const n = this.length;
    const t = this.t;
    const order = timestampOrder(t, n);
    const nt = new Float64Array(Math.max(n, 1));
    const nv = new Float64Array(Math.max(n, 1));
    const ns = new Uint8Array(Math.max(n, 1));
    let k = 0;
    let stale = 0;
    for (const i of order) {
      if (k > 0 && nt[k - 1] === t[i]) {
        if (takesPrecedence(this.v[i], this.s[i] === 1, nv[k - 1], ns[k - 1] === 1)) {
          stale += this.s[i] - ns[k - 1];
          nv[k - 1] = this.v[i];
          ns[k - 1] = this.s[i];
        }
        continue;
      }
      nt[k] = t[i];
      nv[k] = this.v[i];
      ns[k] = this.s[i];
      stale += ns[k];
      k++;
    }
    this.t = nt;
    this.v = nv;
    this.s = ns;
    this.length = k;
    this.staleCount = stale;
    this.unsorted = false;
  }

  /** Exact-length copies of the columns (stale is null when there is no marker). */
  columns(): SampleColumns {
    this.sortDedupe();
    if (this.histT !== null) return this.withStarts(this.withHistograms());
    const n = this.length;
    return this.withStarts({
      timestamps: this.t.slice(0, n),
      values: this.v.slice(0, n),
      stale: this.staleCount > 0 ? this.s.slice(0, n) : null,
    });
  }

  /**
   * The columns with a start timestamp column beside them when some sample kept has one (of two
   * pushed for one timestamp, the first wins, as for the samples).
   */
  private withStarts(c: SampleColumns): SampleColumns {
    const at = this.startT;
    if (at === null) return c;
    const byT = new Map<number, number>();
    for (let i = 0; i < at.length; i++) if (!byT.has(at[i])) byT.set(at[i], this.startS![i]);
    const ts = c.timestamps;
    const sts = new Float64Array(ts.length);
    let any = false;
    for (let i = 0; i < ts.length; i++) {
      const st = byT.get(ts[i]);
      if (st === undefined || st === 0) continue;
      sts[i] = st;
      any = true;
    }
    return any ? { ...c, startTimestamps: sts } : c;
  }

  /**
   * The float and histogram samples merged into fresh columns, in time order. Of a float and a
   * histogram at one timestamp the histogram stays; of two histograms, the one that takes
   * precedence (sample-precedence.ts).
   */
  private withHistograms(): SampleColumns {
    const ht = this.histT!;
    const hh = this.histH!;
    const order = ht.map((_, i) => i).sort((a, b) => ht[a] - ht[b] || a - b);
    const hts: number[] = [];
    const hhs: FloatHistogram[] = [];
    for (const i of order) {
      if (hts.length > 0 && hts[hts.length - 1] === ht[i]) {
        if (histogramTakesPrecedence(hh[i], hhs[hhs.length - 1])) hhs[hhs.length - 1] = hh[i];
        continue;
      }
      hts.push(ht[i]);
      hhs.push(hh[i]);
    }
    const total = this.length + hts.length;
    const timestamps = new Float64Array(total);
    const values = new Float64Array(total);
    const stale = new Uint8Array(total);
    const histograms: (FloatHistogram | null)[] = new Array(total);
    let k = 0;
    let j = 0;
    let anyStale = false;
    for (let i = 0; i < this.length; i++) {
      const t = this.t[i];
      while (j < hts.length && hts[j] <= t) {
        timestamps[k] = hts[j];
        values[k] = NaN;
        histograms[k++] = hhs[j++];
      }
      if (k > 0 && timestamps[k - 1] === t && histograms[k - 1] !== null) continue;
      timestamps[k] = t;
      values[k] = this.v[i];
      stale[k] = this.s[i];
      if (this.s[i] === 1) anyStale = true;
      histograms[k++] = null;
    }
    while (j < hts.length) {
      timestamps[k] = hts[j];
      values[k] = NaN;
      histograms[k++] = hhs[j++];
    }
    histograms.length = k;
    return { timestamps: timestamps.subarray(0, k), values: values.subarray(0, k), stale: anyStale ? stale.subarray(0, k) : null, histograms };
  }

  /** Removes samples at index >= `from` whose timestamp lies in one of the [mint, maxt] pairs. */
  dropFrom(from: number, intervals: readonly number[], histogramsFrom = this.histogramCount): void {
    if (this.histT !== null && histogramsFrom < this.histT.length) {
      const deleted = (t: number): boolean => {
        for (let j = 0; j < intervals.length; j += 2) if (t >= intervals[j] && t <= intervals[j + 1]) return true;
        return false;
      };
      const keepT = this.histT.slice(0, histogramsFrom);
      const keepH = this.histH!.slice(0, histogramsFrom);
      for (let i = histogramsFrom; i < this.histT.length; i++) {
        if (deleted(this.histT[i])) continue;
        keepT.push(this.histT[i]);
        keepH.push(this.histH![i]);
      }
      this.histT = keepT;
      this.histH = keepH;
    }
    let k = from;
    let stale = 0;
    for (let i = 0; i < from; i++) stale += this.s[i];
    for (let i = from; i < this.length; i++) {
      const t = this.t[i];
      let deleted = false;
      for (let j = 0; j < intervals.length; j += 2) {
        if (t >= intervals[j] && t <= intervals[j + 1]) {
          deleted = true;
          break;
        }
      }
      if (deleted) continue;
      this.t[k] = t;
      this.v[k] = this.v[i];
      this.s[k] = this.s[i];
      stale += this.s[i];
      k++;
    }
    this.length = k;
    this.staleCount = stale;
  }

  /** Encodes the (sorted) samples into XOR chunks of SAMPLES_PER_CHUNK. */
  encodeChunks(): XorChunk[] {
    this.sortDedupe();
    const out: XorChunk[] = [];
    const stale = this.staleCount > 0 ? this.s : null;
    for (let i = 0; i < this.length; i += SAMPLES_PER_CHUNK) out.push(XorChunk.encode(this.t, this.v, stale, i, Math.min(this.length, i + SAMPLES_PER_CHUNK)));
    return out;
  }

  /**
   * Encodes the (sorted) samples into chunks of up to `perChunk` samples, each in its smaller
   * encoding; with histograms among them, every chunk is a mixed chunk, and with start
   * timestamps (and no histograms), a float chunk with them.
   */
  encodeBestChunks(perChunk = SAMPLES_PER_CHUNK): EncodedChunk[] {
    this.sortDedupe();
    const c0 = this.histT === null && this.startT !== null ? this.columns() : null;
    if (c0 !== null && c0.startTimestamps !== undefined) {
      const sts = c0.startTimestamps;
      const chunks: EncodedChunk[] = [];
      for (let i = 0; i < c0.timestamps.length; i += perChunk) {
        const to = Math.min(c0.timestamps.length, i + perChunk);
        chunks.push({ encoding: ENCODING_STARTS, bytes: encodeWithStarts(c0.timestamps, c0.values, c0.stale, sts, i, to), minT: c0.timestamps[i], maxT: c0.timestamps[to - 1] });
      }
      return chunks;
    }
    if (this.histT !== null) {
      const c = this.columns();
      const chunks: EncodedChunk[] = [];
      for (let i = 0; i < c.timestamps.length; i += perChunk) {
        const to = Math.min(c.timestamps.length, i + perChunk);
        chunks.push({ encoding: ENCODING_MIXED, bytes: encodeMixed(c.timestamps, c.values, c.stale, c.histograms ?? null, i, to, c.startTimestamps ?? null), minT: c.timestamps[i], maxT: c.timestamps[to - 1] });
      }
      return chunks;
    }
    const out: EncodedChunk[] = [];
    const stale = this.staleCount > 0 ? this.s : null;
    for (let i = 0; i < this.length; i += perChunk) out.push(encodeBest(this.t, this.v, stale, i, Math.min(this.length, i + perChunk)));
    return out;
  }

  clear(): void {
    this.histT = null;
    this.histH = null;
    this.startT = null;
    this.startS = null;
    this.length = 0;
    this.staleCount = 0;
    this.unsorted = false;
  }
}
