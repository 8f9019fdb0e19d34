export { EvalPool, defaultEvalWorkers, sharedEvalPool } from './eval-pool.js';
export { SmallJobsInPlace } from './small-jobs-in-place.js';
