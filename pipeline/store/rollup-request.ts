import { ROLLUP_COLUMNS } from '../tsdb/downsample/index.js';
import type { RollupHint } from '../tsdb/querier.js';
import { StoreRequestError } from './errors.js';

/** The `rollup` member of a select request (`{resolutionMs, column}`), or undefined when absent. */
export function parseRollupHint(value: unknown): RollupHint | undefined {
  if (value === undefined || value === null) return undefined;
  const v = value as Partial<RollupHint>;
  if (typeof value !== 'object' || typeof v.resolutionMs !== 'number' || !Number.isSafeInteger(v.resolutionMs) || v.resolutionMs <= 0) {
    throw new StoreRequestError('rollup', 'expected {resolutionMs: a positive integer, column}');
  }
  if (!ROLLUP_COLUMNS.includes(v.column as RollupHint['column'])) {
    throw new StoreRequestError('rollup.column', `expected one of ${ROLLUP_COLUMNS.join(', ')}`);
  }
  return { resolutionMs: v.resolutionMs, column: v.column as RollupHint['column'] };
}
