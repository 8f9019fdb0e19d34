export { Engine, type ParsedQuery, type QueryOptions } from './engine/engine.js';
export type { EngineOptions } from './engine/eval-context.js';
export type { QueryResult, QueryValue, ResultSeries } from './engine/types.js';
export { parseExpr } from './parser/parser.js';
export { planRollups, RollupSelects, RollupSelectsQueryable, type RollupPlan } from './engine/rollup-plan.js';
export type * from './parser/ast.js';
export { PromqlEvalError, PromqlParseError, PromqlTimeoutError, PromqlTooManySamplesError } from './errors.js';
export { runPromqlTestFiles, MemoryQueryable, type PromqlTestSummary } from './promqltest/index.js';
