export { EvalPool, defaultEvalWorkers, sharedEvalPool } from './eval-pool.js';
