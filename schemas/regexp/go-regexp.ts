import { CompileCache, compileRe2, type Re2 } from './re2-engine.js';
import { expandTemplate, type Submatches } from './submatches.js';

/**
 * A Go `regexp.Regexp`, unanchored, as `regexp.MustCompile(pattern)` compiles it: what the
 * template functions `match` and `reReplaceAll` use.
 */
export class GoRegexp {
  private constructor(
    readonly pattern: string,
    private readonly re2: Re2,
  ) {}

  /** Throws RegexpSyntaxError with Go's message for an expression RE2 rejects. */
  static compile(pattern: string): GoRegexp {
    return cache.get(pattern, () => new GoRegexp(pattern, compileRe2(pattern, pattern, false)));
  }

  /** `MatchString`: whether the expression matches anywhere in `s`. */
  test(s: string): boolean {
    return this.re2.re.test(s);
  }

  /**
   * `ReplaceAllString`: every non-overlapping match replaced by `template` expanded as
   * `Regexp.Expand` does. As Go, an empty match right after a previous match is not replaced, and
   * the search moves on by at least one character.
   */
  replaceAll(s: string, template: string): string {
    const { re, names } = this.re2;
    const m = re.matcher(s);
    const groups = re.groupCount();
    let out = '';
    let lastEnd = 0;
    let searchPos = 0;
    while (searchPos <= s.length && m.find(searchPos)) {
      const start = m.start();
      const end = m.end();
      out += s.slice(lastEnd, start);
      if (end > lastEnd || start === 0) {
        const values: (string | undefined)[] = [];
        for (let g = 0; g <= groups; g++) values.push(m.group(g) ?? undefined);
        out += expandTemplate(template, { values, names } satisfies Submatches);
      }
      lastEnd = end;
      const width = (s.codePointAt(searchPos) ?? 0) > 0xffff ? 2 : 1;
      searchPos = searchPos + width > end ? searchPos + width : end;
    }
    return out + s.slice(lastEnd);
  }
}

const cache = new CompileCache<GoRegexp>(1000);
