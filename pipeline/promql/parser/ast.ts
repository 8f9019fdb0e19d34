import type { LabelMatcher } from '../../tsdb/querier.js';
import type { PositionRange } from '../errors.js';

/** The four PromQL value types, as Prometheus names them in type errors. */
export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

export type BinaryOp =
  | '+' | '-' | '*' | '/' | '%' | '^' | 'atan2'
  | '==' | '!=' | '>' | '<' | '>=' | '<='
  | '</' | '>/'
  | 'and' | 'or' | 'unless';

export type AggregateOp =
  | 'sum' | 'avg' | 'min' | 'max' | 'count' | 'group' | 'stddev' | 'stdvar'
  | 'topk' | 'bottomk' | 'quantile' | 'count_values' | 'limitk' | 'limit_ratio';

/**
 * A duration written in a query. Usually a constant; with duration expressions it may be
 * arithmetic over literals and step()/range()/min_of()/max_of(), evaluated once per query.
 */
export type DurationExpr =
  | { readonly kind: 'const'; readonly ms: number }
  | { readonly kind: 'step' }
  | { readonly kind: 'range' }
  | { readonly kind: 'binary'; readonly op: '+' | '-' | '*' | '/' | '%' | '^'; readonly lhs: DurationExpr; readonly rhs: DurationExpr }
  | { readonly kind: 'neg'; readonly expr: DurationExpr }
  | { readonly kind: 'minmax'; readonly fn: 'min_of' | 'max_of'; readonly args: DurationExpr[] };

/** `@ <time>`, `@ start()` or `@ end()`. */
export type AtModifier =
  | { readonly kind: 'time'; readonly ms: number }
  | { readonly kind: 'start' }
  | { readonly kind: 'end' };

interface Base {
  readonly pos: PositionRange;
}

export interface NumberLiteral extends Base {
  readonly type: 'number';
  readonly value: number;
  /** Set when the literal was written as a duration (`5m` means 300). */
  readonly duration?: DurationExpr;
}

export interface StringLiteral extends Base {
  readonly type: 'string';
  readonly value: string;
}

export interface VectorSelector extends Base {
  readonly type: 'vector_selector';
  readonly name: string | null;
  readonly matchers: LabelMatcher[];
  offset: DurationExpr | null;
  at: AtModifier | null;
  /** Experimental `smoothed` instant selector: the value is interpolated at the evaluation time. */
  smoothed?: boolean;
}

export interface MatrixSelector extends Base {
  readonly type: 'matrix_selector';
  readonly vector: VectorSelector;
  readonly range: DurationExpr;
  /** Experimental extended range selectors. */
  readonly modifier: 'anchored' | 'smoothed' | null;
}

export interface SubqueryExpr extends Base {
  readonly type: 'subquery';
  readonly expr: Expr;
  readonly range: DurationExpr;
  readonly step: DurationExpr | null;
  offset: DurationExpr | null;
  at: AtModifier | null;
}

export interface Call extends Base {
  readonly type: 'call';
  readonly func: string;
  readonly args: Expr[];
}

export interface AggregateExpr extends Base {
  readonly type: 'aggregate';
  readonly op: AggregateOp;
  readonly expr: Expr;
  readonly param: Expr | null;
  readonly grouping: string[];
  readonly without: boolean;
  /** `by ()` or `without ()` was written (as opposed to no clause at all). */
  readonly hasGrouping: boolean;
}

export interface VectorMatching {
  readonly card: 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
  readonly on: boolean;
  readonly labels: string[];
  /** Extra labels copied from the "one" side (`group_left(a, b)`). */
  readonly include: string[];
  /** `fill(v)`, `fill_left(v)`, `fill_right(v)` (experimental). */
  readonly fillLeft: number | null;
  readonly fillRight: number | null;
}

export interface BinaryExpr extends Base {
  readonly type: 'binary';
  readonly op: BinaryOp;
  readonly lhs: Expr;
  readonly rhs: Expr;
  readonly bool: boolean;
  /** Present when both sides are instant vectors. */
  readonly matching: VectorMatching | null;
}

export interface UnaryExpr extends Base {
  readonly type: 'unary';
  readonly op: '-' | '+';
  readonly expr: Expr;
}

export interface ParenExpr extends Base {
  readonly type: 'paren';
  readonly expr: Expr;
}

export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | Call
  | AggregateExpr
  | BinaryExpr
  | UnaryExpr
  | ParenExpr;
