export { compactBlocks, planCompaction } from './compactor.js';
export { COMPACTED_SAMPLES_PER_CHUNK, encodeLongChunks } from './long-chunks.js';
export { persistHeadRange } from './head-to-block.js';
export { PreparedHeadRange } from './prepared-head-range.js';
