export { Tier, resolutionName, type TierOptions, type TierSeries } from './tier.js';
export { RollupQuerier } from './rollup-querier.js';
export { ENCODING_ROLLUP, encodeRollupChunk, decodeRollupChunk } from './rollup-chunk.js';
export {
  columnSeries,
  fieldsOf,
  emptyWindows,
  rollupSamples,
  windowEnd,
  ROLLUP_COLUMNS,
  ROLLUP_FIELDS,
  RollupWindows,
  type RollupColumn,
  type RollupField,
} from './rollup-windows.js';
