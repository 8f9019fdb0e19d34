import { encodeBest, SAMPLES_PER_CHUNK } from '../chunks/index.js';
import { SLAB_BYTES } from '../shared-memory/index.js';
import { OP_CHUNK, OP_SAMPLES, OP_SIZE, SERIES_HEADER, type DecodeJob } from './decode-job.js';

/** Distinct chunks of the warm-up job: counters and gauges, in both float encodings. */
const DISTINCT_CHUNKS = 32;
/** Series of the warm-up job; each reads CHUNKS_PER_SERIES of the distinct chunks, then loose samples. */
const WARM_UP_SERIES = 512;
const CHUNKS_PER_SERIES = 4;
const LOOSE_PER_SERIES = 8;
const SCRAPE_MS = 15_000;
/** Pooled slabs the job is given: about half of what its columns take (the rest are allocated, as for a large select). */
const WARM_UP_SLABS = 2;
/**
 * Epoch milliseconds (2023-11-14), as a select's are: compiled for the small integers of times
 * near 0, the decoders went back to the interpreter at a real select's first chunk.
 */
const START_MS = 1_700_000_000_000;

let job: { sources: SharedArrayBuffer[]; ops: Float64Array; looseT: Float64Array; looseV: Float64Array; looseS: Uint8Array; mint: number; maxt: number } | null = null;

/**
 * A decode job shaped like a large select (about 250,000 samples of scraped counters and gauges,
 * XOR and decimal chunks, staleness markers, a head's loose samples after them), for a fresh
 * decode thread to run once before any query: a thread's V8 compiles the decoders for itself, and
 * until it has run them over a few hundred thousand samples, a real select decodes at a fifth of
 * the warm speed. Each call returns a job with its own op stream (a job's ops are transferred to
 * its thread) and pooled slabs of its own.
 */
export function decodeWarmUpJob(): DecodeJob {
  job ??= buildWarmUpJob();
  // The properties of a planned select's job, in its order, and pooled slabs, as a query's
  // select has: code compiled for objects of another shape is thrown away at the first select.
  const slabs = Array.from({ length: WARM_UP_SLABS }, () => new SharedArrayBuffer(SLAB_BYTES));
  return { mint: job.mint, maxt: job.maxt, valuesUnused: false, seriesCount: WARM_UP_SERIES, ops: job.ops.slice(), sources: job.sources, looseT: job.looseT, looseV: job.looseV, looseS: job.looseS, intervals: new Float64Array(0), slabs };
}

function buildWarmUpJob(): NonNullable<typeof job> {
  // A fixed sequence, so every start warms up on the same chunks.
  let seed = 1;
  const random = (): number => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return seed / 2 ** 32;
  };
  const ts = new Float64Array(SAMPLES_PER_CHUNK);
  const vs = new Float64Array(SAMPLES_PER_CHUNK);
  const stale = new Uint8Array(SAMPLES_PER_CHUNK);
  const chunks: { encoding: number; bytes: Uint8Array }[] = [];
  for (let c = 0; c < DISTINCT_CHUNKS; c++) {
    let v = Math.floor(random() * 1e4);
    for (let i = 0; i < SAMPLES_PER_CHUNK; i++) {
      ts[i] = START_MS + (c * SAMPLES_PER_CHUNK + i) * SCRAPE_MS + (c % 3 === 0 ? Math.floor(random() * 20) : 0);
      // Counters with two decimals (decimal chunks), integer counters, and gauges of any float (XOR).
      if (c % 4 === 0) v = random() * 1e3;
      else if (c % 4 === 1) v += Math.round(random() * 100) / 100;
      else v += Math.floor(random() * 50);
      vs[i] = c % 4 === 0 ? v : Math.round(v * 100) / 100;
    }
    // A series that went away and came back: a staleness marker, as scraped series have.
    stale.fill(0);
    if (c % 2 === 0) stale[SAMPLES_PER_CHUNK / 2] = 1;
    chunks.push(encodeBest(ts, vs, stale));
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
  const ops = new Float64Array(WARM_UP_SERIES * (SERIES_HEADER + OP_SIZE * (CHUNKS_PER_SERIES + 1)));
  let p = 0;
  for (let s = 0; s < WARM_UP_SERIES; s++) {
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
  return { sources: [source], ops: ops.subarray(0, p), looseT, looseV, looseS: new Uint8Array(looseT.length), mint, maxt };
}
