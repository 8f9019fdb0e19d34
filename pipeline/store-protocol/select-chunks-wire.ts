import type { Labels } from '../../schemas/labels.js';
import { canonicalKey, type PlannedSelectSink } from '../tsdb/index.js';
import { ENCODING_MIXED, ENCODING_STARTS, isKnownEncoding } from '../tsdb/chunks/index.js';
import { sharedMemory } from '../tsdb/shared-memory/index.js';
import { OP_CHUNK, OP_DROP, OP_MARK, OP_SAMPLES, OP_SIZE, SERIES_HEADER, type DecodeJob } from '../tsdb/select-decode/index.js';
import { framedAnswer, FramedHeaderReader } from './framed-answer.js';

/**
 * A `POST /api/v1/store/select` answer that carries a select's chunks as they are stored, for the
 * query role to decode in its own decode pool (`Accept: application/vnd.tidemark.select-chunks`;
 * a store that does not offer it answers series columns or JSON). A sample then crosses as the
 * bit or two of its chunk instead of being decoded by the store, written as 16 bytes and copied.
 *
 * Layout: the frame of framed-answer.ts (magic `TMK1`) with a `ChunksHeader`, then the data:
 * the op stream (`ops` float64, DecodeJob.ops of every series in the header's order), the loose
 * samples' timestamps and values (`loose` float64 each), the tombstone intervals (`intervals`
 * float64), the loose samples' staleness flags (`loose` bytes), then `blob` bytes of chunks.
 * An OP_CHUNK's source is 0 and its offset counts from the start of the data, so the reader puts
 * the data in one SharedArrayBuffer and hands it to the decode threads as the job's one source.
 */
export const SELECT_CHUNKS_CONTENT_TYPE = 'application/vnd.tidemark.select-chunks';

const MAGIC = 0x314b4d54; // "TMK1" read as a little-endian uint32

interface ChunksHeader {
  readonly warnings: string[];
  /** Samples the store charged for the select (their bounds), when the request carried `maxSamples`. */
  readonly loaded?: number;
  readonly mint: number;
  readonly maxt: number;
  /** 0 when the select needs timestamps only (DecodeJob.valuesUnused). */
  readonly v?: 0;
  /** Per series, in the op stream's order (sorted by their canonical labels). */
  readonly labels: Labels[];
  readonly ops: number;
  readonly loose: number;
  readonly intervals: number;
  readonly blob: number;
}

/** The planned parts of a select (SelectHints.plans), one a shard, to answer in chunks. */
export class PlannedSelects implements PlannedSelectSink {
  readonly parts: { readonly labels: readonly Labels[]; readonly job: DecodeJob }[] = [];

  add(labels: readonly Labels[], job: DecodeJob): void {
    this.parts.push({ labels, job });
  }
}

/**
 * Encodes the planned parts as one op stream over one blob: series sorted by their labels (the
 * order a select returns), a series planned by two parts decoded from both (its ops one after the
 * other, as a select merges overlapping sources), and exactly the chunk bytes the ops name.
 */
