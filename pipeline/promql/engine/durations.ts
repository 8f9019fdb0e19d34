import type { AtModifier, DurationExpr } from '../parser/ast.js';
import { PromqlEvalError } from '../errors.js';

export interface DurationScope {
  readonly start: number;
  readonly end: number;
  readonly interval: number;
}

/** Evaluates a (possibly arithmetic) duration to milliseconds for one query. */
export function durationMs(d: DurationExpr | null, scope: DurationScope): number {
  if (d === null) return 0;
  if (d.kind === 'const') return d.ms;
  return Math.round(seconds(d, scope) * 1000);
}

function seconds(d: DurationExpr, scope: DurationScope): number {
  switch (d.kind) {
    case 'const': return d.ms / 1000;
    case 'step': return scope.interval / 1000;
    case 'range': return (scope.end - scope.start) / 1000;
    case 'neg': return -seconds(d.expr, scope);
    case 'minmax': {
      const vs = d.args.map((a) => seconds(a, scope));
      return d.fn === 'min_of' ? Math.min(...vs) : Math.max(...vs);
    }
    case 'binary': {
      const a = seconds(d.lhs, scope);
      const b = seconds(d.rhs, scope);
      switch (d.op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/':
          if (b === 0) throw new PromqlEvalError('division by zero in duration expression');
          return a / b;
        case '%':
          if (b === 0) throw new PromqlEvalError('modulo by zero in duration expression');
          return a % b;
        case '^': return a ** b;
      }
    }
  }
}

/** The timestamp an `@` modifier pins evaluation to, or null. */
export function atTime(at: AtModifier | null, scope: DurationScope): number | null {
  if (at === null) return null;
  if (at.kind === 'time') return at.ms;
  return at.kind === 'start' ? scope.start : scope.end;
}
