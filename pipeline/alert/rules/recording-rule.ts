/** One recording rule (Prometheus' rules.RecordingRule): the result renamed and relabelled. */
import type { Labels } from '../../../schemas/index.js';
import type { RuleSample } from './alerting-rule.js';
import { RuleEvalError } from './errors.js';
import { labelKey } from './label-key.js';
import type { VectorSample } from './query-func.js';
import type { LoadedRule } from './rule-file.js';

export class RecordingRule {
  readonly kind = 'recording';

  /** Output labels per input label object (the same input series gives the same output object). */
  private readonly renamed = new WeakMap<Labels, Labels>();

  constructor(readonly rule: LoadedRule) {}

  get name(): string { return this.rule.name; }

  /** The output series at `t`; throws RuleEvalError on duplicate label sets or an exceeded limit. */
  eval(result: readonly VectorSample[], t: number, limit: number): RuleSample[] {
    const out: RuleSample[] = [];
    const seen = new Set<string>();
    for (const s of result) {
      const l = this.outputLabels(s.labels);
      const key = labelKey(l);
      if (seen.has(key)) throw new RuleEvalError('vector contains metrics with the same labelset after applying rule labels', { rule: this.rule.name });
      seen.add(key);
      out.push(s.histogram === undefined ? { labels: l, t, value: s.value } : { labels: l, t, value: s.value, histogram: s.histogram });
    }
    if (limit > 0 && out.length > limit) throw new RuleEvalError(`exceeded limit of ${limit} with ${out.length} series`, { rule: this.rule.name });
    return out;
  }

  /** The output labels of an input series: renamed, the rule's labels applied. */
  outputLabels(labels: Labels): Labels {
    let l = this.renamed.get(labels);
    if (l === undefined) this.renamed.set(labels, (l = this.rename(labels)));
    return l;
  }

  private rename(labels: Labels): Labels {
    const l: Record<string, string> = { ...labels, __name__: this.rule.name, ...this.rule.labels };
    for (const k of Object.keys(l)) if (l[k] === '') delete l[k];
    return l;
  }
}
