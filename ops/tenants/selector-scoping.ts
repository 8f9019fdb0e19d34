import { parseExpr, type Expr } from '../../pipeline/promql/index.js';
import { walk } from '../../pipeline/promql/parser/walk.js';
import { formatExpr } from '../../pipeline/query/index.js';
import type { LabelMatcher } from '../../pipeline/tsdb/index.js';

/**
 * A tenant's reads are confined by rewriting what they select, as prom-label-proxy does in front
 * of Prometheus: every selector gets `label="tenant"` in place of whatever it said about that
 * label. Whatever reads the rewritten request (engine, fan-out to stores, result cache, shard
 * reads) needs no notion of tenants, and a forged `{tenant_id="other"}` selects nothing of
 * the other tenant: the matcher is replaced, not added to.
 */
export function scopeMatchers(matchers: readonly LabelMatcher[], label: string, tenant: string): LabelMatcher[] {
  return [...matchers.filter((m) => m.name !== label), { type: '=', name: label, value: tenant }];
}

/** A PromQL expression with every selector confined to `tenant`. Throws PromqlParseError. */
export function scopeQuery(query: string, label: string, tenant: string): string {
  const expr = parseExpr(query);
  scopeExpr(expr, label, tenant);
  return formatExpr(expr);
}

/** A `match[]` series selector confined to `tenant`. Throws PromqlParseError, or an Error when the text is not a selector. */
export function scopeSeriesSelector(selector: string, label: string, tenant: string): string {
  const expr = parseExpr(selector);
  if (expr.type !== 'vector_selector') throw new Error(`${JSON.stringify(selector)} is not a series selector`);
  scopeExpr(expr, label, tenant);
  return formatExpr(expr);
}

/** `match[]` for a request that gave none: the tenant's series only. */
export function tenantSelector(label: string, tenant: string): string {
  return `{${label}=${JSON.stringify(tenant)}}`;
}

function scopeExpr(expr: Expr, label: string, tenant: string): void {
  walk(expr, (e) => {
    if (e.type !== 'vector_selector') return;
    // The parsed tree is this call's own: its matcher list can be replaced in place.
    e.matchers.splice(0, e.matchers.length, ...scopeMatchers(e.matchers, label, tenant));
  });
}
