/**
 * The loaded rules as the evaluator runs them: groups built from rule files, every selector the
 * expressions use (what the window store admits) and the longest span back they read. Reloading
 * carries alert state and evaluation progress over to groups and rules of the same name.
 */
import { parseExpr } from '../../promql/index.js';
import type { LabelMatcher } from '../../tsdb/index.js';
import type { Labels } from '../../../schemas/index.js';
import type { QueryFunc } from '../template/index.js';
import { AlertingRule, type ActiveAlert } from './alerting-rule.js';
import { RuleFileError } from './errors.js';
import { RuleGroup } from './rule-group.js';
import { loadRuleFile, type LoadedGroup } from './rule-file.js';
import { ruleSelectors } from './rule-selectors.js';
import type { SavedGroup } from './alert-state-file.js';
import { ArrivalInstants } from './arrival-instants.js';
import { compileMatchers, type LabelsPredicate } from './label-match.js';
import { exprParser } from './expr-parser.js';

export { exprParser };

export interface RuleSetOptions {
  readonly evaluationIntervalMs: number;
  readonly queryOffsetMs: number;
  readonly lookbackDeltaMs: number;
  readonly externalLabels: Labels;
  readonly externalURL: string;
  readonly templateQuery?: QueryFunc;
}

/** A scheduled group: the rules plus the next event-time instant it is due at. */
export interface ScheduledGroup {
  readonly group: RuleGroup;
  /** Undefined until the first watermark (or restored state) says where to start. */
  next: number | undefined;
  /** Series a sample of which makes the group's alerting rules due at that sample's instant. */
  readonly arrivalSelectors: readonly LabelsPredicate[];
  /** Instants between interval instants at which samples arrived for the alerting rules. */
  readonly arrivals: ArrivalInstants;
  /** The last instant evaluated (interval or arrival); no arrival at or before it is queued. */
  evaluatedTo: number;
}

export class RuleSet {
  private constructor(
    readonly groups: readonly ScheduledGroup[],
    readonly matchers: readonly (readonly LabelMatcher[])[],
    /** Longest reach back before an evaluation instant, query offsets included. */
    readonly spanMs: number,
  ) {}

  /** Whether any group has alerting rules, which arriving samples can wake. */
  get wakesOnArrival(): boolean {
    return this.groups.some((g) => g.arrivalSelectors.length > 0);
  }

  static empty(): RuleSet {
    return new RuleSet([], [], 0);
  }

  /** Builds the set from loaded groups (already validated). */
  static fromGroups(loaded: readonly LoadedGroup[], o: RuleSetOptions): RuleSet {
    const matchers: (readonly LabelMatcher[])[] = [];
    let span = o.lookbackDeltaMs;
    const groups = loaded.map((g) => {
      const offset = g.queryOffsetMs ?? o.queryOffsetMs;
      const arrivalSelectors: LabelsPredicate[] = [];
      for (const r of g.rules) {
        const sel = ruleSelectors(parseExpr(r.expr), o.lookbackDeltaMs);
        matchers.push(...sel.matchers);
        if (r.kind === 'alerting') arrivalSelectors.push(...sel.matchers.map(compileMatchers));
        span = Math.max(span, sel.spanMs + offset);
        // Templates may query anything; their selectors are kept too when they are literal.
        for (const text of [...Object.values(r.labels), ...Object.values(r.annotations)]) {
          for (const m of text.matchAll(/query\s+"((?:[^"\\]|\\.)*)"/g)) {
            try {
              const s = ruleSelectors(parseExpr(JSON.parse(`"${m[1]}"`) as string), o.lookbackDeltaMs);
              matchers.push(...s.matchers);
              span = Math.max(span, s.spanMs + offset);
            } catch { /* not a literal query: evaluated over what the window holds */ }
          }
        }
      }
      const group = new RuleGroup(g, g.intervalMs ?? o.evaluationIntervalMs, offset, (r) => new AlertingRule(r, {
        externalLabels: o.externalLabels, externalURL: o.externalURL, templateQuery: o.templateQuery,
      }));
      return { group, next: undefined, arrivalSelectors, arrivals: new ArrivalInstants(), evaluatedTo: Number.NEGATIVE_INFINITY };
    });
    return new RuleSet(groups, matchers, span);
  }

  /** Loads and validates rule files; throws the first file's errors as one RuleFileError. */
  static async load(files: readonly string[], o: RuleSetOptions): Promise<RuleSet> {
    const loaded: LoadedGroup[] = [];
    for (const f of files) {
      const res = await loadRuleFile(f, exprParser);
      if (res.errors.length > 0) {
        const first = res.errors[0]!;
        throw new RuleFileError(res.errors.map((e) => e.detail).join('; '), first.context, first);
      }
      loaded.push(...res.groups);
    }
    return RuleSet.fromGroups(loaded, o);
  }

  /** Carries alert state and progress over from `old` (same file, group and rule name). */
  inheritFrom(old: RuleSet): void {
    const byKey = new Map(old.groups.map((g) => [g.group.key, g]));
    for (const g of this.groups) {
      const prev = byKey.get(g.group.key);
      if (prev === undefined) continue;
      if (prev.next !== undefined) g.next = alignAfter(prev.next - prev.group.intervalMs, g.group.intervalMs);
      g.evaluatedTo = prev.evaluatedTo;
      if (g.arrivalSelectors.length > 0) for (const t of prev.arrivals.values()) g.arrivals.add(t);
      const rules = new Map(prev.group.rules.map((r, i) => [ruleKey(r.impl.name, i), r]));
      g.group.rules.forEach((r, i) => {
        const p = rules.get(ruleKey(r.impl.name, i));
        if (p !== undefined && r.impl instanceof AlertingRule && p.impl instanceof AlertingRule) r.impl.restore(p.impl.alerts());
        if (p !== undefined) r.previous = p.previous;
      });
    }
  }

  /** Restores progress and alerts saved before a restart. */
  restore(saved: Readonly<Record<string, SavedGroup>>): void {
    for (const g of this.groups) {
      const s = saved[g.group.key];
      if (s === undefined) continue;
      if (s.lastEvaluation > 0) {
        g.next = alignAfter(s.lastEvaluation, g.group.intervalMs);
        g.evaluatedTo = s.lastEvaluation;
      }
      g.group.rules.forEach((r, i) => {
        const alerts = s.rules[ruleKey(r.impl.name, i)];
        if (alerts !== undefined && r.impl instanceof AlertingRule) r.impl.restore(alerts);
      });
    }
  }

  /** What `writeAlertState` stores. */
  save(): Record<string, SavedGroup> {
    const out: Record<string, SavedGroup> = {};
    for (const g of this.groups) {
      const rules: Record<string, readonly ActiveAlert[]> = {};
      g.group.rules.forEach((r, i) => {
        if (r.impl instanceof AlertingRule) rules[ruleKey(r.impl.name, i)] = r.impl.alerts();
      });
      const last = g.next === undefined ? 0 : Math.max(g.next - g.group.intervalMs, g.evaluatedTo);
      out[g.group.key] = { lastEvaluation: last, rules };
    }
    return out;
  }
}

export function ruleKey(name: string, index: number): string {
  return `${name}#${index}`;
}

/** The first multiple of `intervalMs` strictly after `t`. */
export function alignAfter(t: number, intervalMs: number): number {
  return (Math.floor(t / intervalMs) + 1) * intervalMs;
}
