import { compileSelectorRegexp } from '../../../schemas/regexp/index.js';
import type { LabelMatcher, MatchType } from '../../tsdb/querier.js';
import { PromqlParseError } from '../errors.js';
import type {
  AggregateOp, AtModifier, BinaryOp, DurationExpr, Expr, VectorMatching, VectorSelector,
} from './ast.js';
import { FUNCTIONS } from './function-signatures.js';
import { tokenize, type Token } from './lexer.js';
import { checkTypes } from './type-check.js';

const AGGREGATORS = new Set<string>([
  'sum', 'avg', 'min', 'max', 'count', 'group', 'stddev', 'stdvar', 'topk', 'bottomk',
  'quantile', 'count_values', 'limitk', 'limit_ratio',
]);

const PRECEDENCE: Record<string, number> = {
  or: 1, and: 2, unless: 2, '==': 3, '!=': 3, '<=': 3, '<': 3, '>=': 3, '>': 3, '</': 3, '>/': 3,
  '+': 4, '-': 4, '*': 5, '/': 5, '%': 5, atan2: 5, '^': 6,
};
const COMPARISONS = new Set(['==', '!=', '<=', '<', '>=', '>']);

/**
 * The deepest expression tree the parser builds. Prometheus has no such limit (Go's stacks grow),
 * but every pass over the tree here recurses on the JavaScript stack: past this depth a query is
 * answered 400 rather than overflowing the stack. No real query comes near it.
 */
export const MAX_EXPRESSION_DEPTH = 1000;
const SET_OPS = new Set(['and', 'or', 'unless']);

export function isComparison(op: string): boolean {
  return COMPARISONS.has(op);
}
export function isSetOperator(op: string): boolean {
  return SET_OPS.has(op);
}

/** Parses and type-checks a PromQL expression; throws PromqlParseError with Prometheus's wording. */
export function parseExpr(query: string): Expr {
  const p = new Parser(query);
  const e = p.parseTop();
  checkTypes(query, e);
  return e;
}

class Parser {
  private readonly toks: Token[];
  private i = 0;
  /** Depth of the tree being built around the current token (see MAX_EXPRESSION_DEPTH). */
  private depth = 0;
  constructor(private readonly q: string) {
    this.toks = tokenize(q);
  }

