/**
 * An alerting rule over a chunk of instants, series by series (AlertingRule.evalColumns): the
 * alert state machine walks each input series' column instead of a vector per instant, and its
 * ALERTS / ALERTS_FOR_STATE samples get the staleness markers RuleGroup would give them, in the
 * same order, with the same state left behind for the next chunk.
 */
import type { Labels } from '../../../schemas/index.js';
import type { AlertColumnsOutput, AlertTransition, AlertingRule } from '../rules/alerting-rule.js';
import { labelKey } from '../rules/label-key.js';
import type { GroupOutput, GroupRule } from '../rules/rule-group.js';
import type { RangeSeries } from './range-series.js';

/** Samples instant by instant, each instant followed by markers for the previous instant's series it lacks (RuleGroup's output). */
class StalenessMarkedOutputs implements AlertColumnsOutput {
  readonly outputs: GroupOutput[] = [];
  private previous: [string, Labels][];
  private now: [string, Labels][] = [];
  /** The instant (count) each series was last written at. */
  private readonly writtenAt = new Map<string, number>();
  private instant = 0;

  constructor(previous: ReadonlyMap<string, Labels>) {
    this.previous = [...previous];
  }

  sample(labels: Labels, t: number, value: number): void {
    const key = labelKey(labels);
    this.writtenAt.set(key, this.instant);
    this.now.push([key, labels]);
    this.outputs.push({ labels, t, value, stale: false });
  }

  instantDone(t: number): void {
    for (const [key, labels] of this.previous) if (this.writtenAt.get(key) !== this.instant) this.outputs.push({ labels, t, value: Number.NaN, stale: true });
    this.previous = this.now;
    this.now = [];
    this.instant++;
  }

  /** The last instant's series, as RuleGroup keeps them. */
  last(): Map<string, Labels> {
    return new Map(this.previous);
  }
}

/**
 * The rule's outputs and alert state changes at `instants` from the range answer `series`, with
 * `state.previous` read and replaced as RuleGroup does. Undefined, with `state` untouched, when
 * the chunk needs the instant-by-instant evaluator (AlertingRule.evalColumns says when).
 */
export async function alertingRuleColumns(
  rule: AlertingRule, state: GroupRule, series: readonly RangeSeries[], instants: readonly number[], offsetMs: number, limit: number,
): Promise<{ outputs: GroupOutput[]; transitions: AlertTransition[] } | undefined> {
  const out = new StalenessMarkedOutputs(state.previous);
  const transitions = await rule.evalColumns(series, instants, offsetMs, limit, out);
  if (transitions === undefined) return undefined;
  state.previous = out.last();
  state.status.health = 'ok';
  state.status.lastError = '';
  state.status.lastEvaluation = instants[instants.length - 1]!;
  return { outputs: out.outputs, transitions };
}
