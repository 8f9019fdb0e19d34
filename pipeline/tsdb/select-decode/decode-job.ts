import { SampleBuffer } from '../chunks/index.js';
import { ColumnSlabs } from './column-slabs.js';
import { OP_CHUNK, OP_CHUNK_FROM, OP_DROP, OP_MARK, OP_SAMPLES, OP_SIZE, SERIES_HEADER } from './decode-ops.js';
import { PresenceScan } from './presence-summary.js';

export { OP_CHUNK, OP_CHUNK_FROM, OP_DROP, OP_MARK, OP_SAMPLES, OP_SIZE, SERIES_HEADER } from './decode-ops.js';

/**
 * The chunk decoding of a select (or part of one), in a form any thread can run: what to read is
 * shared memory (block chunk files, head arena slabs, copies of the head's open chunks), and what
 * to do is a flat op stream. The thread that runs it writes the columns into shared slabs it
 * allocates (their zeroing and page faults are part of its work, not the caller's).
 *
 * `ops`, per series: a header [bound, opCount] (`bound` is at least its sample count), then
 * `opCount` ops of OP_SIZE numbers, run in order, as the sources of the series push them into
 * one SampleBuffer:
 * - [OP_CHUNK, encoding, source, byteOffset, byteLength]: decode that chunk of `sources[source]`;
 * - [OP_SAMPLES, at, count, 0, 0]: push loose samples `at`..`at+count` of `looseT/V/S`;
 * - [OP_MARK, 0, 0, 0, 0]: remember where a block's samples start;
 * - [OP_DROP, at, count, 0, 0]: drop the samples since the mark inside the [mint, maxt] pairs
 *   `intervals[at..at+count]` (a block's tombstones);
 * - [OP_CHUNK_FROM, source, pointAt, byteOffset, byteLength]: decode that XOR chunk from the
 *   resume point (chunks/xor-resume.ts) of RESUME_SIZE float64s at byte `pointAt` (a multiple
 *   of 8) of the same source (a head's open chunk read from its last minutes).
 */
export interface DecodeJob {
  readonly mint: number;
  readonly maxt: number;
  /** The select needs timestamps only (SelectHints.timestampsOnly). */
  readonly valuesUnused: boolean;
  /**
   * The select needs presence only, under this lookback delta (SelectHints.presenceLookback): a
   * series whose samples allow is summed up (DecodeResult.presence) instead of written to a slab.
   */
  readonly presenceLookback?: number;
  readonly seriesCount: number;
  readonly ops: Float64Array;
  readonly sources: SharedArrayBuffer[];
  readonly looseT: Float64Array;
  readonly looseV: Float64Array;
  readonly looseS: Uint8Array;
  readonly intervals: Float64Array;
  /** Pooled slabs (SelectSlabPool) to write columns into before allocating any (ColumnSlabs). */
  readonly slabs?: SharedArrayBuffer[];
}

/**
 * What a job wrote: series i has `counts[4i + 2]` samples at offset `counts[4i + 1]` of the
 * column slabs `slabT/slabV[counts[4i]]`, its staleness flags at `counts[4i + 3]` of `stale`
 * (-1 when it has no marker). A job whose values are unused names its timestamp slabs as value
 * slabs too (ColumnSlabs). A series summed up for presence (DecodeJob.presenceLookback) has
 * SUMMARY for its slab and its first and last timestamps at `presence[2i]`, `presence[2i + 1]`.
 */
export interface DecodeResult {
  readonly counts: Int32Array;
  /** Two numbers a series of a presence job (empty for other jobs). */
  readonly presence: Float64Array;
  readonly stale: Uint8Array;
  readonly slabT: SharedArrayBuffer[];
  readonly slabV: SharedArrayBuffer[];
  /** Per slab: the index in DecodeJob.slabs of the pooled slab it is, or -1 (ColumnSlabs.pooledT/V). */
  readonly pooledT: number[];
  readonly pooledV: number[];
}

/** Numbers per series in DecodeResult.counts. */
export const RESULT_SIZE = 4;
/** The slab of a series summed up for presence (DecodeResult.presence): it has none. */
export const SUMMARY = -1;

/**
 * A job cut into at most `parts` jobs of about equal sample bounds, in order, each with an op
 * stream of its own (a job's ops travel to its thread, not a view of one shared stream);
 * `first[j]` is the index of job j's first series among `job`'s.
 */
export function splitDecodeJob(job: DecodeJob, parts: number): { jobs: DecodeJob[]; first: number[] } {
  const { ops, seriesCount: n } = job;
  const seriesAt = new Float64Array(n + 1);
  let total = 0;
  let p = 0;
  for (let i = 0; i < n; i++) {
    seriesAt[i] = p;
    total += ops[p];
    p += SERIES_HEADER + OP_SIZE * ops[p + 1];
  }
  seriesAt[n] = p;
  const jobs: DecodeJob[] = [];
  const first: number[] = [];
  const target = total / Math.max(1, parts);
  let from = 0;
  while (from < n) {
    let to = from;
    let bound = 0;
    // The last part takes what is left.
    while (to < n && (bound < target || jobs.length === parts - 1)) bound += ops[seriesAt[to++]];
    jobs.push({ ...job, seriesCount: to - from, ops: ops.slice(seriesAt[from], seriesAt[to]) });
    first.push(from);
    from = to;
  }
  return { jobs, first };
}

