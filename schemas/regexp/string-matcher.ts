/**
 * Fast paths for the regexes label matchers use most, as Prometheus' FastRegexMatcher has them: a
 * literal, an alternation of literals (a set lookup), a literal prefix, suffix or infix around `.*`
 * or `.+`, `.*` and `.+` alone, and `(?i)` over ASCII literals. The expression is read by a small
 * parser that gives up (returns null) on anything else, which the RE2 engine then matches.
 *
 * A matcher answers true, false, or undefined when the value needs the engine (case folding of a
 * non-ASCII value, or a newline where `.` does not match one).
 */
export type StringMatcher = (value: string) => boolean | undefined;

export interface FastPath {
  readonly test: StringMatcher;
  /** Every value that matches, when the expression is a case-sensitive literal alternation. */
  readonly literals?: readonly string[];
}

type Part =
  | { readonly kind: 'lit'; readonly text: string; readonly fold: boolean }
  | { readonly kind: 'any'; readonly nonEmpty: boolean }
  | { readonly kind: 'alt'; readonly seqs: Part[][] };

/** Beyond this many strings multiplying out `a(b|c)…` is not worth it (Prometheus' maxSetMatches). */
const MAX_SET = 256;
const NON_ASCII = /[^\x00-\x7f]/;
const ASCII_PUNCT = /^[!-/:-@[-`{-~]$/;
const QUANTIFIER = new Set(['*', '+', '?', '{']);
const META = new Set(['[', ']', '{', '}', '^', '$', '*', '+', '?']);

class GiveUp extends Error {}

/** A fast path for the fully anchored `pattern`, or null when there is none. */
export function fastPathFor(pattern: string, dotMatchesNewline: boolean): FastPath | null {
  try {
    const p = new PatternReader(pattern);
    const seqs = flatten(p.alternation());
    if (!p.atEnd()) return null;
    const literals = literalsOf(seqs);
    if (literals !== null) return { test: (v) => literals.has(v), literals: [...literals] };
    const test = alternationMatcher(seqs, dotMatchesNewline);
    return test === null ? null : { test };
  } catch (err) {
    if (err instanceof GiveUp) return null;
    throw err;
  }
}

class PatternReader {
  private i = 0;
  private fold = false;

  constructor(private readonly s: string) {}

  atEnd(): boolean {
    return this.i >= this.s.length;
  }

  alternation(): Part[][] {
    const seqs = [this.sequence()];
    while (this.s[this.i] === '|') {
      this.i++;
      seqs.push(this.sequence());
    }
    return seqs;
  }

  private sequence(): Part[] {
    const parts: Part[] = [];
    const s = this.s;
    while (this.i < s.length && s[this.i] !== '|' && s[this.i] !== ')') {
      const c = s[this.i]!;
      if (s.startsWith('(?i)', this.i)) {
        // Go keeps a flag to the end of the enclosing group, across `|`.
        this.fold = true;
        this.i += 4;
      } else if (c === '(') {
        if (s.startsWith('(?:', this.i)) this.i += 3;
        else if (s[this.i + 1] === '?') throw new GiveUp();
        else this.i++;
        const outerFold = this.fold;
        const seqs = this.alternation();
        if (s[this.i] !== ')') throw new GiveUp();
        this.i++;
        this.fold = outerFold;
        this.noQuantifier();
        parts.push({ kind: 'alt', seqs });
      } else if (c === '.') {
        const q = s[this.i + 1];
        if (q !== '*' && q !== '+') throw new GiveUp();
        this.i += 2;
        this.noQuantifier();
        parts.push({ kind: 'any', nonEmpty: q === '+' });
      } else if (c === '\\') {
        const e = s[this.i + 1] ?? '';
        if (!ASCII_PUNCT.test(e)) throw new GiveUp();
        this.i += 2;
        parts.push(this.literal(e));
      } else if (META.has(c)) {
        throw new GiveUp();
      } else {
        const ch = String.fromCodePoint(s.codePointAt(this.i)!);
        this.i += ch.length;
        parts.push(this.literal(ch));
      }
    }
    return parts;
  }

  /** Case folding is only done here for ASCII literals; anything else goes to the engine. */
  private literal(ch: string): Part {
    this.noQuantifier();
    if (this.fold && NON_ASCII.test(ch)) throw new GiveUp();
    return { kind: 'lit', text: this.fold ? ch.toLowerCase() : ch, fold: this.fold };
  }

  /** A quantifier applies to the last atom only: `ab*` is not the literal `ab` repeated. */
  private noQuantifier(): void {
    if (QUANTIFIER.has(this.s[this.i] ?? '')) throw new GiveUp();
  }
}

/**
 * Sequences reduced to literals and `.*`/`.+`: groups are spliced in, literal-only alternations
 * inside a sequence multiplied out, neighbouring literals of the same case folding joined.
 */
function flatten(seqs: Part[][]): Part[][] {
  const out: Part[][] = [];
  for (const seq of seqs) {
    if (seq.length === 1 && seq[0]!.kind === 'alt') {
      out.push(...flatten(seq[0].seqs));
      continue;
    }
    let variants: Part[][] = [[]];
    for (const part of seq) {
      if (part.kind !== 'alt') {
        for (const v of variants) v.push(part);
        continue;
      }
      const inner = flatten(part.seqs);
      if (inner.some((s) => s.some((p) => p.kind !== 'lit'))) throw new GiveUp();
      if (variants.length * inner.length > MAX_SET) throw new GiveUp();
      variants = variants.flatMap((v) => inner.map((s) => [...v, ...s]));
    }
    out.push(...variants.map(joinLiterals));
  }
  return out;
}

function joinLiterals(seq: Part[]): Part[] {
  const out: Part[] = [];
  for (const p of seq) {
    const last = out[out.length - 1];
    if (p.kind === 'lit' && last?.kind === 'lit' && last.fold === p.fold) out[out.length - 1] = { ...last, text: last.text + p.text };
    else if (p.kind === 'lit' && p.text === '') continue;
    else out.push(p);
  }
  return out;
}

/** The strings a literal-only, case-sensitive alternation matches, or null. */
function literalsOf(seqs: Part[][]): Set<string> | null {
  const out = new Set<string>();
  for (const s of seqs) {
    if (s.length === 0) out.add('');
    else if (s.length === 1 && s[0]!.kind === 'lit' && !s[0].fold) out.add(s[0].text);
    else return null;
  }
  return out;
}

function alternationMatcher(seqs: Part[][], dotNL: boolean): StringMatcher | null {
  // `(?i)a|b|c`: one set of lower-cased values (a case-sensitive one is literalsOf's).
  if (seqs.length > 1 && seqs.every((s) => s.length === 1 && s[0]!.kind === 'lit' && s[0].fold)) {
    const values = new Set(seqs.map((s) => (s[0] as { text: string }).text));
    return (v) => (NON_ASCII.test(v) ? undefined : values.has(v.toLowerCase()));
  }
  const matchers = seqs.map((s) => sequenceMatcher(s, dotNL));
  if (matchers.some((m) => m === null)) return null;
  const ms = matchers as StringMatcher[];
  if (ms.length === 1) return ms[0]!;
  return (v) => {
    let unsure = false;
    for (const m of ms) {
      const r = m(v);
      if (r === true) return true;
      if (r === undefined) unsure = true;
    }
    return unsure ? undefined : false;
  };
}

function sequenceMatcher(seq: Part[], dotNL: boolean): StringMatcher | null {
  // Groups are gone after flatten: a sequence is literals (L) and `.*`/`.+` (A).
  const shape = seq.map((p) => (p.kind === 'lit' ? 'L' : 'A')).join('');
  const lit = (i: number) => seq[i] as { text: string; fold: boolean };
  const any = (i: number) => seq[i] as { nonEmpty: boolean };
  const fold = seq.some((p) => p.kind === 'lit' && p.fold);
  const hasAny = shape.includes('A');
  let m: ((v: string) => boolean) | null;
  switch (shape) {
    case '': m = (v) => v === ''; break;
    case 'L': { const t = lit(0).text; m = (v) => v === t; break; }
    case 'A': { const ne = any(0).nonEmpty; m = ne ? (v) => v.length > 0 : () => true; break; }
    case 'LA': {
      const t = lit(0).text;
      const min = t.length + (any(1).nonEmpty ? 1 : 0);
      m = (v) => v.length >= min && v.startsWith(t);
      break;
    }
    case 'AL': {
      const t = lit(1).text;
      const min = t.length + (any(0).nonEmpty ? 1 : 0);
      m = (v) => v.length >= min && v.endsWith(t);
      break;
    }
    case 'LAL': {
      const p = lit(0).text;
      const s = lit(2).text;
      const min = p.length + s.length + (any(1).nonEmpty ? 1 : 0);
      m = (v) => v.length >= min && v.startsWith(p) && v.endsWith(s);
      break;
    }
    case 'ALA': {
      const t = lit(1).text;
      const before = any(0).nonEmpty ? 1 : 0;
      const after = any(2).nonEmpty ? 1 : 0;
      // The first occurrence far enough in leaves the most room after it.
      m = (v) => {
        const at = v.indexOf(t, before);
        return at >= 0 && at + t.length + after <= v.length;
      };
      break;
    }
    default: m = null;
  }
  if (m === null) return null;
  const check = m;
  // Mixed folded and exact literals in one sequence are rare: leave them to the engine.
  if (fold && seq.some((p) => p.kind === 'lit' && !p.fold)) return null;
  if (!fold && (dotNL || !hasAny)) return check;
  if (fold && (shape === 'LA' || shape === 'AL')) {
    // Only the literal's end of the value needs folding: the cheap and common `(?i)prefix.*`.
    const t = lit(shape === 'LA' ? 0 : 1).text;
    const min = t.length + (any(shape === 'LA' ? 1 : 0).nonEmpty ? 1 : 0);
    const head = shape === 'LA';
    return (v) => {
      if (v.length < min) return false;
      const end = head ? v.slice(0, t.length) : v.slice(v.length - t.length);
      // Go folds K (Kelvin) to k and ſ to s: a non-ASCII value goes to the engine.
      if (NON_ASCII.test(end)) return undefined;
      if (end.toLowerCase() !== t) return false;
      return !dotNL && v.includes('\n') ? undefined : true;
    };
  }
  return (v) => {
    if (fold && NON_ASCII.test(v)) return undefined;
    if (hasAny && !dotNL && v.includes('\n')) return undefined;
    return check(fold ? v.toLowerCase() : v);
  };
}
