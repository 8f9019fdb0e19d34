/** An aggregation rule ready to run: matchers compiled, durations in ms, outputs parsed. */
import { parseDuration } from '../../schemas/duration.js';
import type { Labels } from '../../schemas/index.js';
import { compileMatchers, type LabelsPredicate } from '../alert/rules/label-match.js';
import type { AggregationRuleConfig } from './config.js';
import { selectorMatchers } from './config.js';
import { COUNTER_OUTPUTS, parseOutput, type OutputSpec } from './output-kind.js';
import { compileGrouping, outputNameInfix, type CompiledGrouping, type Grouping } from './output-name.js';

export interface CompiledRule {
  /** Identity across reloads: the rule's own text (a changed rule is a new rule with new state). */
  readonly id: string;
  readonly name: string;
  readonly config: AggregationRuleConfig;
  readonly matches: LabelsPredicate;
  /** The label names `matches` reads: its outcome is a function of their values alone. */
  readonly matchLabels: readonly string[];
  readonly intervalMs: number;
  readonly stalenessMs: number;
  /** 0: no deduplication. */
  readonly dedupMs: number;
  readonly grouping: Grouping;
  readonly group: CompiledGrouping;
  readonly infix: string;
  readonly outputs: readonly OutputSpec[];
  /** Some output reads counters (increases between consecutive samples). */
  readonly counter: boolean;
  /** Some output reads rates (rate_sum, rate_avg): each series' rate over a window is folded into it. */
  readonly rates: boolean;
  readonly runningTotal: boolean;
  /**
   * Every output counts (count_samples, count_series): a float sample only moves its group's
   * sample count and, as its series enters a window, the series count (see PartitionState.countRows).
   */
  readonly countsOnly: boolean;
  /**
   * Every output reads counters or counts (total, increase, rate_sum, rate_avg, count_samples,
   * count_series): a float sample moves its series' counter state and its group's increase and
   * counts, never a sum, extreme, last value or moment (see PartitionState.counterRows).
   */
  readonly countersOnly: boolean;
  readonly needs: { readonly values: boolean; readonly buckets: boolean; readonly moments: boolean };
}

export function compileRule(config: AggregationRuleConfig, index: number): CompiledRule {
  const matchers = (Array.isArray(config.match) ? config.match : [config.match]).map(selectorMatchers);
  const selectors = matchers.map(compileMatchers);
  const intervalMs = parseDuration(config.interval);
  const outputs = config.outputs.map(parseOutput);
  const grouping: Grouping = { by: config.by, without: config.without };
  return {
    id: JSON.stringify(config),
    name: config.name ?? `${index}:${Array.isArray(config.match) ? config.match.join(',') : config.match}`,
    config,
    matches: selectors.length === 1 ? selectors[0]! : (l: Labels) => selectors.some((p) => p(l)),
    matchLabels: [...new Set(matchers.flatMap((ms) => ms.map((m) => m.name)))],
    intervalMs,
    stalenessMs: config.staleness_interval === undefined ? 2 * intervalMs : parseDuration(config.staleness_interval),
    dedupMs: config.dedup_interval === undefined ? 0 : parseDuration(config.dedup_interval),
    grouping,
    group: compileGrouping(grouping),
    infix: outputNameInfix(config.interval, grouping),
    outputs,
    counter: outputs.some((o) => COUNTER_OUTPUTS.has(o.kind)),
    rates: outputs.some((o) => o.kind === 'rate_sum' || o.kind === 'rate_avg'),
    runningTotal: outputs.some((o) => o.kind === 'total' || o.kind === 'total_prometheus'),
    countsOnly: outputs.every((o) => o.kind === 'count_samples' || o.kind === 'count_series'),
    countersOnly: outputs.every((o) => COUNTER_OUTPUTS.has(o.kind) || o.kind === 'count_samples' || o.kind === 'count_series'),
    needs: {
      values: outputs.some((o) => o.kind === 'quantiles'),
      buckets: outputs.some((o) => o.kind === 'histogram_bucket'),
      moments: outputs.some((o) => o.kind === 'stddev' || o.kind === 'stdvar'),
    },
  };
}
