export { collectDecodeThreadsOnDrop, DecodePool, IN_PLACE_BELOW, MIN_PART, sharedDecodePool, type DecodePoolOptions } from './decode-pool.js';
export { DecodePlanner } from './decode-planner.js';
export { OP_CHUNK, OP_DROP, OP_MARK, OP_SAMPLES, OP_SIZE, RESULT_SIZE, runDecodeJob, SERIES_HEADER, splitDecodeJob, SUMMARY, type DecodeJob, type DecodeResult } from './decode-job.js';
export { gapsWithin } from './presence-summary.js';
export { ColumnSlabs, SLAB_SAMPLES } from './column-slabs.js';
export { decodedSeries } from './decoded-series.js';
