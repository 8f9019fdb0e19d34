import { decimalPresence, ENCODING_DECIMAL, ENCODING_XOR, SampleBuffer } from '../chunks/index.js';
import { OP_CHUNK, OP_CHUNK_FROM, OP_MARK, OP_SAMPLES, OP_SIZE } from './decode-ops.js';

/** What PresenceScan reads of a decode job (DecodeJob). */
interface ScannedJob {
  readonly mint: number;
  readonly maxt: number;
  readonly ops: Float64Array;
  readonly sources: SharedArrayBuffer[];
  readonly looseT: Float64Array;
  readonly looseV: Float64Array;
  readonly looseS: Uint8Array;
}

/**
 * Sums up series of a presence job (decode-job.ts, DecodeJob.presenceLookback) from their ops,
 * without writing their samples anywhere they are kept: what the select's PresenceSummary
 * (querier.ts) says, for a series with no staleness marker in range and no two consecutive samples
 * more than the lookback apart. Decimal chunks are read for their timestamps' range and gaps only (decimalPresence); XOR
 * chunks and loose samples are decoded into one small buffer a chunk, which stays in cache. A
 * series whose sources overlap in time (their samples would need sorting and deduplicating), or
 * that has tombstones, is not summed up: the caller decodes it in full, as it does one with a
 * marker or a longer gap.
 */
export class PresenceScan {
  /** The last series summed up: its first and last timestamps and its sample count. */
  first = 0;
  last = 0;
  samples = 0;
  private readonly run = new Float64Array(3);
  private readonly chunk = new SampleBuffer(256);

  constructor(
    private readonly job: ScannedJob,
    /** Views of the job's sources, and of those holding resume points as they are made (runDecodeJob's). */
    private readonly sources: readonly Uint8Array[],
    private readonly points: (Float64Array | undefined)[],
    private readonly lookback: number,
  ) {
    this.chunk.valuesUnused = true;
  }

  /** Sums up the series whose `count` ops start at `p` of the job's ops; false when it has to be decoded in full. */
  read(p: number, count: number): boolean {
    const { job, sources, chunk } = this;
    const { ops, mint, maxt } = job;
    this.samples = 0;
    for (let k = 0; k < count; k++, p += OP_SIZE) {
      const op = ops[p];
      if (op === OP_MARK) continue;
      chunk.clear();
      if (op === OP_CHUNK) {
        const encoding = ops[p + 1];
        const at = ops[p + 3];
        const bytes = sources[ops[p + 2]].subarray(at, at + ops[p + 4]);
        if (encoding === ENCODING_DECIMAL) {
          const run = this.run;
          const n = decimalPresence(bytes, mint, maxt, run);
          if (n < 0 || (n > 0 && !this.add(run[0], run[1], run[2], n))) return false;
          continue;
        }
        if (encoding !== ENCODING_XOR) return false;
        chunk.pushEncoded(encoding, bytes, mint, maxt);
      } else if (op === OP_CHUNK_FROM) {
        const src = ops[p + 1];
        const at = ops[p + 3];
        const f64 = (this.points[src] ??= new Float64Array(job.sources[src], 0, job.sources[src].byteLength >>> 3));
        chunk.pushChunkFrom(sources[src].subarray(at, at + ops[p + 4]), f64, ops[p + 2] / 8, mint, maxt);
      } else if (op === OP_SAMPLES) {
        chunk.pushSamples(job.looseT, job.looseV, job.looseS, ops[p + 1], ops[p + 1] + ops[p + 2]);
      } else {
        // Tombstones (OP_DROP), or an op the full decoding reports.
        return false;
      }
      const n = chunk.length;
      if (n === 0) continue;
      if (chunk.staleCount > 0 || !gapsWithin(chunk.t, n, this.lookback) || !this.add(chunk.t[0], chunk.t[n - 1], 0, n)) return false;
    }
    return true;
  }

  /** Adds an ascending run of `n` samples from `first` to `last` whose largest gap is `gap`; false when the series cannot be summed up. */
  private add(first: number, last: number, gap: number, n: number): boolean {
    if (gap > this.lookback) return false;
    if (this.samples > 0) {
      if (first <= this.last || first - this.last > this.lookback) return false;
    } else {
      this.first = first;
    }
    this.last = last;
    this.samples += n;
    return true;
  }
}

/**
 * Whether no two consecutive timestamps of `ts[0..n)` are more than `lookback` apart: the
 * condition for a series without staleness markers to be present over one run of time
 * (querier.ts, PresenceSummary). Read in strides of samples whose usual span is within the
 * lookback (a stride that fits holds no larger gap); a stride that does not is read sample by
 * sample. A 15 s scrape under a 5 min lookback reads one sample in 15.
 */
export function gapsWithin(ts: ArrayLike<number>, n: number, lookback: number): boolean {
  if (n < 2) return true;
  const span = ts[n - 1] - ts[0];
  let stride = Math.floor((0.75 * lookback * (n - 1)) / span);
  if (!(stride >= 1)) stride = 1;
  let i = 0;
  for (; i + stride < n; i += stride) {
    if (ts[i + stride] - ts[i] <= lookback) continue;
    for (let j = i; j < i + stride; j++) if (ts[j + 1] - ts[j] > lookback) return false;
  }
  if (ts[n - 1] - ts[i] > lookback) for (let j = i; j < n - 1; j++) if (ts[j + 1] - ts[j] > lookback) return false;
  return true;
}
