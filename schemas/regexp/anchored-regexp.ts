import { CompileCache, compileRe2, type Re2 } from './re2-engine.js';
import { fastPathFor, type FastPath } from './string-matcher.js';
import type { Submatches } from './submatches.js';

/**
 * A regex matched against a whole value, as Prometheus and Alertmanager match label values: RE2
 * (Go) syntax and semantics, fully anchored, with the common shapes answered without the engine.
 */
export class AnchoredRegexp {
  private constructor(
    /** The expression as the user wrote it. */
    readonly pattern: string,
    private readonly re2: Re2,
    /**
     * Whether the compiled text carries its own `^…$` (as Prometheus' relabeling and Alertmanager
     * wrap it): then it is searched for, as Go's MatchString does, which differs from a whole-value
     * match only for an expression that closes the wrapper early, like `a)|(b`.
     */
    private readonly wrapped: boolean,
    private readonly fast: FastPath | null,
  ) {
    this.wholeGroup = /^\((?!\?)[^()]*\)$/.test(pattern) && !/\\[QE]/.test(pattern);
  }

  /** Whether the expression is one capture group around everything, with no group inside. */
  private readonly wholeGroup: boolean;

  /** Whether the whole of `value` matches. */
  test(value: string): boolean {
    if (this.fast !== null) {
      const r = this.fast.test(value);
      if (r !== undefined) return r;
    }
    const { re } = this.re2;
    return this.wrapped ? re.test(value) : re.testExact(value);
  }

  /** The groups of a whole-value match (for `$1`/`${name}` expansion), or null. */
  exec(value: string): Submatches | null {
    const { re, names } = this.re2;
    const fast = this.fast?.test(value);
    if (fast === false) return null;
    // `(.*)`, relabeling's default, and any `(…)` the fast path reads: the group is the value.
    if (this.wholeGroup && this.fast !== null) return (fast ?? this.test(value)) ? { values: [value, value], names } : null;
    if (this.wrapped) {
      // The wrapper anchors, so Go's leftmost-first search is what Prometheus runs.
      const found = re.re2().findSubmatch(value) as (string | null)[] | null;
      return found === null ? null : { values: found.map((g) => g ?? undefined), names };
    }
    const m = re.matcher(value);
    if (!m.matches()) return null;
    const values: (string | undefined)[] = [];
    for (let g = 0; g <= re.groupCount(); g++) values.push(m.group(g) ?? undefined);
    return { values, names };
  }

  /**
   * Every value that matches, when the expression is an alternation of literals (`a|b|c`): an
   * index can look these up instead of testing each value, as Prometheus' SetMatches.
   */
  get setMatches(): readonly string[] | undefined {
    return this.fast?.literals;
  }

  /** Whether `test` is answered without the RE2 engine for at least some values. */
  get optimized(): boolean {
    return this.fast !== null;
  }

  /** @internal */
  static create(pattern: string, expr: string, dotMatchesNewline: boolean): AnchoredRegexp {
    return new AnchoredRegexp(pattern, compileRe2(expr, pattern, dotMatchesNewline), expr !== pattern, fastPathFor(pattern, dotMatchesNewline));
  }
}

const selectorCache = new CompileCache<AnchoredRegexp>(10_000);
const dotNLCache = new CompileCache<AnchoredRegexp>(10_000);
const plainCache = new CompileCache<AnchoredRegexp>(10_000);

/**
 * A PromQL `=~`/`!~` value, as Prometheus' FastRegexMatcher: the expression alone is parsed with
 * `.` matching newlines (so `a)|(b` is an error, as there) and matched as `^(?s:re)$`.
 * Throws RegexpSyntaxError with Go's message.
 */
export function compileSelectorRegexp(pattern: string): AnchoredRegexp {
  return selectorCache.get(pattern, () => AnchoredRegexp.create(pattern, pattern, true));
}

/**
 * A regex Prometheus compiles as `^(?s:re)$` (relabel configs, `label_replace`), or, with
 * `dotMatchesNewline: false`, one Alertmanager compiles as `^(?:re)$` (matchers, inhibit rules,
 * the receiver filter). The text is wrapped before parsing, as there.
 * Throws RegexpSyntaxError with Go's message.
 */
export function compileAnchoredRegexp(pattern: string, opts: { dotMatchesNewline: boolean }): AnchoredRegexp {
  if (opts.dotMatchesNewline) return dotNLCache.get(pattern, () => AnchoredRegexp.create(pattern, `^(?s:${pattern})$`, true));
  return plainCache.get(pattern, () => AnchoredRegexp.create(pattern, `^(?:${pattern})$`, false));
}