export function encodeSelectChunks(plans: PlannedSelects, valuesUnused: boolean, warnings: string[], loaded?: number): Buffer {
  const { parts } = plans;
  // Every part of a select reads the same range; without parts nothing is decoded in any.
  const mint = parts.length === 0 ? 0 : parts[0].job.mint;
  const maxt = parts.length === 0 ? 0 : parts[0].job.maxt;
  let n = 0;
  for (const { job } of parts) {
    if (job.mint !== mint || job.maxt !== maxt) throw new Error(`parts of one select planned over [${mint}, ${maxt}] and [${job.mint}, ${job.maxt}]`);
    n += job.seriesCount;
  }
  // Per planned series: its part, where its ops start there, and the next planned series of the
  // same labels (-1 for none); `first` maps labels to the first such series.
  const partOf = new Int32Array(n);
  const opsAt = new Int32Array(n);
  const next = new Int32Array(n).fill(-1);
  const last = new Int32Array(n);
  const first = new Map<string, number>();
  const labelsOf: Labels[] = new Array(n);
  for (let k = 0, x = 0; k < parts.length; k++) {
    const { labels, job } = parts[k];
    for (let i = 0, p = 0; i < job.seriesCount; i++, x++) {
      partOf[x] = k;
      opsAt[x] = p;
      labelsOf[x] = labels[i];
      p += SERIES_HEADER + OP_SIZE * job.ops[p + 1];
      const key = canonicalKey(labels[i]);
      const f = first.get(key);
      if (f === undefined) {
        first.set(key, x);
        last[x] = x;
      } else {
        next[last[f]] = x;
        last[f] = x;
      }
    }
  }
  // Sorted without a comparator call per comparison (UTF-16 code units, as `<` compares).
  const order = [...first.keys()].sort().map((key) => first.get(key)!);
  let opsLength = SERIES_HEADER * order.length;
  let loose = 0;
  let intervals = 0;
  let blob = 0;
  for (let x = 0; x < n; x++) {
    const ops = parts[partOf[x]].job.ops;
    const from = opsAt[x] + SERIES_HEADER;
    const to = from + OP_SIZE * ops[opsAt[x] + 1];
    opsLength += to - from;
    for (let p = from; p < to; p += OP_SIZE) {
      const kind = ops[p];
      if (kind === OP_CHUNK) blob += ops[p + 4];
      else if (kind === OP_SAMPLES) loose += ops[p + 2];
      else if (kind === OP_DROP) intervals += ops[p + 2];
    }
  }
  const header: ChunksHeader = {
    warnings, ...(loaded === undefined ? {} : { loaded }), mint, maxt, ...(valuesUnused ? { v: 0 } : {}),
    labels: order.map((x) => labelsOf[x]), ops: opsLength, loose, intervals, blob,
  };
  const fixed = 8 * (opsLength + 2 * loose + intervals) + loose;
  const { out, dataAt } = framedAnswer(MAGIC, header, fixed + blob);
  const f64 = (at: number, count: number): Float64Array => new Float64Array(out.buffer, out.byteOffset + dataAt + at, count);
  const ops = f64(0, opsLength);
  const looseT = f64(8 * opsLength, loose);
  const looseV = f64(8 * (opsLength + loose), loose);
  const drops = f64(8 * (opsLength + 2 * loose), intervals);
  const looseS = out.subarray(dataAt + 8 * (opsLength + 2 * loose + intervals), dataAt + fixed);
  // Buffers over each part's sources, made once: a chunk is then copied without a view of its own.
  const sourceBytes = parts.map(({ job }) => job.sources.map((b) => Buffer.from(b)));
  let o = 0;
  let l = 0;
  let d = 0;
  let b = fixed;
  for (const head of order) {
    const at = o;
    let bound = 0;
    let count = 0;
    o += SERIES_HEADER;
    for (let x = head; x >= 0; x = next[x]) {
      const k = partOf[x];
      const job = parts[k].job;
      const src = job.ops;
      bound += src[opsAt[x]];
      const from = opsAt[x] + SERIES_HEADER;
      const to = from + OP_SIZE * src[opsAt[x] + 1];
      count += (to - from) / OP_SIZE;
      for (let p = from; p < to; p += OP_SIZE, o += OP_SIZE) {
        const kind = src[p];
        ops[o] = kind;
        ops[o + 1] = src[p + 1];
        ops[o + 2] = src[p + 2];
        ops[o + 3] = 0;
        ops[o + 4] = 0;
        if (kind === OP_CHUNK) {
          const length = src[p + 4];
          sourceBytes[k][src[p + 2]].copy(out, dataAt + b, src[p + 3], src[p + 3] + length);
          ops[o + 2] = 0;
          ops[o + 3] = b;
          ops[o + 4] = length;
          b += length;
        } else if (kind === OP_SAMPLES) {
          const start = src[p + 1];
          const end = start + src[p + 2];
          ops[o + 1] = l;
          for (let i = start; i < end; i++, l++) {
            looseT[l] = job.looseT[i];
            looseV[l] = job.looseV[i];
            looseS[l] = job.looseS[i];
          }
        } else if (kind === OP_DROP) {
          const start = src[p + 1];
          const end = start + src[p + 2];
          ops[o + 1] = d;
          for (let i = start; i < end; i++, d++) drops[d] = job.intervals[i];
        }
      }
    }
    ops[at] = bound;
    ops[at + 1] = count;
  }
  return out;
}

export interface DecodedSelectChunks {
  /** The whole select as one job; `labels[i]` are the labels of its series i. */
  readonly job: DecodeJob;
  readonly labels: Labels[];
  readonly warnings: string[];
  readonly loaded: number | undefined;
}

/**
 * Reads a select-chunks answer as its bytes arrive, the data straight into one SharedArrayBuffer
 * (the decode threads read it there). `finish` checks the op stream against the data: every op
 * known, every range inside the answer. Throws TypeError on a malformed answer.
 */
export class SelectChunksReader {
  private readonly frame = new FramedHeaderReader(MAGIC, 'select chunks', 'TMK1');
  private header: ChunksHeader | undefined;
  private data: Uint8Array = new Uint8Array(0);
  private filled = 0;

  push(chunk: Uint8Array): void {
    let at = 0;
    if (!this.frame.complete) {
      at = this.frame.take(chunk);
      if (this.header === undefined && this.frame.header !== undefined) this.open(this.frame.header as ChunksHeader);
    }
    const n = chunk.length - at;
    if (n === 0) return;
    if (this.filled + n > this.data.length) throw new TypeError(`select chunks answer runs past the ${this.data.length} data bytes its header describes`);
    this.data.set(chunk.subarray(at), this.filled);
    this.filled += n;
  }

