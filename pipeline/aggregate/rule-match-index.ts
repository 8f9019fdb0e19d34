/**
 * Which rules an input series feeds, found by the values of the labels the rules' selectors read
 * (most read `__name__` alone, so a metric's series share one answer). A series' answer was once
 * kept under its own canonical key: a map entry per input series, which the garbage collector
 * then copied and promoted; here an answer is kept per combination of deciding values.
 */
import type { Labels } from '../../schemas/index.js';
import type { CompiledRule } from './compiled-rule.js';

/** A level of the index: a deciding label's value -> the next level, or (the last) the rules' indexes. */
type MatchLevel = Map<string, MatchLevel | readonly number[]>;

const NO_RULES: readonly number[] = [];
/** Answers kept before the index starts over (rules matching on a per-series label would grow it with the series). */
const MAX_ANSWERS = 1_000_000;

export class RuleMatchIndex {
  /** The label names any rule's selectors read, in the order of the index's levels. */
  private readonly names: readonly string[];
  private root: MatchLevel = new Map();
  private answers = 0;

  constructor(private readonly rules: readonly CompiledRule[]) {
    this.names = [...new Set(rules.flatMap((r) => r.matchLabels))].sort();
  }

  /** Indexes (into the rules given) of the rules matching `labels`, ascending. */
  matching(labels: Labels): readonly number[] {
    const names = this.names;
    if (names.length === 0) return this.evaluate(labels);
    let level = this.root;
    const last = names.length - 1;
    // A missing label reads as the empty string, as the matchers read it.
    for (let i = 0; i < last; i++) {
      const v = labels[names[i]!] ?? '';
      let next = level.get(v) as MatchLevel | undefined;
      if (next === undefined) level.set(v, (next = new Map()));
      level = next;
    }
    const v = labels[names[last]!] ?? '';
    let found = level.get(v) as readonly number[] | undefined;
    if (found === undefined) {
      found = this.evaluate(labels);
      if (this.answers >= MAX_ANSWERS) {
        this.root = new Map();
        this.answers = 0;
        return found;
      }
      level.set(v, found);
      this.answers++;
    }
    return found;
  }

  private evaluate(labels: Labels): readonly number[] {
    const found: number[] = [];
    for (let i = 0; i < this.rules.length; i++) if (this.rules[i]!.matches(labels)) found.push(i);
    return found.length === 0 ? NO_RULES : found;
  }
}
