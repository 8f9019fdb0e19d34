import type { InhibitRuleConfig } from './config/inhibit-config.js';
import { matchesAll } from './matchers.js';

type LabelSet = Readonly<Record<string, string>>;

/** The rule and source alert that mute a target, when one does. */
export interface Inhibition {
  readonly rule: InhibitRuleConfig;
  readonly source: LabelSet;
}

/**
 * Whether `target` is muted by some firing alert under `rules` (inhibit.Inhibitor.Mutes): the
 * target matches a rule's target side, and a firing alert matches its source side with equal
 * values (absent = "") for every `equal` label. When the target also matches the source side,
 * sources that match both sides are skipped, so an alert cannot inhibit itself.
 * `firing` must hold only alerts that are firing now.
 */
export function findInhibition(rules: readonly InhibitRuleConfig[], target: LabelSet, firing: Iterable<LabelSet>): Inhibition | undefined {
  let sources: LabelSet[] | undefined;
  for (const rule of rules) {
    if (!matchesAll(rule.targetMatchers, target)) continue;
    const excludeTwoSided = matchesAll(rule.sourceMatchers, target);
    sources ??= Array.from(firing);
    outer: for (const src of sources) {
      if (!matchesAll(rule.sourceMatchers, src)) continue;
      for (const n of rule.equal) if ((src[n] ?? '') !== (target[n] ?? '')) continue outer;
      if (excludeTwoSided && matchesAll(rule.targetMatchers, src)) continue;
      return { rule, source: src };
    }
  }
  return undefined;
}

export function isInhibited(rules: readonly InhibitRuleConfig[], target: LabelSet, firing: Iterable<LabelSet>): boolean {
  return findInhibition(rules, target, firing) !== undefined;
}
