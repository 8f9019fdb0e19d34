import { SAMPLES_PER_CHUNK } from '../chunks/index.js';
import { SLAB_BYTES } from '../shared-memory/index.js';
import { CHUNKS_PER_SERIES, DISTINCT_CHUNKS, LONG_SAMPLES, OPEN_SAMPLES, SCRAPE_MS, SHAPES, START_MS, storedWarmUpChunks } from './decode-warm-up-chunks.js';
import { OP_CHUNK, OP_CHUNK_FROM, OP_DROP, OP_MARK, OP_SAMPLES, OP_SIZE, SERIES_HEADER, type DecodeJob } from './decode-job.js';

/** Series of the warm-up job; each reads CHUNKS_PER_SERIES of the distinct chunks (DISTINCT_CHUNKS), then loose samples. */
const WARM_UP_SERIES = 512;
const LOOSE_PER_SERIES = 8;
/**
 * Series that read one long chunk instead (LONG_SAMPLES), one a shape in turn, cut by the range at
 * its start or at its end: a decoder grows its scratch columns for a chunk that long, a path
 * head-sized chunks never take.
 */
const LONG_SERIES = 64;
/**
 * Series of the job without values (SelectHints.timestampsOnly: count, absent): the long ones and
 * this many short ones. The decoders step over values there, paths a job with values never takes.
 */
const TIMESTAMPS_ONLY_SHORT_SERIES = 64;
/** The presence jobs' lookback: PromQL's default, which GAPS' longer missed scrapes pass. */
const LOOKBACK_MS = 5 * 60_000;
/**
 * Sources of the job besides the copies (source 0): a select's jobs name several (blocks' chunk
 * files, head arena slabs), and the warm-up's chunks are spread over as many.
 */
const CHUNK_FILES = 3;
/**
 * Every OPEN_EVERY-th series with loose samples reads a head's open chunk from a resume point
 * first (OP_CHUNK_FROM, OPEN_SAMPLES long); every DROP_EVERY-th series has a tombstone (OP_DROP);
 * every series' block chunks follow a mark (OP_MARK). A select's jobs have all of these: an op the
 * warm-up left out was compiled without type feedback, and its first run threw the decode loop's
 * optimized code away.
 */
const OPEN_EVERY = 2;
const DROP_EVERY = 4;
/** Pooled slabs the job is given: about half of what its columns take (the rest are allocated, as for a large select). */
const WARM_UP_SLABS = 2;
let job: { sources: SharedArrayBuffer[]; ops: Float64Array; timestampsOnlyOps: number; looseT: Float64Array; looseV: Float64Array; looseS: Uint8Array; intervals: Float64Array; mint: number; maxt: number } | null = null;

/**
 * A decode job shaped like a large select (about 250,000 samples of scraped counters and gauges
 * of every shape in SHAPES, XOR and decimal chunks, head-sized and long ones, staleness markers,
 * in several sources, read as blocks' (after a mark, some with a tombstone), then a head's open
 * chunk from a resume point and loose samples), for a fresh decode thread to run before any query: a
 * thread's V8 compiles the decoders for itself, and until it has run them over a few hundred
 * thousand samples, a real select decodes at a fifth of the warm speed (decodeWarmUpJobs). With
 * `valuesUnused`, a smaller job without values (count_over_time's select), and with
 * `presenceLookback` too, one that sums series up for presence (a count's select; its chunks'
 * missed scrapes and markers send some series to slabs in full). Each call returns a job with its
 * own op stream (a job's ops are transferred to its thread) and pooled slabs of its own.
 */
