/**
 * How rules evaluate PromQL: a function over a `Queryable` (the window store), so the rules
 * depend on no engine class. `engineQueryFunc` adapts anything with the engine's `instantQuery`.
 */
import type { Labels } from '../../../schemas/index.js';
import type { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import type { QueryResult } from '../../promql/index.js';
import type { Queryable } from '../../tsdb/index.js';
import { RuleEvalError } from './errors.js';

export interface VectorSample {
  readonly labels: Labels;
  /** 0 for a histogram sample (Prometheus' F of one), so `$value` of an alert on histograms is 0. */
  readonly value: number;
  /** A native-histogram sample. */
  readonly histogram?: FloatHistogram;
}

/** Evaluates `query` at `timestampMs` against `source`; a scalar comes back as one sample without labels. */
export type WindowQueryFunc = (source: Queryable, query: string, timestampMs: number) => Promise<readonly VectorSample[]>;

export interface InstantQueryEngine {
  instantQuery(q: Queryable, query: string, timeMs: number): Promise<QueryResult>;
}

/** Prometheus' EngineQueryFunc: vectors as they are, scalars as a label-less sample, anything else an error. */
export function engineQueryFunc(engine: InstantQueryEngine): WindowQueryFunc {
  return async (source, query, t) => {
    const res = await engine.instantQuery(source, query, t);
    const v = res.value;
    if (v.resultType === 'vector') return v.result.map((s) => (s.h === undefined ? { labels: s.metric, value: s.v } : { labels: s.metric, value: 0, histogram: s.h }));
    if (v.resultType === 'scalar') return [{ labels: {}, value: v.result.v }];
    throw new RuleEvalError('rule result is not a vector or scalar', { query });
  };
}
