import { RE2JS, RE2JSException } from 're2js';
import { RegexpSyntaxError } from './regexp-syntax-error.js';

/**
 * The one regular expression engine behind every user-written regex: RE2 (re2js, a pure
 * JavaScript port of RE2/J), so syntax, semantics and error messages are Go's `regexp`.
 * `.` matches a code point (astral characters included), as Go's matches a rune.
 */
export function compileRe2(expr: string, pattern: string, dotMatchesNewline: boolean): RE2JS {
  try {
    return RE2JS.compile(expr, dotMatchesNewline ? RE2JS.DOTALL : 0);
  } catch (err) {
    if (!(err instanceof RE2JSException)) throw err;
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
