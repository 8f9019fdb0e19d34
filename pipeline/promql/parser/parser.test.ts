import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PromqlParseError } from '../errors.js';
import { MAX_EXPRESSION_DEPTH, parseExpr } from './parser.js';

describe('parseExpr', () => {
  it('binds * tighter than + and ^ tighter than unary minus', () => {
    const e = parseExpr('1 + 2 * 3');
    expect(e.type === 'binary' && e.op === '+' && e.rhs.type === 'binary' && e.rhs.op === '*').toBe(true);
    const u = parseExpr('-a ^ 2');
    expect(u.type === 'unary' && u.expr.type === 'binary' && u.expr.op === '^').toBe(true);
  });

  it('reads the trimming operators </ and >/ at comparison precedence, without bool', () => {
    const e = parseExpr('h </ 1 + 2');
    expect(e.type === 'binary' && e.op === '</' && e.rhs.type === 'binary' && e.rhs.op === '+').toBe(true);
    const l = parseExpr('h >/ 1 == 2');
    expect(l.type === 'binary' && l.op === '==' && l.lhs.type === 'binary' && l.lhs.op === '>/').toBe(true);
    expect(() => parseExpr('h </ bool 1')).toThrow(/bool modifier can only be used on comparison operators/);
  });

  it('reads byte escapes in a row as one UTF-8 sequence and keeps invalid bytes apart from characters', () => {
    const valid = parseExpr('"\\xc3\\xa5"');
    expect(valid.type === 'string' && valid.value).toBe('å');
    const invalid = parseExpr('"a\\xc5z"');
    expect(invalid.type === 'string' && invalid.value).toBe('a\udcc5z');
  });

  it('reads vector matching with on, group_left and included labels', () => {
    const e = parseExpr('a * on(job) group_left(version) b');
    if (e.type !== 'binary') throw new Error('not binary');
    expect(e.matching).toMatchObject({ card: 'many-to-one', on: true, labels: ['job'], include: ['version'] });
  });

  it('reads aggregation grouping written before or after the arguments', () => {
    for (const q of ['sum by (a) (x)', 'sum(x) by (a)']) {
      const e = parseExpr(q);
      expect(e.type === 'aggregate' && e.grouping).toEqual(['a']);
    }
  });

  it('reads subqueries with offset and @ modifiers in either order', () => {
    const e = parseExpr('max_over_time(rate(x[5m])[30m:1m] offset 5m @ 100)');
    if (e.type !== 'call' || e.args[0].type !== 'subquery') throw new Error('no subquery');
    expect(e.args[0].offset).toEqual({ kind: 'const', ms: 300_000 });
    expect(e.args[0].at).toEqual({ kind: 'time', ms: 100_000 });
  });

  it('reports syntax errors with line and column as Prometheus words them', () => {
    expect(() => parseExpr('sum(x')).toThrow(/^1:6: parse error: unexpected end of input/);
    expect(() => parseExpr('rate(x[5m]')).toThrow(PromqlParseError);
    expect(() => parseExpr('foo{a="b"')).toThrow(/parse error/);
  });

  it('rejects type errors the way Prometheus does', () => {
    expect(() => parseExpr('rate(x)')).toThrow('expected type range vector in call to function "rate", got instant vector');
    expect(() => parseExpr('x[5m] + 1')).toThrow('binary expression must contain only scalar and instant vector types');
    expect(() => parseExpr('1 > 2')).toThrow('comparisons between scalars must use BOOL modifier');
    expect(() => parseExpr('(x + y)[5m]')).toThrow('ranges only allowed for vector selectors');
    expect(() => parseExpr('{a=""}')).toThrow('vector selector must contain at least one non-empty matcher');
    expect(() => parseExpr('1 and x')).toThrow('set operator "and" not allowed in binary scalar expression');
  });

  it('never fails with anything but a PromqlParseError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        try {
          parseExpr(s);
        } catch (err) {
          expect(err).toBeInstanceOf(PromqlParseError);
        }
      }),
      { numRuns: 2000 },
    );
  });
  it('rejects expressions nested deeper than the limit with a parse error instead of overflowing the stack', () => {
    const deep = [
      '('.repeat(20_000) + '1' + ')'.repeat(20_000),
      Array.from({ length: 50_000 }, () => 'x').join(' + '),
      '-'.repeat(20_000) + '1',
      'abs('.repeat(5_000) + 'x' + ')'.repeat(5_000),
    ];
    for (const q of deep) {
      expect(() => parseExpr(q)).toThrow(PromqlParseError);
      expect(() => parseExpr(q)).toThrow(`nested deeper than ${MAX_EXPRESSION_DEPTH} levels`);
    }
  });

  it('parses expressions just inside the nesting limit', () => {
    const n = MAX_EXPRESSION_DEPTH - 2;
    expect(parseExpr('('.repeat(n) + '1' + ')'.repeat(n)).type).toBe('paren');
    expect(parseExpr(Array.from({ length: n }, () => 'x').join(' + ')).type).toBe('binary');
  });
});
