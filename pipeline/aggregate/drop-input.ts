/** `drop_input`: which input series the stores do not keep because a rule aggregates them instead. */
import type { Labels } from '../../schemas/index.js';
import { compileRule } from './compiled-rule.js';
import type { AggregationRuleConfig } from './config.js';

export type DropInputPredicate = (labels: Labels) => boolean;

/** The predicate of the rules with `drop_input: true`, or undefined when there is none. */
export function dropInputPredicate(rules: readonly AggregationRuleConfig[]): DropInputPredicate | undefined {
  const dropping = rules.map((r, i) => ({ r, i })).filter(({ r }) => r.drop_input).map(({ r, i }) => compileRule(r, i).matches);
  if (dropping.length === 0) return undefined;
  return (labels) => dropping.some((m) => m(labels));
}
