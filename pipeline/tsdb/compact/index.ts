export { compactBlocks, planCompaction } from './compactor.js';
export { persistHeadRange } from './head-to-block.js';
