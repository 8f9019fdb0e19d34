import type { Labels } from '../../../schemas/labels.js';
import { isPooledSlab } from '../../tsdb/shared-memory/index.js';
import { PromqlEvalError, PromqlTimeoutError, PromqlTooManySamplesError } from '../errors.js';
import type { SelectedSeries } from '../engine/eval-context.js';
import { evalJob, type EvalJob } from '../engine/eval-job.js';
import type { QueryResult } from '../engine/types.js';
import { LabelStrings, unpackLabelSets, type PackedLabelSets } from './packed-label-sets.js';

/**
 * How an EvalJob crosses to an evaluation worker: every selected sample packed into a few
 * contiguous typed arrays that are transferred (moved, not copied), each selection's series as
 * typed arrays too (where their points are, their label sets against one string table), the rest
 * (the parsed query) structured-cloned in the same message, which keeps each selection keyed by
 * the very selector node of the cloned tree. Columns the storage decoded into shared memory (the
 * TSDB's select slabs) are not packed: the worker reads them where they are.
 */
export interface WireJob {
  readonly job: Omit<EvalJob, 'selections' | 'infoSeries'>;
  readonly selections: Map<object, WireSeriesList>;
  readonly infoSeries: Map<object, WireSeriesList>;
  /** The string table of every list's label sets. */
  readonly labelStrings: string[];
  readonly ts: Float64Array;
  readonly vs: Float64Array;
  readonly stale: Uint8Array;
  /** Shared column memory the series refer to (a place's SHARED_T/SHARED_V). */
  readonly shared: SharedArrayBuffer[];
  /**
   * Bytes of `shared` left to garbage collection once dropped (the worker counts them toward
   * its next collection); pooled slabs are reused instead and not counted.
   */
  readonly sharedBytes: number;
}

/**
 * A selection's series: their label sets, and PLACE_FIELDS numbers each in `places`: `N` points
 * at `AT` of the packed arrays, with markers if `HAS_STALE` is 1; the range points (no markers)
 * `RN` at `RAT`, or at `AT` without markers. A series without markers whose columns are in shared
 * memory has `SHARED_T`/`SHARED_V` (indexes into `WireJob.shared`, else -1) and `AT` is its
 * offset there. A presence summary (SelectedSeries.presence) has no points and its samples, first
 * and last timestamps in `PRESENT_SAMPLES` (0 for other series), `PRESENT_FIRST`, `PRESENT_LAST`.
 */
interface WireSeriesList {
  readonly labels: PackedLabelSets;
  readonly places: Float64Array;
}

const AT = 0;
const N = 1;
const RAT = 2;
const RN = 3;
const SHARED_T = 4;
const SHARED_V = 5;
const HAS_STALE = 6;
const PRESENT_SAMPLES = 7;
const PRESENT_FIRST = 8;
const PRESENT_LAST = 9;
const PLACE_FIELDS = 10;
const NO_POINTS = new Float64Array(0);

/** A column in shared memory, which the worker can read without a copy. */
function isShared(a: ArrayLike<number>): a is Float64Array {
  return a instanceof Float64Array && a.buffer instanceof SharedArrayBuffer;
}

/** Both columns of a marker-free series in shared memory, at the same offset. */
function sharedColumns(s: SelectedSeries): boolean {
  return s.stale === null && isShared(s.ts) && isShared(s.vs) && s.ts.byteOffset === s.vs.byteOffset;
}

function packedLength(series: Iterable<SelectedSeries[]>): number {
  let n = 0;
  for (const list of series) {
    for (const s of list) if (!sharedColumns(s)) n += s.ts.length + (s.stale === null ? 0 : s.rts.length);
  }
  return n;
}

/** Below this, a job's arrays are simply allocated: reuse pays off for the page faults of large ones. */
const SMALL_BYTES = 2 ** 20;

/**
 * Buffers that carried jobs, sent back by the workers once a job is done: the next job's samples
 * are copied into memory already mapped, where fresh hundred-megabyte buffers cost more in page
 * faults than the copy itself. Bounded: at most `maxBytes` are kept.
 */
export class BufferRecycler {
  private readonly free: ArrayBuffer[] = [];
  private held = 0;

  constructor(private readonly maxBytes = 256 * 2 ** 20) {}

  /**
   * A buffer of at least `bytes` bytes, its contents undefined. A kept buffer only if it is at
   * most twice that: each transfer of a large buffer counts as that much new external memory
   * on the receiving thread, and a small query sent with a 100 MB buffer would make both
   * threads collect garbage (40 ms of CPU for a one-series query, measured).
   */
  take(bytes: number): ArrayBuffer {
    if (bytes < SMALL_BYTES) return new ArrayBuffer(bytes);
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i];
      if (b.byteLength >= bytes && b.byteLength <= 2 * bytes && (best < 0 || b.byteLength < this.free[best].byteLength)) best = i;
    }
    if (best >= 0) {
      const [b] = this.free.splice(best, 1);
      this.held -= b.byteLength;
      return b;
    }
    // Uninitialized: every element a series refers to is written (zeroing first costs a pass).
    return Buffer.allocUnsafeSlow(Math.max(bytes, 64 * 1024)).buffer as ArrayBuffer;
  }

  give(buffers: readonly ArrayBuffer[]): void {
    for (const b of buffers) {
      if (b.byteLength < SMALL_BYTES || this.held + b.byteLength > this.maxBytes) continue;
      this.free.push(b);
      this.held += b.byteLength;
    }
  }
}