  finish(): DecodedSelectChunks {
    this.frame.finish();
    const h = this.header!;
    if (this.filled < this.data.length) throw new TypeError(`select chunks answer ended at data byte ${this.filled} of ${this.data.length}`);
    const buf = this.data.buffer as SharedArrayBuffer;
    const f64 = (at: number, n: number): Float64Array => new Float64Array(buf, at, n);
    const ops = f64(0, h.ops);
    const looseT = f64(8 * h.ops, h.loose);
    const looseV = f64(8 * (h.ops + h.loose), h.loose);
    const intervals = f64(8 * (h.ops + 2 * h.loose), h.intervals);
    const fixed = 8 * (h.ops + 2 * h.loose + h.intervals) + h.loose;
    const looseS = new Uint8Array(buf, fixed - h.loose, h.loose);
    checkOps(ops, h.labels.length, h.loose, h.intervals, fixed, fixed + h.blob);
    const job: DecodeJob = {
      mint: h.mint, maxt: h.maxt, valuesUnused: h.v === 0, seriesCount: h.labels.length,
      ops, sources: [buf], looseT, looseV, looseS, intervals,
    };
    return { job, labels: h.labels, warnings: h.warnings.map(String), loaded: h.loaded };
  }

  /** Checks the header and makes the memory the data goes to. */
  private open(h: ChunksHeader): void {
    const count = (name: keyof ChunksHeader): number => {
      const n = h[name];
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new TypeError(`select chunks header: ${name}: expected a count, got ${JSON.stringify(n)}`);
      return n;
    };
    const bytes = 8 * (count('ops') + 2 * count('loose') + count('intervals')) + count('loose') + count('blob');
    if (h.loaded !== undefined) count('loaded');
    if (typeof h.mint !== 'number' || typeof h.maxt !== 'number') throw new TypeError('select chunks header: mint and maxt must be numbers');
    if (!Array.isArray(h.warnings)) throw new TypeError('select chunks header has no warnings array');
    if (!Array.isArray(h.labels)) throw new TypeError('select chunks header has no labels array');
    h.labels.forEach((labels, i) => {
      if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) throw new TypeError(`select chunks header: the labels of series ${i} are not an object`);
    });
    this.data = new Uint8Array(sharedMemory().allocate(bytes));
    this.header = h;
  }
}

/**
 * Checks an op stream of `seriesCount` series against the answer's data: headers and op counts
 * inside the stream, which it fills exactly; loose samples and intervals inside their columns;
 * chunks inside the blob [blobFrom, blobTo) of source 0.
 */
function checkOps(ops: Float64Array, seriesCount: number, loose: number, intervals: number, blobFrom: number, blobTo: number): void {
  const fail = (p: number, what: string): never => {
    throw new TypeError(`select chunks op stream: ${what} at number ${p}`);
  };
  const count = (x: number): boolean => Number.isSafeInteger(x) && x >= 0;
  let p = 0;
  for (let i = 0; i < seriesCount; i++) {
    if (p + SERIES_HEADER > ops.length) fail(p, `series ${i} of ${seriesCount} past the end of the stream`);
    if (!count(ops[p]) || !count(ops[p + 1])) fail(p, `series ${i} has a malformed header [${ops[p]}, ${ops[p + 1]}]`);
    const end = p + SERIES_HEADER + OP_SIZE * ops[p + 1];
    if (end > ops.length) fail(p, `series ${i}'s ${ops[p + 1]} ops run past the end of the stream`);
    for (p += SERIES_HEADER; p < end; p += OP_SIZE) {
      const a = ops[p + 1];
      const b = ops[p + 2];
      switch (ops[p]) {
        case OP_CHUNK:
          if (!isKnownEncoding(a) || a === ENCODING_MIXED || a === ENCODING_STARTS) fail(p, `a chunk of encoding ${a}, not one of float samples`);
          if (b !== 0 || !count(ops[p + 3]) || !count(ops[p + 4]) || ops[p + 3] < blobFrom || ops[p + 3] + ops[p + 4] > blobTo) fail(p, `a chunk outside the answer's chunk bytes (source ${b}, ${ops[p + 4]} bytes at ${ops[p + 3]})`);
          break;
        case OP_SAMPLES:
          if (!count(a) || !count(b) || a + b > loose) fail(p, `loose samples ${a}..${a + b} outside the ${loose} sent`);
          break;
        case OP_DROP:
          if (!count(a) || !count(b) || a + b > intervals) fail(p, `intervals ${a}..${a + b} outside the ${intervals} sent`);
          break;
        case OP_MARK:
          break;
        default:
          fail(p, `unknown op ${ops[p]}`);
      }
    }
  }
  if (p !== ops.length) fail(p, `${ops.length - p} numbers after the last of ${seriesCount} series`);
}
