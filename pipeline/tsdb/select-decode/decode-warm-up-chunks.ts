import { encodeBest, RESUME_SIZE, SAMPLES_PER_CHUNK, XorAppender } from '../chunks/index.js';
import { STORED_WARM_UP_CHUNKS } from './decode-warm-up-chunks.stored.js';

/**
 * The chunks a decode thread's warm-up job reads (decode-warm-up.ts): encoded once by
 * encodeWarmUpChunks and kept in decode-warm-up-chunks.stored.ts, which every start reads
 * (storedWarmUpChunks). Encoding them at each start cost the main thread 74-130 CPU-ms, the
 * encoders still cold there (the whole warm-up job takes 7-9 now); decode-warm-up-chunks.test.ts
 * checks the stored ones are what the encoders make today (write-decode-warm-up-chunks.ts writes
 * them again).
 */

/** Distinct chunks of the warm-up job: every value shape (SHAPES) in turn, in both float encodings. */
export const DISTINCT_CHUNKS = 22;
/** Chunks a series of the warm-up job reads in a row. */
export const CHUNKS_PER_SERIES = 4;
/** Samples of the long chunks (as compacted blocks have: up to 2,048 samples), two a shape after the distinct ones. */
export const LONG_SAMPLES = 320;
/** Samples of a head's open chunk after each place a series' chunks can start (a resume point, then its bytes). */
export const OPEN_SAMPLES = 100;
export const SCRAPE_MS = 15_000;
/**
 * Epoch milliseconds (2023-11-14), as a select's are: compiled for the small integers of times
 * near 0, the decoders went back to the interpreter at a real select's first chunk.
 */
export const START_MS = 1_700_000_000_000;

/**
 * Value shapes of scraped series. Each takes decoder paths the others do not, and V8 compiles a
 * path only once it has run: a select reaching one the warm-up left out threw the decoder's
 * optimized code away and ran in the interpreter until it was compiled again (V8's block coverage
 * of the system benchmark's blocks decoded, against the warm-up's, names no decoder path only the
 * former takes).
 */
export const SHAPES = 11;
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

/** A head's open chunk: the resume point a read starts from (RESUME_SIZE numbers), and the chunk's bytes. */
export interface OpenWarmUpChunk {
  readonly point: Float64Array;
  readonly bytes: Uint8Array;
}

/** The warm-up job's chunks: DISTINCT_CHUNKS then the long ones (chunks), and the open chunks, one a place a series can start. */
export interface WarmUpChunks {
  readonly chunks: readonly { readonly encoding: number; readonly bytes: Uint8Array }[];
  readonly open: readonly OpenWarmUpChunk[];
}

/** Encodes the warm-up job's chunks from a fixed sequence of samples (the same at every call). */
export function encodeWarmUpChunks(): WarmUpChunks {
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
    const { encoding, bytes } = encodeBest(ts, vs, stale);
    chunks.push({ encoding, bytes });
  };
  for (let c = 0; c < DISTINCT_CHUNKS; c++) chunkOf(c % SHAPES, c * SAMPLES_PER_CHUNK, SAMPLES_PER_CHUNK, GAPS[c % GAPS.length], c % 3 === 0, c % 2 === 0 ? SAMPLES_PER_CHUNK / 4 : -1);
  // Long chunks from the first scrape (the range cuts their start) and across the range's end.
  const lastFirst = DISTINCT_CHUNKS * SAMPLES_PER_CHUNK - LONG_SAMPLES / 2;
  for (const first of [0, lastFirst]) {
    for (let c = 0; c < SHAPES; c++) chunkOf(c, first, LONG_SAMPLES, GAPS[c % GAPS.length], c % 3 === 0, c % 2 === 1 ? LONG_SAMPLES / 3 : -1);
  }
  // Per place a series' chunks can start, a head's open chunk where its next chunk would be.
  const open: OpenWarmUpChunk[] = [];
  for (let f = 0; f < DISTINCT_CHUNKS - CHUNKS_PER_SERIES + 1; f++) {
    const head = (f + CHUNKS_PER_SERIES) * SAMPLES_PER_CHUNK;
    const app = new XorAppender();
    let v = Math.floor(random() * 1e4);
    for (let i = 0; i < OPEN_SAMPLES; i++) app.append(START_MS + (head + i) * SCRAPE_MS, (v = nextValue(f % SHAPES, v, i, random)), false);
    // From its first point: the samples before the point's previous one are not read, as for a
    // range of the last minutes.
    open.push({ point: Float64Array.from(app.resumePoints!.slice(0, RESUME_SIZE)), bytes: app.view().slice() });
  }
  return { chunks, open };
}

/** The chunks encodeWarmUpChunks made when decode-warm-up-chunks.stored.ts was written. */
export function storedWarmUpChunks(): WarmUpChunks {
  return {
    chunks: STORED_WARM_UP_CHUNKS.chunks.map(([encoding, bytes]) => ({ encoding, bytes: Buffer.from(bytes, 'base64') })),
    open: STORED_WARM_UP_CHUNKS.open.map(([point, bytes]) => ({ point: Float64Array.from(point), bytes: Buffer.from(bytes, 'base64') })),
  };
}

/** The source of decode-warm-up-chunks.stored.ts holding `c`. */
export function storedWarmUpChunksSource(c: WarmUpChunks): string {
  const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
  const lines = [
    '// Written by write-decode-warm-up-chunks.ts (encodeWarmUpChunks in decode-warm-up-chunks.ts); do not edit.',
    '/** The decode warm-up job\'s chunks: [encoding, bytes in base64], and open chunks: [resume point, bytes in base64]. */',
    'export const STORED_WARM_UP_CHUNKS: { readonly chunks: readonly (readonly [number, string])[]; readonly open: readonly (readonly [readonly number[], string])[] } = {',
    '  chunks: [',
    ...c.chunks.map((x) => `    [${x.encoding}, '${b64(x.bytes)}'],`),
    '  ],',
    '  open: [',
    ...c.open.map((x) => `    [[${Array.from(x.point).join(', ')}], '${b64(x.bytes)}'],`),
    '  ],',
    '};',
    '',
  ];
  return lines.join('\n');
}