/** Packs a job for postMessage; the returned buffers go in the transfer list. */
export function packJob(job: EvalJob, buffers: BufferRecycler = new BufferRecycler(0)): { wire: WireJob; transfer: ArrayBuffer[] } {
  const { selections, infoSeries, ...rest } = job;
  const total = packedLength(selections.values()) + packedLength(infoSeries.values());
  const ts = new Float64Array(buffers.take(total * 8), 0, total);
  const vs = new Float64Array(buffers.take(total * 8), 0, total);
  const stale = new Uint8Array(buffers.take(total), 0, total);
  let at = 0;
  const shared: SharedArrayBuffer[] = [];
  const sharedIndex = new Map<SharedArrayBuffer, number>();
  const ref = (a: Float64Array): number => {
    const b = a.buffer as SharedArrayBuffer;
    let i = sharedIndex.get(b);
    if (i === undefined) {
      i = shared.push(b) - 1;
      sharedIndex.set(b, i);
    }
    return i;
  };
  const strings = new LabelStrings();
  // set() copies typed arrays and plain number arrays (the head's) alike in native code.
  const pack = (list: SelectedSeries[]): WireSeriesList => {
    const places = new Float64Array(list.length * PLACE_FIELDS);
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      const p = i * PLACE_FIELDS;
      const n = s.ts.length;
      places[p + N] = n;
      const presence = s.presence;
      if (presence != null) {
        places[p + SHARED_T] = -1;
        places[p + SHARED_V] = -1;
        places[p + PRESENT_SAMPLES] = presence.samples;
        places[p + PRESENT_FIRST] = presence.first;
        places[p + PRESENT_LAST] = presence.last;
        continue;
      }
      if (sharedColumns(s)) {
        const off = (s.ts as Float64Array).byteOffset / 8;
        places[p + AT] = off;
        places[p + SHARED_T] = ref(s.ts as Float64Array);
        places[p + SHARED_V] = ref(s.vs as Float64Array);
        continue;
      }
      places[p + AT] = at;
      places[p + SHARED_T] = -1;
      places[p + SHARED_V] = -1;
      ts.set(s.ts, at);
      vs.set(s.vs, at);
      if (s.stale === null) {
        at += n;
        continue;
      }
      stale.set(s.stale, at);
      at += n;
      places[p + HAS_STALE] = 1;
      places[p + RAT] = at;
      places[p + RN] = s.rts.length;
      ts.set(s.rts, at);
      vs.set(s.rvs, at);
      at += s.rts.length;
    }
    // By push, not map: map's array came out holey in some jobs and packed in others, and pack's
    // loop, optimized for one kind, deoptimized at the other ("wrong map") query after query.
    const labels: Labels[] = [];
    for (let i = 0; i < list.length; i++) labels.push(list[i].labels);
    return { labels: strings.pack(labels), places };
  };
  const packMap = <K extends object>(m: Map<K, SelectedSeries[]>): Map<object, WireSeriesList> => {
    const out = new Map<object, WireSeriesList>();
    for (const [k, list] of m) out.set(k, pack(list));
    return out;
  };
  let sharedBytes = 0;
  const packed = { selections: packMap(selections), infoSeries: packMap(infoSeries) };
  for (const b of shared) if (!isPooledSlab(b)) sharedBytes += b.byteLength;
  const wire: WireJob = { job: rest, ...packed, labelStrings: strings.strings, ts, vs, stale, shared, sharedBytes };
  return { wire, transfer: [ts.buffer, vs.buffer, stale.buffer] };
}

