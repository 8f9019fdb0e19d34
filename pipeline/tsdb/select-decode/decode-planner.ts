import type { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { deletedIntervals, type Block } from '../block/index.js';
import { ENCODING_MIXED, ENCODING_STARTS, ENCODING_XOR, RESUME_SIZE, type ChunkSink } from '../chunks/index.js';
import { sharedMemory } from '../shared-memory/index.js';
import { OP_CHUNK, OP_CHUNK_FROM, OP_DROP, OP_MARK, OP_SAMPLES, OP_SIZE, SERIES_HEADER, splitDecodeJob, type DecodeJob } from './decode-job.js';

/** Source 0 of every job: the copies of chunks that are not in shared memory. */
const COPIES = 0;
const NO_COPIES = new SharedArrayBuffer(0);

/**
 * What a select knows it will plan before planning it, so the planner makes its arrays that size
 * once instead of growing them: an upper bound on the loose samples its sources will push, and
 * its series count. Arrays still grow past a wrong guess.
 */
export interface PlanSizes {
  readonly looseSamples: number;
  readonly series: number;
}

const NO_SIZES: PlanSizes = { looseSamples: 0, series: 0 };
const MIN_LOOSE = 256;
const MIN_OPS = 1024;
/**
 * Ops a series takes at least, most of the time (a block's mark and chunk, or two head chunks): the
 * op stream starts that long, so it grows a time or two rather than from nothing, and is never
 * made much longer than it needs.
 */
const OPS_PER_SERIES = 2;
const EMPTY_T = new Float64Array(0);
const EMPTY_S = new Uint8Array(0);
/** A resume point on its way into the copies, as bytes. */
const POINT = new Float64Array(RESUME_SIZE);
const POINT_BYTES = new Uint8Array(POINT.buffer);

/**
 * Records, series by series, what a select would decode (DecodeJob), in the order a SampleBuffer
 * would be fed: a series' block chunks (`block()`), then its head chunks (MemSeries.collect with
 * the planner as the sink). Chunks in shared memory are referred to where they are; others (the
 * head's open and out-of-order chunks, which keep changing) are copied. A series that holds
 * native histograms is left out (`endSeries()` says so): its caller decodes it in place.
 */
export class DecodePlanner implements ChunkSink {
  /** The op stream (DecodeJob.ops), `length` numbers of it written. */
  private ops: Float64Array;
  private length = 0;
  private readonly seriesAt: number[] = [];
  private readonly sources: SharedArrayBuffer[] = [NO_COPIES];
  private readonly sourceIndex = new Map<SharedArrayBuffer, number>();
  private lastSource: SharedArrayBuffer | null = null;
  private lastSourceIndex = -1;
  /** The copied chunks, back to back (`copiedBytes` of it used): one growing array, not one a chunk. */
  private copies = new Uint8Array(4096);
  private copiedBytes = 0;
  /**
   * Loose samples, `looseCount` of them written, in shared memory: the jobs refer to them there
   * instead of each carrying a copy to its thread. Made on the first push, `looseCapacity` long
   * (or longer when that push needs it), grown by doubling past that.
   */
  private looseT: Float64Array = EMPTY_T;
  private looseV: Float64Array = EMPTY_T;
  private looseS: Uint8Array = EMPTY_S;
  private looseCount = 0;
  private readonly looseCapacity: number;
  private readonly intervals: number[] = [];
  private seriesStart = -1;
  private opCount = 0;
  private histograms = false;
  /** Sum of the planned series' bounds. */
  totalBound = 0;

  constructor(
    readonly mint: number,
    readonly maxt: number,
    readonly valuesUnused: boolean,
    sizes: PlanSizes = NO_SIZES,
    /**
     * Whether chunks may be planned from a resume point (OP_CHUNK_FROM); without, such a chunk is
     * planned whole (a plan for another process: the select-chunks wire carries whole chunks).
     * Its samples before the point precede the range, so the series' bound holds either way.
     */
    private readonly resumes = true,
    /** The select needs presence only, under this lookback (DecodeJob.presenceLookback). */
    private readonly presenceLookback?: number,
  ) {
    this.looseCapacity = Math.max(MIN_LOOSE, sizes.looseSamples);
    this.ops = new Float64Array(Math.max(MIN_OPS, sizes.series * (SERIES_HEADER + OP_SIZE * OPS_PER_SERIES)));
  }

  /** Series planned so far. */
  get seriesCount(): number {
    return this.seriesAt.length;
  }

  /** Starts a series of at most `bound` samples. */
  beginSeries(bound: number): void {
    this.seriesStart = this.length;
    this.opCount = 0;
    this.histograms = false;
    this.reserve(SERIES_HEADER);
    this.ops[this.length++] = bound;
    this.ops[this.length++] = 0;
  }

  /**
   * Ends the series: true when it is planned, false when it holds native histograms (its ops are
   * dropped; decode it in place).
   */
  endSeries(): boolean {
    if (this.histograms) {
      this.length = this.seriesStart;
      return false;
    }
    this.ops[this.seriesStart + 1] = this.opCount;
    this.seriesAt.push(this.seriesStart);
    const bound = this.ops[this.seriesStart];
    this.totalBound += bound;
    return true;
  }

  /** Series `id` of `block`, as Block.collect reads it: its chunks in range, then its tombstones. */
  block(block: Block, id: number): void {
    this.op(OP_MARK, 0, 0, 0, 0);
    block.chunkSpans(id, this.mint, this.maxt, this.pushSpan);
    if (block.tombstones.length > 0) {
      const del = deletedIntervals(block.tombstones, block.series[id].labels);
      if (del !== null) {
        this.op(OP_DROP, this.intervals.length, del.length, 0, 0);
        for (const x of del) this.intervals.push(x);
      }
    }
  }

  /** A chunk where it lies in shared memory (a block's file, a head arena slab): referred to, not copied. */
  readonly pushSpan = (encoding: number, file: SharedArrayBuffer, at: number, length: number): void => {
    if (encoding === ENCODING_MIXED || encoding === ENCODING_STARTS) this.histograms = true;
    else this.op(OP_CHUNK, encoding, this.source(file), at, length);
  };

  /** A chunk; the range is the planner's (every source of a select reads the same one). */
  pushEncoded(encoding: number, bytes: Uint8Array): void {
    if (encoding === ENCODING_MIXED || encoding === ENCODING_STARTS) {
      this.histograms = true;
      return;
    }
    if (bytes.buffer instanceof SharedArrayBuffer) {
      this.op(OP_CHUNK, encoding, this.source(bytes.buffer), bytes.byteOffset, bytes.length);
      return;
    }
    const n = bytes.length;
    this.reserveCopies(this.copiedBytes + n);
    this.copies.set(bytes, this.copiedBytes);
    this.op(OP_CHUNK, encoding, COPIES, this.copiedBytes, n);
    this.copiedBytes += n;
  }

  pushChunk(bytes: Uint8Array): void {
    this.pushEncoded(ENCODING_XOR, bytes);
  }

  /** The chunk and its resume point, copied (an open chunk: it keeps changing), the point 8-byte aligned. */
  pushChunkFrom(bytes: Uint8Array, points: readonly number[], at: number): void {
    if (!this.resumes) {
      this.pushChunk(bytes);
      return;
    }
    const pointAt = (this.copiedBytes + 7) & ~7;
    const pointBytes = RESUME_SIZE * 8;
    const n = bytes.length;
    this.reserveCopies(pointAt + pointBytes + n);
    for (let i = 0; i < RESUME_SIZE; i++) POINT[i] = points[at + i];
    this.copies.set(POINT_BYTES, pointAt);
    this.copies.set(bytes, pointAt + pointBytes);
    this.op(OP_CHUNK_FROM, COPIES, pointAt, pointAt + pointBytes, n);
    this.copiedBytes = pointAt + pointBytes + n;
  }

  pushSamples(t: ArrayLike<number>, v: ArrayLike<number>, s: ArrayLike<number>, from: number, to: number): void {
    const count = to - from;
    if (count <= 0) return;
    const at = this.looseCount;
    if (at + count > this.looseT.length) this.growLoose(at + count);
    const lt = this.looseT;
    const lv = this.looseV;
    const ls = this.looseS;
    for (let i = from, k = at; i < to; i++, k++) {
      lt[k] = t[i];
      lv[k] = v[i];
      ls[k] = s[i];
    }
    this.looseCount = at + count;
    const last = this.length - OP_SIZE;
    if (this.opCount > 0 && this.ops[last] === OP_SAMPLES && this.ops[last + 1] + this.ops[last + 2] === at) this.ops[last + 2] += count;
    else this.op(OP_SAMPLES, at, count, 0, 0);
  }

  private reserveCopies(bytes: number): void {
    if (bytes <= this.copies.length) return;
    const grown = new Uint8Array(Math.max(bytes, this.copies.length * 2));
    grown.set(this.copies.subarray(0, this.copiedBytes));
    this.copies = grown;
  }

  private growLoose(need: number): void {
    const size = Math.max(need, this.looseT.length === 0 ? this.looseCapacity : this.looseT.length * 2);
    const memory = sharedMemory();
    const t = new Float64Array(memory.allocate(size * 8));
    const v = new Float64Array(memory.allocate(size * 8));
    const s = new Uint8Array(memory.allocate(size));
    t.set(this.looseT.subarray(0, this.looseCount));
    v.set(this.looseV.subarray(0, this.looseCount));
    s.set(this.looseS.subarray(0, this.looseCount));
    this.looseT = t;
    this.looseV = v;
    this.looseS = s;
  }

  pushHistogram(_t: number, _h: FloatHistogram): void {
    this.histograms = true;
  }

  /** Start timestamps are not in the decode jobs' columns: such a series is decoded in place. */
  pushStartTimestamp(): void {
    this.histograms = true;
  }

  /**
   * The planned series cut into at most `parts` jobs of about equal sample bounds, in order;
   * `first[j]` is the index of job j's first series among the planned ones.
   */
  jobs(parts: number): { jobs: DecodeJob[]; first: number[] } {
    const copies = this.copiedBytes === 0 ? NO_COPIES : sharedMemory().allocate(this.copiedBytes);
    new Uint8Array(copies).set(this.copies.subarray(0, this.copiedBytes));
    const sources = [copies, ...this.sources.slice(1)];
    // Views of the shared columns: a job posted to a worker shares them, not copies them.
    const looseT = this.looseT.subarray(0, this.looseCount);
    const looseV = this.looseV.subarray(0, this.looseCount);
    const looseS = this.looseS.subarray(0, this.looseCount);
    const intervals = Float64Array.from(this.intervals);
    const whole: DecodeJob = {
      mint: this.mint, maxt: this.maxt, valuesUnused: this.valuesUnused, presenceLookback: this.presenceLookback, seriesCount: this.seriesAt.length,
      ops: this.ops.subarray(0, this.length),
      sources, looseT, looseV, looseS, intervals,
    };
    return splitDecodeJob(whole, parts);
  }

  private source(b: SharedArrayBuffer): number {
    // Consecutive chunks mostly share a buffer (a block's file, an arena slab).
    if (b === this.lastSource) return this.lastSourceIndex;
    let i = this.sourceIndex.get(b);
    if (i === undefined) {
      i = this.sources.push(b) - 1;
      this.sourceIndex.set(b, i);
    }
    this.lastSource = b;
    this.lastSourceIndex = i;
    return i;
  }

  private op(kind: number, a: number, b: number, c: number, d: number): void {
    this.reserve(OP_SIZE);
    const o = this.ops;
    let i = this.length;
    o[i++] = kind;
    o[i++] = a;
    o[i++] = b;
    o[i++] = c;
    o[i++] = d;
    this.length = i;
    this.opCount++;
  }

  private reserve(n: number): void {
    if (this.length + n <= this.ops.length) return;
    const grown = new Float64Array(Math.max(this.length + n, this.ops.length * 2));
    grown.set(this.ops.subarray(0, this.length));
    this.ops = grown;
  }
}
