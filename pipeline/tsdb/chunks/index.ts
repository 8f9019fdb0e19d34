export { BitReader, BitWriter } from './bstream.js';
export { XorAppender, XorChunk, XorIterator, chunkSampleCount, ENCODING_XOR, SAMPLES_PER_CHUNK } from './xor-chunk.js';
export { STALE_HI, STALE_LO, isStaleBits, joinFloat, sameValue } from './float-bits.js';
export { SampleBuffer } from './sample-buffer.js';
export { ENCODING_DECIMAL, encodeDecimal, decodeDecimalInto } from './decimal-chunk.js';
export { decodeXorInto } from './xor-decode.js';
export { decodeInto, encodeBest, encodedSampleCount, isKnownEncoding, ENCODING_ROLLUP, type EncodedChunk } from './chunk-codec.js';
export type { SampleTarget } from './sample-target.js';
