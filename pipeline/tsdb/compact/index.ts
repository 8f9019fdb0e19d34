export { compactBlocks, planCompaction, COMPACTED_SAMPLES_PER_CHUNK } from './compactor.js';
export { persistHeadRange } from './head-to-block.js';