/**
 * Runs a job on the calling thread. The same SampleBuffer code as a select decoding in place:
 * the same samples, in the same order, sorted and deduplicated the same way.
 */
export function runDecodeJob(job: DecodeJob): DecodeResult {
  const { ops, mint, maxt } = job;
  // Built by push, not `map`: `map`'s arrays came out HOLEY in some jobs and PACKED in others
  // (V8 makes them so depending on the tier that runs it), and the decode loop compiled for one
  // kind was thrown away at the first job of the other (a 'wrong map' at each select's start).
  const sources: Uint8Array[] = [];
  for (const b of job.sources) sources.push(new Uint8Array(b));
  // Float64 views of sources that hold resume points, made when first needed.
  const points: (Float64Array | undefined)[] = [];
  const counts = new Int32Array(RESULT_SIZE * job.seriesCount);
  const staleParts: Uint8Array[] = [];
  let staleBytes = 0;
  let remaining = 0;
  for (let i = 0, p = 0; i < job.seriesCount; i++) {
    remaining += ops[p];
    p += SERIES_HEADER + OP_SIZE * ops[p + 1];
  }
  const pooled = job.slabs ?? [];
  let given = 0;
  const columns = new ColumnSlabs(remaining, () => pooled[given++] ?? null, job.valuesUnused);
  const buf = new SampleBuffer(0);
  buf.valuesUnused = job.valuesUnused;
  const lookback = job.presenceLookback;
  const scan = lookback === undefined ? null : new PresenceScan(job, sources, points, lookback);
  const presence = new Float64Array(scan === null ? 0 : 2 * job.seriesCount);
  let p = 0;
  for (let i = 0; i < job.seriesCount; i++) {
    const bound = ops[p];
    const n = ops[p + 1];
    p += SERIES_HEADER;
    const r = RESULT_SIZE * i;
    if (scan !== null && scan.read(p, n)) {
      // Summed up: nothing written to a slab. Others (markers, a longer gap) are decoded in full.
      counts[r] = SUMMARY;
      counts[r + 2] = scan.samples;
      counts[r + 3] = -1;
      presence[2 * i] = scan.first;
      presence[2 * i + 1] = scan.last;
      p += OP_SIZE * n;
      continue;
    }
    columns.cut(bound);
    const { t, v } = columns;
    buf.attach(t, v);
    let mark = 0;
    for (let k = 0; k < n; k++, p += OP_SIZE) {
      switch (ops[p]) {
        case OP_CHUNK: {
          const at = ops[p + 3];
          buf.pushEncoded(ops[p + 1], sources[ops[p + 2]].subarray(at, at + ops[p + 4]), mint, maxt);
          break;
        }
        case OP_CHUNK_FROM: {
          const src = ops[p + 1];
          const at = ops[p + 3];
          const f64 = (points[src] ??= new Float64Array(job.sources[src], 0, job.sources[src].byteLength >>> 3));
          buf.pushChunkFrom(sources[src].subarray(at, at + ops[p + 4]), f64, ops[p + 2] / 8, mint, maxt);
          break;
        }
        case OP_SAMPLES: {
          buf.pushSamples(job.looseT, job.looseV, job.looseS, ops[p + 1], ops[p + 1] + ops[p + 2]);
          break;
        }
        case OP_MARK:
          mark = buf.length;
          break;
        case OP_DROP:
          buf.dropFrom(mark, Array.from(job.intervals.subarray(ops[p + 1], ops[p + 1] + ops[p + 2])));
          break;
        default:
          throw new RangeError(`decode job: unknown op ${ops[p]} at ${p}`);
      }
    }
    const c = buf.detach();
    const len = c.timestamps.length;
    // Sorting (samples from overlapping sources) decodes into new arrays: back into the window.
    if (c.timestamps.buffer !== t.buffer) {
      t.set(c.timestamps);
      v.set(c.values);
    }
    counts[r] = columns.slab;
    counts[r + 1] = columns.at;
    counts[r + 2] = len;
    counts[r + 3] = -1;
    if (c.stale !== null) {
      counts[r + 3] = staleBytes;
      staleParts.push(c.stale);
      staleBytes += len;
    }
  }
  const stale = new Uint8Array(staleBytes);
  let at = 0;
  for (const s of staleParts) {
    stale.set(s, at);
    at += s.length;
  }
  const { slabT, slabV, pooledT, pooledV } = columns;
  return { counts, presence, stale, slabT, slabV, pooledT, pooledV };
}
