import type { Labels } from '../../schemas/labels.js';
import { compileAnchoredRegexp, expandTemplate, type AnchoredRegexp } from '../../schemas/regexp/index.js';
import type { LabelRuleConfig } from './config.js';

type Target = 'grouping_key' | 'series';

interface CompiledRule {
  readonly drop?: ReadonlySet<string>;
  readonly label?: string;
  readonly regex?: AnchoredRegexp;
  readonly replacement?: string;
}

/**
 * Label drop/rewrite rules for identifiers that change on every restart. Applied to the grouping
 * key (so a restarted Flink process replaces its previous group instead of leaving it behind)
 * and/or to the labels of emitted samples (so series keep their identity across restarts).
 */
export class LabelRules {
  private readonly byTarget: Record<Target, CompiledRule[]> = { grouping_key: [], series: [] };

  constructor(rules: readonly LabelRuleConfig[]) {
    for (const r of rules) {
      const compiled: CompiledRule =
        r.action === 'drop'
          ? { drop: new Set(r.labels) }
          : { label: r.label, regex: compileAnchoredRegexp(r.regex, { dotMatchesNewline: true }), replacement: r.replacement };
      for (const t of r.apply_to) this.byTarget[t].push(compiled);
    }
  }

  get empty(): boolean {
    return this.byTarget.grouping_key.length === 0 && this.byTarget.series.length === 0;
  }

  has(target: Target): boolean {
    return this.byTarget[target].length > 0;
  }

  /** The grouping key rewritten; `job` is never dropped or emptied. */
  groupingKey(labels: Labels): Labels {
    const out = this.apply(labels, 'grouping_key');
    if (out === labels) return labels;
    return out.job ? out : { ...out, job: labels.job };
  }

  /** Labels of an emitted series rewritten (the input object when no rule changes it). */
  series(labels: Labels): Labels {
    return this.apply(labels, 'series');
  }

  private apply(labels: Labels, target: Target): Labels {
    const rules = this.byTarget[target];
    if (rules.length === 0) return labels;
    let out: Record<string, string> | undefined;
    const cur = (): Record<string, string> => (out ??= { ...labels });
    for (const r of rules) {
      const view = out ?? labels;
      if (r.drop !== undefined) {
        for (const name of r.drop) if (name in view) delete cur()[name];
        continue;
      }
      const name = r.label as string;
      const value = view[name];
      if (value === undefined) continue;
      const m = (r.regex as AnchoredRegexp).exec(value);
      if (m === null) continue;
      const next = expandTemplate(r.replacement as string, m);
      if (next === value) continue;
      if (next === '') delete cur()[name];
      else cur()[name] = next;
    }
    return out ?? labels;
  }
}
