/**
 * Which rules' output a later rule of the replay may read. A replay runs rule after rule, and a
 * rule that reads an earlier one's output must find it stored; a rule whose output nothing after
 * it reads need not be waited for until the end. "May read" is decided from names only and errs
 * towards yes: a selector reads a rule's output unless its `__name__` matchers exclude every name
 * the rule writes (the recorded name; ALERTS and ALERTS_FOR_STATE for an alerting rule), and a
 * template that can run a query (`query` in a label or annotation) may read anything.
 */
import { parseExpr } from '../../pipeline/promql/parser/parser.js';
import type { LoadedGroup, LoadedRule } from '../../pipeline/alert/rules/index.js';
import { ruleSelectors } from '../../pipeline/alert/rules/rule-selectors.js';
import { compileMatcher } from '../../pipeline/alert/rules/label-match.js';

/** Metric names a rule writes. */
function outputNames(r: LoadedRule): readonly string[] {
  return r.kind === 'recording' ? [r.name] : ['ALERTS', 'ALERTS_FOR_STATE'];
}

/** Whether `r` may read a series named `name` (any labels). */
type NameReader = (name: string) => boolean;

function nameReader(r: LoadedRule): NameReader {
  const templates = [...Object.values(r.labels), ...Object.values(r.annotations)];
  if (templates.some((t) => t.includes('{{') && t.includes('query'))) return () => true;
  const selectors = ruleSelectors(parseExpr(r.expr), 0).matchers.map((ms) => ms.filter((m) => m.name === '__name__').map(compileMatcher));
  return (name) => selectors.some((tests) => tests.every((test) => test(name)));
}

/** For every rule of `groups` (in replay order), whether a rule after it may read its output. */
export function outputsReadLater(groups: readonly LoadedGroup[]): Map<LoadedRule, boolean> {
  const rules = groups.flatMap((g) => g.rules);
  const readers = rules.map(nameReader);
  const out = new Map<LoadedRule, boolean>();
  rules.forEach((r, i) => {
    const names = outputNames(r);
    out.set(r, readers.slice(i + 1).some((read) => names.some(read)));
  });
  return out;
}

/**
 * For every rule of `groups` (in replay order), whether it may read the output of a rule before
 * it or its own: its range queries must wait until that output is readable. The others' may be
 * asked ahead of their turn.
 */
export function readsEarlierOutputs(groups: readonly LoadedGroup[]): Map<LoadedRule, boolean> {
  const rules = groups.flatMap((g) => g.rules);
  const out = new Map<LoadedRule, boolean>();
  rules.forEach((r, i) => {
    const read = nameReader(r);
    out.set(r, rules.slice(0, i + 1).some((earlier) => outputNames(earlier).some(read)));
  });
  return out;
}
