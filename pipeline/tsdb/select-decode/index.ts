export { DecodePool, IN_PLACE_BELOW, MIN_PART, sharedDecodePool, type DecodePoolOptions } from './decode-pool.js';
export { DecodePlanner } from './decode-planner.js';
export { RESULT_SIZE, runDecodeJob, type DecodeJob, type DecodeResult } from './decode-job.js';
export { ColumnSlabs, SLAB_SAMPLES } from './column-slabs.js';