export function decodeWarmUpJob(valuesUnused = false, presenceLookback?: number): DecodeJob {
  job ??= buildWarmUpJob();
  const ops = valuesUnused ? job.ops.slice(0, job.timestampsOnlyOps) : job.ops.slice();
  const seriesCount = valuesUnused ? LONG_SERIES + TIMESTAMPS_ONLY_SHORT_SERIES : LONG_SERIES + WARM_UP_SERIES;
  // The properties of a planned select's job, in its order, and pooled slabs, as a query's
  // select has: code compiled for objects of another shape is thrown away at the first select.
  const slabs = Array.from({ length: WARM_UP_SLABS }, () => new SharedArrayBuffer(SLAB_BYTES));
  return { mint: job.mint, maxt: job.maxt, valuesUnused, presenceLookback, seriesCount, ops, sources: job.sources, looseT: job.looseT, looseV: job.looseV, looseS: job.looseS, intervals: job.intervals, slabs };
}

/**
 * The jobs a fresh decode thread runs, in order, before any select: one with values, one for
 * presence (a count's select) and one without values, as each takes decoder paths the others do
 * not; then the first two again and a job of no series. V8 compiles the job loop itself (runDecodeJob) only after a few calls, and
 * starts compiling at the call after it decided to: with one round, that call was the first
 * select's job, and the compiling (about 50 ms a thread) took a core that select was using. The
 * second round and the empty job cost about 20 ms a thread.
 */
export function decodeWarmUpJobs(): DecodeJob[] {
  const empty: DecodeJob = { ...decodeWarmUpJob(true), seriesCount: 0, ops: new Float64Array(0) };
  return [decodeWarmUpJob(), decodeWarmUpJob(true, LOOKBACK_MS), decodeWarmUpJob(true), decodeWarmUpJob(), decodeWarmUpJob(true, LOOKBACK_MS), empty];
}

