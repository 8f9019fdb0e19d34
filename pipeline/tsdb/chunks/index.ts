export { BitReader, BitWriter } from './bstream.js';
export { XorAppender, XorChunk, XorIterator, chunkSampleCount, ENCODING_XOR, SAMPLES_PER_CHUNK } from './xor-chunk.js';
export { STALE_HI, STALE_LO, isStaleBits, joinFloat, sameValue } from './float-bits.js';
export { SampleBuffer } from './sample-buffer.js';
