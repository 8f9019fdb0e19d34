import { encodeBest, SAMPLES_PER_CHUNK } from '../chunks/index.js';
import { SLAB_BYTES } from '../shared-memory/index.js';
import { OP_CHUNK, OP_SAMPLES, OP_SIZE, SERIES_HEADER, type DecodeJob } from './decode-job.js';

/** Distinct chunks of the warm-up job: every value shape (SHAPES) in turn, in both float encodings. */
const DISTINCT_CHUNKS = 22;
/** Series of the warm-up job; each reads CHUNKS_PER_SERIES of the distinct chunks, then loose samples. */
const WARM_UP_SERIES = 512;
const CHUNKS_PER_SERIES = 4;
const LOOSE_PER_SERIES = 8;
/**
 * Series that read one long chunk instead (as compacted blocks have: up to 2,048 samples), one a
 * shape in turn, cut by the range at its start or at its end: a decoder grows its scratch columns
 * for a chunk longer than LONG_SAMPLES, a path head-sized chunks never take.
 */
const LONG_SERIES = 64;
const LONG_SAMPLES = 320;
/**
 * Series of the job without values (SelectHints.timestampsOnly: count, absent): the long ones and
 * this many short ones. The decoders step over values there, paths a job with values never takes.
 */
const TIMESTAMPS_ONLY_SHORT_SERIES = 64;
const SCRAPE_MS = 15_000;
/** Pooled slabs the job is given: about half of what its columns take (the rest are allocated, as for a large select). */
const WARM_UP_SLABS = 2;
/**
 * Epoch milliseconds (2023-11-14), as a select's are: compiled for the small integers of times
 * near 0, the decoders went back to the interpreter at a real select's first chunk.
 */
const START_MS = 1_700_000_000_000;

/**
 * Value shapes of scraped series. Each takes decoder paths the others do not, and V8 compiles a
 * path only once it has run: a select reaching one the warm-up left out threw the decoder's
 * optimized code away and ran in the interpreter until it was compiled again (V8's block coverage
 * of the system benchmark's blocks decoded, against the warm-up's, names no decoder path only the
 * former takes).
 */
const SHAPES = 11;
/**
 * Scrapes missed in the middle of a chunk, by chunk in turn: timestamp deltas of every width the
 * encodings have (a missed scrape, a target down for minutes).
 */
const GAPS = [0, 40, 0, 4, 0, 20, 0, 1];
/** Float bit patterns a gauge of shape 8 steps through: XOR windows of exactly 32 and of 64 significant bits. */
const FLIPS = [1.5, 1.5 + (2 ** 43 + 2 ** 12) * 2 ** -52, 1.5, -(1.5 + 2 ** -52)];

/** The value after `v` at sample `i` of a series of `shape`. */
function nextValue(shape: number, v: number, i: number, random: () => number): number {
  switch (shape) {
    case 0: // a gauge of any float (XOR)
      return random() * 1e3;
    case 1: // a counter with two decimals
      return Math.round((v + Math.round(random() * 100) / 100) * 100) / 100;
    case 2: // an integer counter
      return v + Math.floor(random() * 50);
    case 3: // a constant (a filesystem's size): every delta zero
      return v;
    case 4: // a counter mostly idle (groups of zero deltas)
      return i % 32 === 0 ? v + Math.floor(random() * 1000) : v;
    case 5: // a byte gauge swinging by gigabytes (deltas wider than 25 bits, of both signs)
      return v + Math.floor((random() - 0.5) * 4e9);
    case 6: // a float gauge moving in its last bits (short XOR significands)
      return v + Math.floor(random() * 8) * 2 ** -40;
    case 7: // a gauge with two decimals going up and down
      return Math.round((v + (random() - 0.5) * 10) * 100) / 100;
    case 8: // a gauge stepping through FLIPS
      return FLIPS[i % FLIPS.length];
    case 9: // a counter counting at a constant rate (seconds): every delta of delta zero
      return v + 15;
    default: // a small integer gauge jumping around (XOR windows in the high word)
      return Math.floor(random() * 256);
  }
}

let job: { sources: SharedArrayBuffer[]; ops: Float64Array; timestampsOnlyOps: number; looseT: Float64Array; looseV: Float64Array; looseS: Uint8Array; mint: number; maxt: number } | null = null;

/**
 * A decode job shaped like a large select (about 250,000 samples of scraped counters and gauges
 * of every shape in SHAPES, XOR and decimal chunks, head-sized and long ones, staleness markers,
 * a head's loose samples after them), for a fresh decode thread to run once before any query: a
 * thread's V8 compiles the decoders for itself, and until it has run them over a few hundred
 * thousand samples, a real select decodes at a fifth of the warm speed. With `valuesUnused`, a smaller job without values (a count's select). Each call
 * returns a job with its own op stream (a job's ops are transferred to its thread) and pooled
 * slabs of its own.
 */
export function decodeWarmUpJob(valuesUnused = false): DecodeJob {
  job ??= buildWarmUpJob();
  const ops = valuesUnused ? job.ops.slice(0, job.timestampsOnlyOps) : job.ops.slice();
  const seriesCount = valuesUnused ? LONG_SERIES + TIMESTAMPS_ONLY_SHORT_SERIES : LONG_SERIES + WARM_UP_SERIES;
  // The properties of a planned select's job, in its order, and pooled slabs, as a query's
  // select has: code compiled for objects of another shape is thrown away at the first select.
  const slabs = Array.from({ length: WARM_UP_SLABS }, () => new SharedArrayBuffer(SLAB_BYTES));
  return { mint: job.mint, maxt: job.maxt, valuesUnused, seriesCount, ops, sources: job.sources, looseT: job.looseT, looseV: job.looseV, looseS: job.looseS, intervals: new Float64Array(0), slabs };
}

