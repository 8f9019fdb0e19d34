export { Tier, resolutionName, type TierOptions, type TierSeries } from './tier.js';
export { RollupQuerier } from './rollup-querier.js';
export { ENCODING_ROLLUP, encodeRollupChunk, decodeRollupChunk } from './rollup-chunk.js';
export {
  columnSeries,
  emptyWindows,
  rollupSamples,
  windowEnd,
  ROLLUP_COLUMNS,
  ROLLUP_FIELDS,
  type RollupColumn,
  type RollupField,
  type RollupWindows,
} from './rollup-windows.js';
