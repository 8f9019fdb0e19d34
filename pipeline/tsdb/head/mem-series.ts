import type { Labels } from '../../../schemas/labels.js';
import { SampleBuffer, SAMPLES_PER_CHUNK, XorAppender, XorChunk, XorIterator, isStaleBits, joinFloat, sameValue } from '../chunks/index.js';

/** Result of looking a timestamp up in a series. */
export interface StoredSample {
  found: boolean;
  v: number;
  stale: boolean;
}

/**
 * One series in the head: closed in-order XOR chunks (trimmed copies), the open chunk's appender,
 * and out-of-order samples (a small sorted buffer, then XOR chunks of their own).
 * Chunks are cut at SAMPLES_PER_CHUNK samples and at chunk-range boundaries, so a chunk never
 * straddles a block boundary and can be copied into a block as it is.
 */
export class MemSeries {
  chunks: Uint8Array[] = [];
  /** minT, maxT of each closed chunk, flattened. */
  times: number[] = [];
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

  constructor(
    readonly ref: number,
    readonly labels: Labels,
    readonly hash: number,
  ) {}

  /** Appends a sample newer than `maxT`. */
  appendInOrder(t: number, v: number, stale: boolean, chunkRange: number): void {
    let app = this.app;
    if (app === null || app.count >= SAMPLES_PER_CHUNK || t >= this.chunkEnd) {
      if (app !== null) this.closeOpenChunk();
      app = this.app = new XorAppender(48);
      this.chunkEnd = (Math.floor(t / chunkRange) + 1) * chunkRange;
    }
    app.append(t, v, stale);
    this.lastHi = app.lastHi;
    this.lastLo = app.lastLo;
    this.maxT = t;
    if (t < this.minT) this.minT = t;
  }

  private closeOpenChunk(): void {
    const app = this.app;
    if (app === null) return;
    this.chunks.push(app.bytes());
    this.times.push(app.minT, app.maxT);
    this.app = null;
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
    const search = (bytes: Uint8Array): boolean => {
      const it = new XorIterator(bytes);
      while (it.next()) {
        if (it.t === t) {
          out.found = true;
          out.v = it.v;
          out.stale = it.stale;
          return true;
        }
        if (it.t > t) return false;
      }
      return false;
    };
    for (let i = 0; i < this.chunks.length; i++) {
      if (t >= this.times[2 * i] && t <= this.times[2 * i + 1] && search(this.chunks[i])) return out;
    }
    if (this.app !== null && t >= this.app.minT && t <= this.app.maxT && search(this.app.w.bytes)) return out;
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
      for (const c of this.oooChunks) if (t >= c.minT && t <= c.maxT && search(c.bytes)) return out;
    }
    return out;
  }

  /** Inserts an out-of-order sample (the caller checked it is not stored yet). */
  insertOutOfOrder(t: number, v: number, stale: boolean): void {
    if (this.oooT === null) {
      this.oooT = [];
      this.oooV = [];
      this.oooS = [];
    }
    const ts = this.oooT;
    let i = ts.length;
    while (i > 0 && ts[i - 1] > t) i--;
    ts.splice(i, 0, t);
    this.oooV!.splice(i, 0, v);
    this.oooS!.splice(i, 0, stale ? 1 : 0);
    if (t < this.minT) this.minT = t;
    if (ts.length >= SAMPLES_PER_CHUNK) {
      (this.oooChunks ??= []).push(XorChunk.encode(ts, this.oooV!, this.oooS!));
      this.oooT = this.oooV = this.oooS = null;
    }
  }

  /** Pushes the samples in [mint, maxt] into `buf` (which sorts and dedupes if needed). */
  collect(buf: SampleBuffer, mint: number, maxt: number): void {
    for (let i = 0; i < this.chunks.length; i++) {
      if (this.times[2 * i + 1] < mint || this.times[2 * i] > maxt) continue;
      buf.pushChunk(this.chunks[i], mint, maxt);
    }
    if (this.app !== null && this.app.maxT >= mint && this.app.minT <= maxt) buf.pushChunk(this.app.w.bytes, mint, maxt);
    if (this.oooChunks !== null) {
      for (const c of this.oooChunks) if (c.maxT >= mint && c.minT <= maxt) buf.pushChunk(c.bytes, mint, maxt);
    }
    if (this.oooT !== null) {
      const ts = this.oooT;
      for (let i = 0; i < ts.length; i++) if (ts[i] >= mint && ts[i] <= maxt) buf.push(ts[i], this.oooV![i], this.oooS![i] === 1);
    }
  }

  get hasOutOfOrder(): boolean {
    return this.oooT !== null || this.oooChunks !== null;
  }

  /** True when the series holds no samples at all. */
  get empty(): boolean {
    return this.chunks.length === 0 && this.app === null && !this.hasOutOfOrder;
  }

  /** Rewrites the series without the samples `drop` selects (deletion; rare). */
  rewrite(drop: (t: number) => boolean, chunkRange: number): void {
    const buf = new SampleBuffer();
    this.collect(buf, -Infinity, Infinity);
    buf.sortDedupe();
    this.chunks = [];
    this.times = [];
    this.app = null;
    this.oooT = this.oooV = this.oooS = null;
    this.oooChunks = null;
    this.maxT = -Infinity;
    this.minT = Infinity;
    for (let i = 0; i < buf.length; i++) {
      if (!drop(buf.t[i])) this.appendInOrder(buf.t[i], buf.v[i], buf.s[i] === 1, chunkRange);
    }
  }

  /**
   * Drops chunks entirely before `boundary` (they are in a block now) and out-of-order samples
   * before it; the open chunk goes too if it ended before the boundary.
   */
  truncate(boundary: number): void {
    let keep = 0;
    while (keep < this.chunks.length && this.times[2 * keep + 1] < boundary) keep++;
    if (keep > 0) {
      this.chunks = this.chunks.slice(keep);
      this.times = this.times.slice(2 * keep);
    }
    if (this.app !== null && this.app.maxT < boundary) this.app = null;
    if (this.oooChunks !== null) {
      const rest = this.oooChunks.filter((c) => c.maxT >= boundary);
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
    this.minT = Infinity;
    if (this.times.length > 0) this.minT = this.times[0];
    else if (this.app !== null) this.minT = this.app.minT;
    if (this.oooChunks !== null) for (const c of this.oooChunks) this.minT = Math.min(this.minT, c.minT);
    if (this.oooT !== null) this.minT = Math.min(this.minT, this.oooT[0]);
  }
}