function buildWarmUpJob(): NonNullable<typeof job> {
  // A fixed sequence, so every start warms up on the same chunks.
  let seed = 1;
  const random = (): number => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return seed / 2 ** 32;
  };
  const chunks: { encoding: number; bytes: Uint8Array }[] = [];
  // `n` scrapes from scrape `first` on, less `gap` missed in the middle.
  const chunkOf = (shape: number, first: number, n: number, gap: number, jitter: boolean, staleAt: number): void => {
    const ts = new Float64Array(n - gap);
    const vs = new Float64Array(n - gap);
    const stale = new Uint8Array(n - gap);
    let v = shape === 6 ? 0.5 + random() : Math.floor(random() * 1e4);
    for (let i = 0; i < n - gap; i++) {
      ts[i] = START_MS + (first + i + (i < n / 2 ? 0 : gap)) * SCRAPE_MS + (jitter ? Math.floor(random() * 20) : 0);
      vs[i] = v = nextValue(shape, v, i, random);
    }
    // A series that went away and came back: a staleness marker, as scraped series have.
    if (staleAt >= 0) stale[staleAt] = 1;
    chunks.push(encodeBest(ts, vs, stale));
  };
  for (let c = 0; c < DISTINCT_CHUNKS; c++) chunkOf(c % SHAPES, c * SAMPLES_PER_CHUNK, SAMPLES_PER_CHUNK, GAPS[c % GAPS.length], c % 3 === 0, c % 2 === 0 ? SAMPLES_PER_CHUNK / 4 : -1);
  // Long chunks from the first scrape (the range cuts their start) and across the range's end.
  const lastFirst = DISTINCT_CHUNKS * SAMPLES_PER_CHUNK - LONG_SAMPLES / 2;
  for (const first of [0, lastFirst]) {
    for (let c = 0; c < SHAPES; c++) chunkOf(c, first, LONG_SAMPLES, GAPS[c % GAPS.length], c % 3 === 0, c % 2 === 1 ? LONG_SAMPLES / 3 : -1);
  }
  let bytes = 0;
  for (const c of chunks) bytes += c.bytes.length;
  const source = new SharedArrayBuffer(bytes);
  const at: number[] = [];
  let offset = 0;
  for (const c of chunks) {
    new Uint8Array(source).set(c.bytes, offset);
    at.push(offset);
    offset += c.bytes.length;
  }
  // A series reads CHUNKS_PER_SERIES consecutive chunks from one of `starts` places in the
  // sequence, then (as a head's samples after its chunks) loose samples where its next chunk
  // would be; the range cuts into the first and the last chunk, as a query's range does, and a
  // series that reaches the last chunk has no loose samples (a select's are inside its range).
  const starts = DISTINCT_CHUNKS - CHUNKS_PER_SERIES + 1;
  const looseT = new Float64Array(starts * LOOSE_PER_SERIES);
  const looseV = new Float64Array(starts * LOOSE_PER_SERIES);
  for (let f = 0; f < starts; f++) {
    for (let i = 0; i < LOOSE_PER_SERIES; i++) {
      looseT[f * LOOSE_PER_SERIES + i] = START_MS + ((f + CHUNKS_PER_SERIES) * SAMPLES_PER_CHUNK + i) * SCRAPE_MS;
      looseV[f * LOOSE_PER_SERIES + i] = i;
    }
  }
  const mint = START_MS + (SAMPLES_PER_CHUNK / 2) * SCRAPE_MS;
  const maxt = START_MS + (DISTINCT_CHUNKS * SAMPLES_PER_CHUNK - SAMPLES_PER_CHUNK / 2) * SCRAPE_MS;
  const ops = new Float64Array(WARM_UP_SERIES * (SERIES_HEADER + OP_SIZE * (CHUNKS_PER_SERIES + 1)) + LONG_SERIES * (SERIES_HEADER + OP_SIZE));
  let p = 0;
  // Long chunks first: V8 compiles the decoders with the feedback of every path run by then.
  for (let s = 0; s < LONG_SERIES; s++) {
    const k = DISTINCT_CHUNKS + (s % (2 * SHAPES));
    ops[p++] = LONG_SAMPLES;
    ops[p++] = 1;
    ops.set([OP_CHUNK, chunks[k].encoding, 0, at[k], chunks[k].bytes.length], p);
    p += OP_SIZE;
  }
  let timestampsOnlyOps = 0;
  for (let s = 0; s < WARM_UP_SERIES; s++) {
    if (s === TIMESTAMPS_ONLY_SHORT_SERIES) timestampsOnlyOps = p;
    const from = (s * CHUNKS_PER_SERIES) % starts;
    const loose = from + CHUNKS_PER_SERIES < DISTINCT_CHUNKS;
    ops[p++] = CHUNKS_PER_SERIES * SAMPLES_PER_CHUNK + (loose ? LOOSE_PER_SERIES : 0);
    ops[p++] = CHUNKS_PER_SERIES + (loose ? 1 : 0);
    for (let k = 0; k < CHUNKS_PER_SERIES; k++) {
      const c = chunks[from + k];
      ops.set([OP_CHUNK, c.encoding, 0, at[from + k], c.bytes.length], p);
      p += OP_SIZE;
    }
    if (loose) {
      ops.set([OP_SAMPLES, from * LOOSE_PER_SERIES, LOOSE_PER_SERIES, 0, 0], p);
      p += OP_SIZE;
    }
  }
  return { sources: [source], ops: ops.subarray(0, p), timestampsOnlyOps, looseT, looseV, looseS: new Uint8Array(looseT.length), mint, maxt };
}
