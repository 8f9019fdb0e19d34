/**
 * The PromQL check rule files are loaded with: the parser alone, so a program that only loads and
 * evaluates rule files (tidemark replay) does not load the query engine.
 */
import { parseExpr } from '../../promql/parser/parser.js';
import type { ExprParser } from './rule-file.js';

export const exprParser: ExprParser = (expr) => {
  try {
    parseExpr(expr);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
};