/** The job again, its series as views into the transferred arrays. */
export function unpackJob(w: WireJob): EvalJob {
  const unpack = (list: WireSeriesList): SelectedSeries[] => {
    const labels = unpackLabelSets(w.labelStrings, list.labels);
    const p = list.places;
    const out = new Array<SelectedSeries>(labels.length);
    for (let i = 0; i < labels.length; i++) {
      const f = i * PLACE_FIELDS;
      const at = p[f + AT];
      const n = p[f + N];
      if (p[f + PRESENT_SAMPLES] > 0) {
        const presence = { first: p[f + PRESENT_FIRST], last: p[f + PRESENT_LAST], samples: p[f + PRESENT_SAMPLES] };
        out[i] = { labels: labels[i], ts: NO_POINTS, vs: NO_POINTS, stale: null, rts: NO_POINTS, rvs: NO_POINTS, presence };
        continue;
      }
      if (p[f + SHARED_T] >= 0) {
        const ts = new Float64Array(w.shared[p[f + SHARED_T]], at * 8, n);
        const vs = new Float64Array(w.shared[p[f + SHARED_V]], at * 8, n);
        out[i] = { labels: labels[i], ts, vs, stale: null, rts: ts, rvs: vs };
        continue;
      }
      const ts = w.ts.subarray(at, at + n);
      const vs = w.vs.subarray(at, at + n);
      if (p[f + HAS_STALE] === 0) {
        out[i] = { labels: labels[i], ts, vs, stale: null, rts: ts, rvs: vs };
        continue;
      }
      const rat = p[f + RAT];
      const rn = p[f + RN];
      out[i] = {
        labels: labels[i], ts, vs, stale: w.stale.subarray(at, at + n),
        rts: w.ts.subarray(rat, rat + rn), rvs: w.vs.subarray(rat, rat + rn),
      };
    }
    return out;
  };
  const unpackMap = <K>(m: Map<object, WireSeriesList>): Map<K, SelectedSeries[]> => {
    const out = new Map<K, SelectedSeries[]>();
    for (const [k, list] of m) out.set(k as K, unpack(list));
    return out;
  };
  return evalJob({ ...w.job, selections: unpackMap(w.selections), infoSeries: unpackMap(w.infoSeries) } as EvalJob);
}

/** An evaluation error as it crosses threads: its class by name and what rebuilds it. */
export interface WireError {
  readonly kind: 'eval' | 'timeout' | 'too_many_samples' | 'other';
  readonly message: string;
  readonly name: string;
  readonly where?: string;
  readonly limit?: number;
  readonly stack?: string;
}

export function errorToWire(err: unknown): WireError {
  if (err instanceof PromqlTimeoutError) return { kind: 'timeout', message: err.message, name: err.name, where: err.where };
  if (err instanceof PromqlTooManySamplesError) return { kind: 'too_many_samples', message: err.message, name: err.name, limit: err.limit };
  if (err instanceof PromqlEvalError) return { kind: 'eval', message: err.message, name: err.name };
  const e = err instanceof Error ? err : new Error(String(err));
  return { kind: 'other', message: e.message, name: e.name, stack: e.stack };
}

/** The error the engine would have thrown on the calling thread; `abortReason` becomes a cancellation's cause. */
export function errorFromWire(w: WireError, abortReason: unknown): Error {
  switch (w.kind) {
    case 'timeout': return new PromqlTimeoutError(w.where ?? 'query evaluation', abortReason === undefined ? undefined : { cause: abortReason });
    case 'too_many_samples': return new PromqlTooManySamplesError(w.limit ?? 0);
    case 'eval': return new PromqlEvalError(w.message);
    case 'other': {
      const e = new Error(`query evaluation failed: ${w.message}`);
      e.name = w.name;
      if (w.stack !== undefined) e.stack = w.stack;
      return e;
    }
  }
}

/** A matrix result's points packed for transfer (number arrays clone slowly); other results clone as they are. */
export interface WireResult {
  readonly result: QueryResult;
  readonly points?: { readonly ts: Float64Array; readonly vs: Float64Array; readonly lengths: Uint32Array };
}

export function packResult(r: QueryResult): { wire: WireResult; transfer: ArrayBuffer[] } {
  if (r.value.resultType !== 'matrix') return { wire: { result: r }, transfer: [] };
  const rows = r.value.result;
  let total = 0;
  for (const s of rows) total += s.timestamps.length;
  const ts = new Float64Array(total);
  const vs = new Float64Array(total);
  const lengths = new Uint32Array(rows.length);
  let at = 0;
  for (let i = 0; i < rows.length; i++) {
    const s = rows[i];
    ts.set(s.timestamps, at);
    vs.set(s.values, at);
    at += s.timestamps.length;
    lengths[i] = s.timestamps.length;
  }
  const stripped: QueryResult = { ...r, value: { resultType: 'matrix', result: rows.map((s) => ({ metric: s.metric, timestamps: [], values: [] })) } };
  return { wire: { result: stripped, points: { ts, vs, lengths } }, transfer: [ts.buffer, vs.buffer, lengths.buffer] };
}

export function unpackResult(w: WireResult): QueryResult {
  const p = w.points;
  if (p === undefined || w.result.value.resultType !== 'matrix') return w.result;
  let at = 0;
  const result = w.result.value.result.map((s, i) => {
    const n = p.lengths[i];
    const timestamps = numbersOf(p.ts, at, n);
    const values = numbersOf(p.vs, at, n);
    at += n;
    return { metric: s.metric, timestamps, values };
  });
  return { ...w.result, value: { resultType: 'matrix', result } };
}

/**
 * `n` doubles of `col` from `at` as an array, copied by index: Array.from over a typed array goes
 * through its iterator, which made a heap number of each double (most of what a large answer's
 * unpacking allocated).
 */
function numbersOf(col: Float64Array, at: number, n: number): number[] {
  const out = new Array<number>(n);
  for (let k = 0; k < n; k++) out[k] = col[at + k];
  return out;
}
