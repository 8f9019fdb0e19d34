import { RE2JS, RE2JSException } from 're2js';
import { RegexpSyntaxError } from './regexp-syntax-error.js';

/** A compiled expression and its capture names, each with every group it names in order. */
export interface Re2 {
  readonly re: RE2JS;
  readonly names: Readonly<Record<string, readonly number[]>>;
}

/**
 * The one regular expression engine behind every user-written regex: RE2 (re2js, a pure
 * JavaScript port of RE2/J), so syntax, semantics and error messages are Go's `regexp`.
 * `.` matches a code point (astral characters included), as Go's matches a rune.
 */
export function compileRe2(expr: string, pattern: string, dotMatchesNewline: boolean): Re2 {
  try {
    const re = RE2JS.compile(expr, dotMatchesNewline ? RE2JS.DOTALL : 0);
    const names: Record<string, number[]> = {};
    for (const [name, index] of Object.entries(re.namedGroups())) names[name] = [index];
    return { re, names };
  } catch (err) {
    if (!(err instanceof RE2JSException)) throw err;
    // Go accepts a capture name used twice (RE2/J does not): compile without the later names
    // and remember which groups they named.
    if (err.message.startsWith('error parsing regexp: duplicate capture group name')) {
      const { expr: renamed, names } = withoutDuplicateNames(expr);
      if (renamed !== expr) return { re: compileRe2(renamed, pattern, dotMatchesNewline).re, names };
    }
    // re2js spells the flag as a `(?s)` prefix, which would show in the message: report the
    // error of the expression as written (the flag never makes a valid expression invalid).
    const plain = dotMatchesNewline ? syntaxErrorOf(expr) : err;
    throw new RegexpSyntaxError((plain ?? err).message, pattern, { cause: plain ?? err });
  }
}

function syntaxErrorOf(expr: string): RE2JSException | undefined {
  try {
    RE2JS.compile(expr, 0);
    return undefined;
  } catch (err) {
    if (err instanceof RE2JSException) return err;
    throw err;
  }
}

/** Compiled expressions by key, bounded: a query or a config reload compiles the same few again. */
export class CompileCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly limit: number) {}

  get(key: string, compile: () => T): T {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const value = compile();
    if (this.entries.size >= this.limit) this.entries.clear();
    this.entries.set(key, value);
    return value;
  }
}

/**
 * `expr` with every capture name after its first use dropped (`(?P<n>` becomes `(`), and the
 * groups each name names; escapes, `\Q…\E` and character classes are skipped.
 */
function withoutDuplicateNames(expr: string): { expr: string; names: Record<string, number[]> } {
  const names: Record<string, number[]> = {};
  let group = 0;
  let out = '';
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '\\') {
      if (expr[i + 1] === 'Q') {
        const end = expr.indexOf('\\E', i + 2);
        const stop = end < 0 ? expr.length : end + 2;
        out += expr.slice(i, stop);
        i = stop;
      } else {
        out += expr.slice(i, i + 2);
        i += 2;
      }
      continue;
    }
    if (c === '[') {
      let j = i + 1;
      if (expr[j] === '^') j++;
      if (expr[j] === ']') j++;
      while (j < expr.length && expr[j] !== ']') {
        if (expr[j] === '\\') j += 2;
        else if (expr.startsWith('[:', j) && expr.indexOf(':]', j + 2) > 0) j = expr.indexOf(':]', j + 2) + 2;
        else j++;
      }
      out += expr.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const named = /^\(\?P?<([A-Za-z0-9_]+)>/.exec(expr.slice(i, i + 200));
    if (named !== null) {
      const name = named[1]!;
      group++;
      out += names[name] !== undefined ? '(' : named[0];
      (names[name] ??= []).push(group);
      i += named[0].length;
      continue;
    }
    if (c === '(' && expr[i + 1] !== '?') group++;
    out += c;
    i++;
  }
  return { expr: out, names };
}