function buildWarmUpJob(): NonNullable<typeof job> {
  // Stored, so every start warms up on the same chunks without encoding them (decode-warm-up-chunks.ts).
  const { chunks, open: openChunks } = storedWarmUpChunks();
  // The chunks spread over CHUNK_FILES shared buffers in turn, as a block's chunk files are.
  const fileBytes = new Array<number>(CHUNK_FILES).fill(0);
  for (let c = 0; c < chunks.length; c++) fileBytes[c % CHUNK_FILES] += chunks[c].bytes.length;
  const files = fileBytes.map((n) => new SharedArrayBuffer(n));
  const at: number[] = [];
  fileBytes.fill(0);
  for (let c = 0; c < chunks.length; c++) {
    const f = c % CHUNK_FILES;
    new Uint8Array(files[f]).set(chunks[c].bytes, fileBytes[f]);
    at.push(fileBytes[f]);
    fileBytes[f] += chunks[c].bytes.length;
  }
  const fileOf = (c: number): number => 1 + (c % CHUNK_FILES);
  // A series reads CHUNKS_PER_SERIES consecutive chunks from one of `starts` places in the
  // sequence (a block's, after a mark), then, as a head's after its blocks', an open chunk where
  // its next chunk would be (on every OPEN_EVERY-th) and loose samples after it; the range cuts
  // into the first and the last chunk, as a query's range does, and a series that reaches one of
  // the last two chunks has no head samples (a select's are inside its range).
  const starts = DISTINCT_CHUNKS - CHUNKS_PER_SERIES + 1;
  const looseT = new Float64Array(starts * LOOSE_PER_SERIES);
  const looseV = new Float64Array(starts * LOOSE_PER_SERIES);
  // The copies (source 0): per start, an open chunk's resume point then its bytes, as the
  // planner copies them (DecodePlanner.pushChunkFrom), the point 8-byte aligned.
  const open: { pointAt: number; at: number; length: number }[] = [];
  const copied: Uint8Array[] = [];
  let copiedBytes = 0;
  for (let f = 0; f < starts; f++) {
    const head = (f + CHUNKS_PER_SERIES) * SAMPLES_PER_CHUNK;
    const pointAt = (copiedBytes + 7) & ~7;
    const pointBytes = new Uint8Array(openChunks[f].point.buffer);
    const bytes = openChunks[f].bytes;
    copied.push(new Uint8Array(pointAt - copiedBytes), pointBytes, bytes);
    open.push({ pointAt, at: pointAt + pointBytes.length, length: bytes.length });
    copiedBytes = pointAt + pointBytes.length + bytes.length;
    for (let i = 0; i < LOOSE_PER_SERIES; i++) {
      looseT[f * LOOSE_PER_SERIES + i] = START_MS + (head + OPEN_SAMPLES + i) * SCRAPE_MS;
      looseV[f * LOOSE_PER_SERIES + i] = i;
    }
  }
  const copies = new SharedArrayBuffer(copiedBytes);
  for (let c = 0, o = 0; c < copied.length; o += copied[c].length, c++) new Uint8Array(copies).set(copied[c], o);
  const mint = START_MS + (SAMPLES_PER_CHUNK / 2) * SCRAPE_MS;
  const maxt = START_MS + (DISTINCT_CHUNKS * SAMPLES_PER_CHUNK - SAMPLES_PER_CHUNK / 2) * SCRAPE_MS;
  // One tombstone: the middle of the third chunk of the sequence.
  const intervals = Float64Array.of(START_MS + 2.25 * SAMPLES_PER_CHUNK * SCRAPE_MS, START_MS + 2.75 * SAMPLES_PER_CHUNK * SCRAPE_MS);
  const ops = new Float64Array(WARM_UP_SERIES * (SERIES_HEADER + OP_SIZE * (CHUNKS_PER_SERIES + 4)) + LONG_SERIES * (SERIES_HEADER + 2 * OP_SIZE));
  let p = 0;
  const op = (kind: number, a: number, b: number, c: number, d: number): void => {
    ops.set([kind, a, b, c, d], p);
    p += OP_SIZE;
  };
  // Long chunks first: V8 compiles the decoders with the feedback of every path run by then.
  for (let s = 0; s < LONG_SERIES; s++) {
    const k = DISTINCT_CHUNKS + (s % (2 * SHAPES));
    ops[p++] = LONG_SAMPLES;
    ops[p++] = 2;
    op(OP_MARK, 0, 0, 0, 0);
    op(OP_CHUNK, chunks[k].encoding, fileOf(k), at[k], chunks[k].bytes.length);
  }
  let timestampsOnlyOps = 0;
  for (let s = 0; s < WARM_UP_SERIES; s++) {
    if (s === TIMESTAMPS_ONLY_SHORT_SERIES) timestampsOnlyOps = p;
    const from = (s * CHUNKS_PER_SERIES) % starts;
    const loose = from + CHUNKS_PER_SERIES + 1 < DISTINCT_CHUNKS;
    const openChunk = loose && s % OPEN_EVERY === 0;
    const drop = s % DROP_EVERY === 1;
    ops[p++] = CHUNKS_PER_SERIES * SAMPLES_PER_CHUNK + (loose ? LOOSE_PER_SERIES : 0) + (openChunk ? OPEN_SAMPLES : 0);
    ops[p++] = 1 + CHUNKS_PER_SERIES + (drop ? 1 : 0) + (loose ? 1 : 0) + (openChunk ? 1 : 0);
    op(OP_MARK, 0, 0, 0, 0);
    for (let k = from; k < from + CHUNKS_PER_SERIES; k++) op(OP_CHUNK, chunks[k].encoding, fileOf(k), at[k], chunks[k].bytes.length);
    if (drop) op(OP_DROP, 0, intervals.length, 0, 0);
    if (openChunk) op(OP_CHUNK_FROM, 0, open[from].pointAt, open[from].at, open[from].length);
    if (loose) op(OP_SAMPLES, from * LOOSE_PER_SERIES, LOOSE_PER_SERIES, 0, 0);
  }
  return { sources: [copies, ...files], ops: ops.subarray(0, p), timestampsOnlyOps, looseT, looseV, looseS: new Uint8Array(looseT.length), intervals, mint, maxt };
}
