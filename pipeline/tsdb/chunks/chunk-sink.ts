import type { FloatHistogram } from '../../../schemas/native-histogram/index.js';

/**
 * What a storage source hands a series' samples in range to, in the order a read must see them:
 * encoded chunks, loose samples (out-of-order ones not yet in a chunk), native histograms and the
 * start timestamps of the samples that have one.
 * SampleBuffer decodes them on the spot; a select's decode plan (select-decode/) records them to
 * be decoded on another thread.
 */
export interface ChunkSink {
  /** A chunk of any encoding; only its samples in [mint, maxt] are read. */
  pushEncoded(encoding: number, bytes: Uint8Array, mint: number, maxt: number): void;
  /** An XOR chunk. */
  pushChunk(bytes: Uint8Array, mint: number, maxt: number): void;
  /**
   * An XOR chunk read from the resume point at `at` of `points` on (xor-resume.ts: its appender's,
   * one whose previous sample is before `mint`): what a series' sample bound counts of it.
   */
  pushChunkFrom(bytes: Uint8Array, points: readonly number[], at: number, mint: number, maxt: number): void;
  /**
   * A chunk of any encoding by where it lies in shared memory, in place of `pushEncoded` with a
   * view of it: a sink that only records chunk references (a decode plan) saves a typed array a
   * chunk. Sources call it when the sink has it; the range is the sink's, as for `pushEncoded`.
   */
  pushSpan?(encoding: number, file: SharedArrayBuffer, byteOffset: number, byteLength: number): void;
  /**
   * Loose samples `t[from..to)` with their values and staleness flags (1: a staleness marker),
   * ascending by timestamp: one call for a run, so a sink that records them copies columns.
   */
  pushSamples(t: ArrayLike<number>, v: ArrayLike<number>, s: ArrayLike<number>, from: number, to: number): void;
  pushHistogram(t: number, h: FloatHistogram): void;
  /** The start timestamp of the sample at `t` (held beside it; see `Series.startTimestamps`). */
  pushStartTimestamp(t: number, st: number): void;
}
