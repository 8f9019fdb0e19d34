import type { EncodedChunk, SampleBuffer } from '../chunks/index.js';

/** Samples per chunk in blocks, cut from the head or compacted (6 h at 15 s fit in about one chunk). */
export const COMPACTED_SAMPLES_PER_CHUNK = 2048;

/**
 * Encodes one series' samples (in `buf`) as a block stores them: chunks of up to
 * COMPACTED_SAMPLES_PER_CHUNK samples, each in its smaller encoding. Per-chunk headers and first
 * raw values amortise over more samples than in the head's chunks.
 */
export function encodeLongChunks(buf: SampleBuffer): EncodedChunk[] {
  return buf.encodeBestChunks(COMPACTED_SAMPLES_PER_CHUNK);
}
