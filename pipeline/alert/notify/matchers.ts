import { compileAnchoredRegexp, RegexpSyntaxError, type AnchoredRegexp } from '../../../schemas/regexp/index.js';
import { RegexCompileError } from './errors.js';
import { goQuote } from './go-quote.js';

export type MatchType = '=' | '!=' | '=~' | '!~';

// Alertmanager's labels.MatchType order (Equal, NotEqual, Regexp, NotRegexp), used when sorting.
const TYPE_ORDER: Record<MatchType, number> = { '=': 0, '!=': 1, '=~': 2, '!~': 3 };
const CLASSIC_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * A regex as Alertmanager compiles matcher, inhibit-rule and receiver-filter regexes: RE2,
 * `^(?:re)$` (`.` does not match a newline). Throws RegexCompileError with Go's message.
 */
export function compileMatcherRegexp(pattern: string): AnchoredRegexp {
  try {
    return compileAnchoredRegexp(pattern, { dotMatchesNewline: false });
  } catch (err) {
    if (err instanceof RegexpSyntaxError) throw new RegexCompileError(err.message, pattern, { cause: err });
    throw err;
  }
}

/** One label matcher as Alertmanager's `pkg/labels.Matcher`; an absent label has the value `""`. */
export class Matcher {
  readonly name: string;
  readonly type: MatchType;
  readonly value: string;
  private readonly re: AnchoredRegexp | undefined;

  /**
   * Throws RegexCompileError for an invalid regex value. `compiled` lets legacy `match_re`
   * matchers keep their anchored text (`^(?:re)$`) while matching with the user's regex.
   */
  constructor(type: MatchType, name: string, value: string, compiled?: AnchoredRegexp) {
    this.type = type;
    this.name = name;
    this.value = value;
    this.re = type === '=~' || type === '!~' ? (compiled ?? compileMatcherRegexp(value)) : undefined;
  }

  matches(value: string): boolean {
    switch (this.type) {
      case '=': return value === this.value;
      case '!=': return value !== this.value;
      case '=~': return this.re!.test(value);
      case '!~': return !this.re!.test(value);
    }
  }

  /** `name<op>"value"`; a name that is not a classic label name is quoted, as upstream does. */
  toString(): string {
    const name = CLASSIC_NAME.test(this.name) ? this.name : goQuote(this.name);
    return `${name}${this.type}${goQuote(this.value)}`;
  }
}

/** True when every matcher matches `labels` (absent labels read as `""`). */
export function matchesAll(matchers: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  for (const m of matchers) if (!m.matches(labels[m.name] ?? '')) return false;
  return true;
}

/** Sort as `labels.Matchers` sorts: by name, then value, then match type. */
export function sortMatchers(matchers: Matcher[]): Matcher[] {
  return matchers.sort((a, b) => {
    if (a.name !== b.name) return a.name < b.name ? -1 : 1;
    if (a.value !== b.value) return a.value < b.value ? -1 : 1;
    return TYPE_ORDER[a.type] - TYPE_ORDER[b.type];
  });
}

/** `{a="1",b!~"x"}`: `labels.Matchers.String()`, used in route keys. */
export function formatMatchers(matchers: readonly Matcher[]): string {
  return `{${matchers.map((m) => m.toString()).join(',')}}`;
}
