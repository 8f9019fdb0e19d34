/**
 * `GET /api/v1/rules` and `GET /api/v1/alerts` answered as Prometheus answers them (field names,
 * float seconds, RFC 3339 times, values as Go's `%e` strings). Plain node:http handlers; the role's
 * HTTP server mounts them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Labels } from '../../../schemas/index.js';
import { AlertingRule, type ActiveAlert } from './alerting-rule.js';
import type { RuleGroup, RuleStatus } from './rule-group.js';

export type RulesApiHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

export interface RulesApiRoute {
  readonly methods: string[];
  readonly path: string;
  readonly handler: RulesApiHandler;
}

export interface RulesApiSource {
  groups(): readonly RuleGroup[];
}

/** Go's time.Time JSON (RFC 3339 with trimmed fractional seconds); the zero time for 0. */
export function goTime(ms: number): string {
  if (ms === 0) return '0001-01-01T00:00:00Z';
  return new Date(ms).toISOString().replace(/\.?0*Z$/, 'Z');
}

/** strconv.FormatFloat(v, 'e', -1, 64). */
export function goExp(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const [m, e] = v.toExponential().split('e') as [string, string];
  const sign = e.startsWith('-') ? '-' : '+';
  const digits = e.replace(/^[+-]/, '');
  return `${m}e${sign}${digits.length < 2 ? '0' + digits : digits}`;
}

function sortedLabels(l: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(l).sort()) out[k] = l[k]!;
  return out;
}

function apiAlert(a: ActiveAlert): Record<string, unknown> {
  return {
    labels: sortedLabels(a.labels), annotations: sortedLabels(a.annotations), state: a.state,
    activeAt: goTime(a.activeAt), ...(a.keepFiringSince !== 0 ? { keepFiringSince: goTime(a.keepFiringSince) } : {}),
    value: goExp(a.value),
  };
}

function activeAlerts(r: AlertingRule): ActiveAlert[] {
  return r.alerts().filter((a) => a.state !== 'inactive');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function status(s: RuleStatus): Record<string, unknown> {
  return {
    health: s.health, ...(s.lastError !== '' ? { lastError: s.lastError } : {}),
    evaluationTime: s.evaluationTimeMs / 1000, lastEvaluation: goTime(s.lastEvaluation),
  };
}

function listParam(url: URL, name: string): Set<string> | undefined {
  const v = [...url.searchParams.getAll(`${name}[]`), ...url.searchParams.getAll(name)];
  return v.length > 0 ? new Set(v) : undefined;
}

export function rulesApiRoutes(src: RulesApiSource): { routes: RulesApiRoute[] } {
  const rules: RulesApiHandler = async (_req, res, url) => {
    const type = url.searchParams.get('type') ?? '';
    if (type !== '' && type !== 'alert' && type !== 'record') {
      return send(res, 400, { status: 'error', errorType: 'bad_data', error: `invalid query parameter type='${type}', must be one of 'alert' or 'record'` });
    }
    const excludeAlerts = url.searchParams.get('exclude_alerts') === 'true';
    const names = listParam(url, 'rule_name');
    const groupsWanted = listParam(url, 'rule_group');
    const files = listParam(url, 'file');
    const groups = [];
    for (const g of src.groups()) {
      if (groupsWanted && !groupsWanted.has(g.def.name)) continue;
      if (files && !files.has(g.def.file)) continue;
      const out = [];
      for (const r of g.rules) {
        if (names && !names.has(r.impl.name)) continue;
        if (r.impl instanceof AlertingRule) {
          if (type === 'record') continue;
          out.push({
            state: r.impl.state(), name: r.impl.name, query: r.impl.rule.expr.trim(), duration: r.impl.rule.forMs / 1000,
            keepFiringFor: r.impl.rule.keepFiringForMs / 1000, labels: sortedLabels(r.impl.rule.labels), annotations: sortedLabels(r.impl.rule.annotations),
            ...(excludeAlerts ? {} : { alerts: activeAlerts(r.impl).map(apiAlert) }), ...status(r.status), type: 'alerting',
          });
        } else {
          if (type === 'alert') continue;
          out.push({
            name: r.impl.name, query: r.impl.rule.expr.trim(),
            ...(Object.keys(r.impl.rule.labels).length > 0 ? { labels: sortedLabels(r.impl.rule.labels) } : {}),
            ...status(r.status), type: 'recording',
          });
        }
      }
      if ((type !== '' || names) && out.length === 0) continue;
      groups.push({
        name: g.def.name, file: g.def.file, rules: out, interval: g.intervalMs / 1000, limit: g.def.limit,
        evaluationTime: g.evaluationTimeMs / 1000, lastEvaluation: goTime(g.lastEvaluation),
      });
    }
    send(res, 200, { status: 'success', data: { groups } });
  };
  const alerts: RulesApiHandler = async (_req, res) => {
    const out = [];
    for (const g of src.groups()) for (const r of g.rules) if (r.impl instanceof AlertingRule) out.push(...activeAlerts(r.impl).map(apiAlert));
    send(res, 200, { status: 'success', data: { alerts: out } });
  };
  return {
    routes: [
      { methods: ['GET'], path: '/api/v1/rules', handler: rules },
      { methods: ['GET'], path: '/api/v1/alerts', handler: alerts },
    ],
  };
}