  private peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)];
  }
  private next(): Token {
    return this.toks[this.i++];
  }
  private fail(t: Token, msg: string): never {
    throw new PromqlParseError(this.q, { start: t.start, end: t.end }, msg);
  }
  private describe(t: Token): string {
    switch (t.kind) {
      case 'eof': return 'end of input';
      case 'rparen': return 'right parenthesis \')\'';
      case 'lparen': return 'left parenthesis \'(\'';
      case 'rbrace': return 'right brace \'}\'';
      case 'lbrace': return 'left brace \'{\'';
      case 'rbracket': return 'right bracket \']\'';
      case 'lbracket': return 'left bracket \'[\'';
      case 'comma': return 'comma \',\'';
      case 'number': return `number "${t.text}"`;
      case 'duration': return `duration "${t.text}"`;
      case 'string': return `string ${t.text}`;
      case 'ident': return `identifier "${t.text}"`;
      case 'op': return `operator "${t.text}"`;
      default: return `"${t.text}"`;
    }
  }
  private expect(kind: Token['kind'], ctx: string): Token {
    const t = this.peek();
    if (t.kind !== kind) this.fail(t, `unexpected ${this.describe(t)} ${ctx}`);
    return this.next();
  }

  parseTop(): Expr {
    if (this.peek().kind === 'eof') this.fail(this.peek(), 'no expression found in input');
    const e = this.parseBinary(0);
    const t = this.peek();
    if (t.kind !== 'eof') this.fail(t, `unexpected ${this.describe(t)}`);
    return e;
  }

  private binaryOpAt(t: Token): string | null {
    if (t.kind === 'op' && t.text in PRECEDENCE) return t.text;
    if (t.kind === 'ident') {
      const l = t.text.toLowerCase();
      if (l === 'and' || l === 'or' || l === 'unless' || l === 'atan2') return l;
    }
    return null;
  }

  private parseBinary(minPrec: number): Expr {
    const outer = this.depth;
    try {
      this.enter();
      return this.parseBinaryChain(minPrec);
    } finally {
      this.depth = outer;
    }
  }

  private enter(): void {
    if (++this.depth > MAX_EXPRESSION_DEPTH) this.fail(this.peek(), `expression nested deeper than ${MAX_EXPRESSION_DEPTH} levels`);
  }

  private parseBinaryChain(minPrec: number): Expr {
    let lhs = this.parseUnary();
    while (true) {
      const t = this.peek();
      const op = this.binaryOpAt(t);
      if (op === null) break;
      const prec = PRECEDENCE[op];
      if (prec < minPrec) break;
      this.next();
      let bool = false;
      if (this.isKeyword('bool')) {
        this.next();
        bool = true;
      }
      const matching = this.parseMatching(op);
      // A chain `a + b + c ...` grows the tree leftwards without recursing here.
      this.enter();
      const rhs = this.parseBinary(op === '^' ? prec : prec + 1);
      lhs = {
        type: 'binary', op: op as BinaryOp, lhs, rhs, bool, matching,
        pos: { start: lhs.pos.start, end: rhs.pos.end },
      };
    }
    return lhs;
  }

  private isKeyword(word: string): boolean {
    const t = this.peek();
    return t.kind === 'ident' && t.text.toLowerCase() === word;
  }

  private parseMatching(op: string): VectorMatching | null {
    let on = false;
    let labels: string[] = [];
    let have = false;
    let card: VectorMatching['card'] = isSetOperator(op) ? 'many-to-many' : 'one-to-one';
    let include: string[] = [];
    let fillLeft: number | null = null;
    let fillRight: number | null = null;
    if (this.isKeyword('on') || this.isKeyword('ignoring')) {
      on = this.next().text.toLowerCase() === 'on';
      labels = this.parseLabelList();
      have = true;
      if (this.isKeyword('group_left') || this.isKeyword('group_right')) {
        const g = this.next();
        if (isSetOperator(op)) this.fail(g, `no grouping allowed for "${op}" operation`);
        card = g.text.toLowerCase() === 'group_left' ? 'many-to-one' : 'one-to-many';
        if (this.peek().kind === 'lparen') include = this.parseLabelList();
      }
    }
    while ((this.isKeyword('fill') || this.isKeyword('fill_left') || this.isKeyword('fill_right')) && this.peek(1).kind === 'lparen') {
      const kw = this.next().text.toLowerCase();
      this.expect('lparen', 'in fill modifier');
      let sign = 1;
      if (this.peek().kind === 'op' && (this.peek().text === '-' || this.peek().text === '+')) {
        if (this.next().text === '-') sign = -1;
      }
      const n = this.next();
      if (n.kind !== 'number' && n.kind !== 'duration') this.fail(n, `unexpected ${this.describe(n)} in fill modifier, expected number`);
      const v = sign * (n.kind === 'duration' ? n.num! / 1000 : n.num!);
      this.expect('rparen', 'in fill modifier, expected ")"');
      if (kw !== 'fill_right') fillLeft = v;
      if (kw !== 'fill_left') fillRight = v;
      have = true;
    }
    if (!have && card === 'one-to-one') return { card, on: false, labels: [], include: [], fillLeft, fillRight };
    return { card, on, labels, include, fillLeft, fillRight };
  }

  private parseLabelList(): string[] {
    this.expect('lparen', 'in grouping opts, expected "("');
    const out: string[] = [];
    while (this.peek().kind !== 'rparen') {
      const t = this.next();
      if (t.kind === 'ident') out.push(t.text);
      else if (t.kind === 'string') out.push(t.str!);
      else if (t.kind === 'number' && /^(inf|nan)$/i.test(t.text)) out.push(t.text);
      else this.fail(t, `unexpected ${this.describe(t)} in grouping opts, expected label`);
      if (this.peek().kind === 'comma') this.next();
      else if (this.peek().kind !== 'rparen') this.fail(this.peek(), `unexpected ${this.describe(this.peek())} in grouping opts, expected "," or ")"`);
    }
    this.next();
    return out;
  }

  private parseUnary(): Expr {
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
      this.next();
      // Unary operators bind like multiplication: `-a ^ b` is `-(a ^ b)`.
      const e = this.parseBinary(PRECEDENCE['^']);
      if (e.type === 'number' && t.text === '-') {
        return { type: 'number', value: -e.value, pos: { start: t.start, end: e.pos.end } };
      }
      if (e.type === 'number') return { ...e, pos: { start: t.start, end: e.pos.end } };
      return { type: 'unary', op: t.text as '-' | '+', expr: e, pos: { start: t.start, end: e.pos.end } };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePostfix(e: Expr): Expr {
    while (true) {
      const t = this.peek();
      if (t.kind === 'lbracket') {
        this.next();
        const range = this.parseDuration('in range selector');
        if (this.peek().kind === 'colon') {
          this.next();
          let step: DurationExpr | null = null;
          if (this.peek().kind !== 'rbracket') step = this.parseDuration('in subquery step');
          const close = this.expect('rbracket', 'in subquery selector, expected "]"');
          e = { type: 'subquery', expr: e, range, step, offset: null, at: null, pos: { start: e.pos.start, end: close.end } };
          continue;
        }
        const close = this.expect('rbracket', 'in range selector, expected "]"');
        if (e.type !== 'vector_selector') {
          throw new PromqlParseError(this.q, { start: e.pos.start, end: close.end }, 'ranges only allowed for vector selectors');
        }
        if (e.offset || e.at) {
          throw new PromqlParseError(this.q, { start: e.pos.start, end: close.end }, 'no offset or @ modifiers allowed before range');
        }
        let modifier: 'anchored' | 'smoothed' | null = null;
        let end = close.end;
        if (this.isKeyword('anchored') || this.isKeyword('smoothed')) {
          const m = this.next();
          modifier = m.text.toLowerCase() as 'anchored' | 'smoothed';
          end = m.end;
        }
        e = { type: 'matrix_selector', vector: e, range, modifier, pos: { start: e.pos.start, end } };
        continue;
      }
      if (this.isKeyword('offset')) {
        const kw = this.next();
        const d = this.parseOffset();
        const target = this.modifierTarget(e, kw);
        if (target.offset) this.fail(kw, 'offset may not be set multiple times');
        target.offset = d;
        continue;
      }
      if (t.kind === 'at') {
        const at = this.next();
        const target = this.modifierTarget(e, at);
        if (target.at) this.fail(at, '@ <timestamp> may not be set multiple times');
        target.at = this.parseAt();
        continue;
      }
      if (this.isKeyword('anchored') || this.isKeyword('smoothed')) {
        const m = this.next();
        if (e.type === 'matrix_selector' && e.modifier === null) {
          e = { ...e, modifier: m.text.toLowerCase() as 'anchored' | 'smoothed', pos: { start: e.pos.start, end: m.end } };
          continue;
        }
        if (e.type === 'vector_selector' && !e.smoothed && m.text.toLowerCase() === 'smoothed') {
          e.smoothed = true;
          continue;
        }
        this.fail(m, `unexpected ${this.describe(m)}`);
      }
      return e;
    }
  }

  private modifierTarget(e: Expr, kw: Token): { offset: DurationExpr | null; at: AtModifier | null } {
    if (e.type === 'vector_selector' || e.type === 'subquery') return e;
    if (e.type === 'matrix_selector') return e.vector;
    this.fail(kw, 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery');
  }

  private parseAt(): AtModifier {
    const t = this.peek();
    if (t.kind === 'ident' && (t.text === 'start' || t.text === 'end')) {
      this.next();
      this.expect('lparen', 'in @');
      this.expect('rparen', 'in @');
      return { kind: t.text };
    }
    let sign = 1;
    if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
      this.next();
      if (t.text === '-') sign = -1;
    }
    const n = this.next();
    if (n.kind !== 'number' && n.kind !== 'duration') this.fail(n, `unexpected ${this.describe(n)} in @, expected timestamp`);
    const secs = n.kind === 'duration' ? n.num! / 1000 : n.num!;
    if (!Number.isFinite(secs)) this.fail(n, `timestamp out of bounds for @ modifier: ${secs}`);
    return { kind: 'time', ms: Math.round(sign * secs * 1000) };
  }

  /** `offset` takes one signed atom; operators after it apply to the whole selector. */
  private parseOffset(): DurationExpr {
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
      this.next();
      const inner = this.parseOffset();
      return t.text === '-' ? (inner.kind === 'const' ? { kind: 'const', ms: -inner.ms } : { kind: 'neg', expr: inner }) : inner;
    }
    if (t.kind === 'duration' || t.kind === 'number') {
      this.next();
      return { kind: 'const', ms: t.kind === 'duration' ? t.num! : Math.round(t.num! * 1000) };
    }
    return this.parseDurUnary('in offset');
  }

  private isDurOpAt(k: number): boolean {
    const t = this.peek(k);
    return t.kind === 'op' && ['+', '-', '*', '/', '%', '^'].includes(t.text);
  }

  /** Parses a duration expression (seconds arithmetic, step(), range(), min_of/max_of); yields ms. */
  private parseDuration(ctx: string): DurationExpr {
    const d = this.parseDurBinary(0, ctx);
    return d;
  }

  private parseDurBinary(minPrec: number, ctx: string): DurationExpr {
    let lhs = this.parseDurUnary(ctx);
    while (true) {
      const t = this.peek();
      if (t.kind !== 'op' || !['+', '-', '*', '/', '%', '^'].includes(t.text)) break;
      const prec = PRECEDENCE[t.text];
      if (prec < minPrec) break;
      this.next();
      const rhs = this.parseDurBinary(t.text === '^' ? prec : prec + 1, ctx);
      lhs = { kind: 'binary', op: t.text as '+', lhs, rhs };
    }
    return lhs;
  }

  private parseDurUnary(ctx: string): DurationExpr {
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
      this.next();
      const e = this.parseDurBinary(PRECEDENCE['^'], ctx);
      return t.text === '-' ? { kind: 'neg', expr: e } : e;
    }
    const n = this.next();
    if (n.kind === 'duration') return { kind: 'const', ms: n.num! };
    if (n.kind === 'number') return { kind: 'const', ms: n.num! * 1000 };
    if (n.kind === 'lparen') {
      const e = this.parseDurBinary(0, ctx);
      this.expect('rparen', ctx);
      return e;
    }
    if (n.kind === 'ident' && this.peek().kind === 'lparen') {
      const fn = n.text.toLowerCase();
      if (fn === 'step' || fn === 'range') {
        this.next();
        this.expect('rparen', ctx);
        return { kind: fn };
      }
      if (fn === 'min_of' || fn === 'max_of') {
        this.next();
        const args: DurationExpr[] = [this.parseDurBinary(0, ctx)];
        while (this.peek().kind === 'comma') {
          this.next();
          args.push(this.parseDurBinary(0, ctx));
        }
        this.expect('rparen', ctx);
        return { kind: 'minmax', fn, args };
      }
    }
    this.fail(n, `unexpected ${this.describe(n)} ${ctx}`);
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'number':
        this.next();
        return { type: 'number', value: t.num!, pos: { start: t.start, end: t.end } };
      case 'duration':
        this.next();
        return { type: 'number', value: t.num! / 1000, pos: { start: t.start, end: t.end } };
      case 'string':
        this.next();
        return { type: 'string', value: t.str!, pos: { start: t.start, end: t.end } };
      case 'lparen': {
        this.next();
        const e = this.parseBinary(0);
        const close = this.expect('rparen', 'in paren expression, expected ")"');
        return { type: 'paren', expr: e, pos: { start: t.start, end: close.end } };
      }
      case 'lbrace':
        return this.parseSelector(null, t);
      case 'ident':
        return this.parseIdent(t);
      default:
        this.fail(t, `unexpected ${this.describe(t)}`);
    }
  }

  private parseIdent(t: Token): Expr {
    const name = t.text;
    const lower = name.toLowerCase();
    const after = this.peek(1);
    if (AGGREGATORS.has(lower) && (after.kind === 'lparen' || (after.kind === 'ident' && ['by', 'without'].includes(after.text.toLowerCase())))) {
      return this.parseAggregate(t, lower as AggregateOp);
    }
    if (after.kind === 'lparen' && !AGGREGATORS.has(lower)) {
      const sig = FUNCTIONS.get(name);
      if (!sig) this.fail(t, `unknown function with name "${name}"`);
      this.next();
      this.next();
      const args: Expr[] = [];
      while (this.peek().kind !== 'rparen') {
        args.push(this.parseBinary(0));
        if (this.peek().kind === 'comma') this.next();
        else if (this.peek().kind !== 'rparen') this.fail(this.peek(), `unexpected ${this.describe(this.peek())} in function call, expected "," or ")"`);
      }
      const close = this.next();
      return { type: 'call', func: name, args, pos: { start: t.start, end: close.end } };
    }
    if (['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'and', 'or', 'unless', 'atan2'].includes(lower)) {
      this.fail(t, `unexpected ${this.describe(t)}`);
    }
    this.next();
    return this.parseSelector(name, t);
  }

  private parseAggregate(t: Token, op: AggregateOp): Expr {
    this.next();
    let grouping: string[] = [];
    let without = false;
    let hasGrouping = false;
    if (this.isKeyword('by') || this.isKeyword('without')) {
      without = this.next().text.toLowerCase() === 'without';
      grouping = this.parseLabelList();
      hasGrouping = true;
    }
    this.expect('lparen', 'in aggregation, expected "("');
    const args: Expr[] = [];
    while (this.peek().kind !== 'rparen') {
      args.push(this.parseBinary(0));
      if (this.peek().kind === 'comma') this.next();
      else if (this.peek().kind !== 'rparen') this.fail(this.peek(), `unexpected ${this.describe(this.peek())} in aggregation, expected "," or ")"`);
    }
    let close = this.next();
    if (!hasGrouping && (this.isKeyword('by') || this.isKeyword('without'))) {
      without = this.next().text.toLowerCase() === 'without';
      grouping = this.parseLabelList();
      hasGrouping = true;
      close = this.toks[this.i - 1];
    }
    const pos = { start: t.start, end: close.end };
    const needsParam = ['topk', 'bottomk', 'quantile', 'count_values', 'limitk', 'limit_ratio'].includes(op);
    const want = needsParam ? 2 : 1;
    if (args.length !== want) {
      if (args.length === 0) throw new PromqlParseError(this.q, pos, 'no arguments for aggregate expression provided');
      throw new PromqlParseError(this.q, pos, `wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`);
    }
    return {
      type: 'aggregate', op, expr: args[want - 1], param: needsParam ? args[0] : null,
      grouping, without, hasGrouping, pos,
    };
  }

  private parseSelector(name: string | null, t: Token): VectorSelector {
    const matchers: LabelMatcher[] = [];
    let end = t.end;
    let metricName = name;
    if (this.peek().kind === 'lbrace') {
      this.next();
      while (this.peek().kind !== 'rbrace') {
        const l = this.next();
        let lname: string;
        if (l.kind === 'ident') lname = l.text;
        else if (l.kind === 'string') lname = l.str!;
        else if (l.kind === 'number' && /^(inf|nan)$/i.test(l.text)) lname = l.text;
        else this.fail(l, `unexpected ${this.describe(l)} in label matching, expected label`);
        if (l.kind === 'string' && (this.peek().kind === 'comma' || this.peek().kind === 'rbrace')) {
          // `{"metric.name"}`: a quoted metric name on its own.
          if (metricName !== null) this.fail(l, 'metric name must not be set twice');
          metricName = lname;
        } else {
          const opTok = this.next();
          if (opTok.kind !== 'op' || !['=', '!=', '=~', '!~'].includes(opTok.text)) {
            this.fail(opTok, `unexpected ${this.describe(opTok)} in label matching, expected label matching operator`);
          }
          const v = this.next();
          if (v.kind !== 'string') this.fail(v, `unexpected ${this.describe(v)} in label matching, expected string`);
          if (opTok.text === '=~' || opTok.text === '!~') {
            try {
              compileSelectorRegexp(v.str!);
            } catch (err) {
              // Prometheus reports Go's regexp error over the whole matcher.
              throw new PromqlParseError(this.q, { start: l.start, end: v.end }, (err as Error).message, { cause: err });
            }
          }
          matchers.push({ type: opTok.text as MatchType, name: lname, value: v.str! });
        }
        if (this.peek().kind === 'comma') this.next();
        else if (this.peek().kind !== 'rbrace') this.fail(this.peek(), `unexpected ${this.describe(this.peek())} in label matching, expected "," or "}"`);
      }
      end = this.next().end;
    }
    const pos = { start: t.start, end };
    if (metricName !== null) {
      if (matchers.some((m) => m.name === '__name__')) {
        throw new PromqlParseError(this.q, pos, 'metric name must not be set twice: ' + JSON.stringify(metricName) + ' or ' + JSON.stringify(matchers.find((m) => m.name === '__name__')!.value));
      }
      matchers.unshift({ type: '=', name: '__name__', value: metricName });
    }
    return { type: 'vector_selector', name: metricName, matchers, offset: null, at: null, pos };
  }
}

