/**
 * Prometheus' rule templates (prometheus/template): the function map alert labels and annotations
 * use, and the expander that prepends `$labels`, `$externalLabels`, `$externalURL`, `$value`.
 * `query` runs through an injected QueryFunc; since the executor is synchronous, queries are
 * resolved first and the template re-run with their results (see `expandAlertTemplate`).
 */
import { TemplateExecError, TemplateParseError } from './errors.js';
import { goFunc, type FuncMap } from './go-func.js';
import { GoRegexp } from '../../../schemas/regexp/index.js';
import { GoDuration, GoTime } from './go-time.js';
import { convertToFloat, floatToTime, humanize, humanize1024, humanizeDuration, humanizePercentage, humanizeTimestamp } from './humanize.js';
import { GoFloat, StringMap } from './go-value.js';
import { Template } from './template.js';

/** One element of a query result (prometheus/template.sample). */
export class QuerySample {
  static readonly goType = '*template.sample';
  readonly Labels: Record<string, string>;
  readonly Value: GoFloat;
  constructor(labels: Readonly<Record<string, string>>, value: number) {
    this.Labels = { ...labels };
    this.Value = new GoFloat(value);
  }
}

export interface QueryResultSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Evaluates an instant query at `timestampMs` (the rule's evaluation time). */
export type QueryFunc = (query: string, timestampMs: number) => Promise<readonly QueryResultSample[]> | readonly QueryResultSample[];

export interface PromTemplateDeps {
  readonly externalURL?: string;
  readonly query?: QueryFunc;
}

/** strings.Title: upper-cases the first letter of each word, leaves the rest alone. */
function goStringsTitle(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}_])(\p{L})/gu, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

function parsePromDuration(s: string): number {
  const m = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(s);
  if (s === '0') return 0;
  if (!m || s === '') throw new Error(`not a valid duration string: ${JSON.stringify(s)}`);
  const mult = [31536000, 604800, 86400, 3600, 60, 1, 0.001];
  let total = 0;
  mult.forEach((f, i) => { if (m[i + 1] !== undefined) total += Number(m[i + 1]) * f; });
  return total;
}

function stripPort(hostPort: string): string {
  const m = /^\[([^\]]*)\](?::\d*)?$/.exec(hostPort);
  if (m) return m[1]!;
  const idx = hostPort.lastIndexOf(':');
  if (idx < 0 || hostPort.indexOf(':') !== idx) return hostPort;
  return hostPort.slice(0, idx);
}

type Resolver = (q: string) => QuerySample[];

/** The Prometheus template function map; `resolve` answers `query` synchronously. */
export function prometheusFuncs(externalURL: string, resolve: Resolver): FuncMap {
  let pathPrefix = '';
  try { pathPrefix = new URL(externalURL).pathname.replace(/\/$/, ''); } catch { pathPrefix = ''; }
  const sample = (s: unknown): QuerySample => {
    if (!(s instanceof QuerySample)) throw new Error('expected a query result sample');
    return s;
  };
  return {
    query: goFunc(['string'], (q: string) => resolve(q)),
    first: goFunc(['any'], (v: QuerySample[] | null) => {
      if (v && v.length > 0) return v[0];
      throw new Error('first() called on vector with no elements');
    }),
    label: goFunc(['string', 'any'], (l: string, s: unknown) => (s === null ? '' : sample(s).Labels[l] ?? '')),
    value: goFunc(['any'], (s: unknown) => sample(s).Value),
    strvalue: goFunc(['any'], (s: unknown) => sample(s).Labels['__value__'] ?? ''),
    args: goFunc([], (...a: unknown[]) => Object.fromEntries(a.map((v, i) => [`arg${i}`, v])), 'any'),
    reReplaceAll: goFunc(['string', 'string', 'string'], (pattern: string, repl: string, s: string) => GoRegexp.compile(pattern).replaceAll(s, repl)),
    safeHtml: goFunc(['string'], (s: string) => s),
    match: goFunc(['string', 'string'], (pattern: string, s: string) => GoRegexp.compile(pattern).test(s)),
    title: goFunc(['string'], goStringsTitle),
    toUpper: goFunc(['string'], (s: string) => s.toUpperCase()),
    toLower: goFunc(['string'], (s: string) => s.toLowerCase()),
    graphLink: goFunc(['string'], (expr: string) => `${pathPrefix}/graph?g0.expr=${encodeURIComponent(expr)}&g0.tab=0`),
    tableLink: goFunc(['string'], (expr: string) => `${pathPrefix}/graph?g0.expr=${encodeURIComponent(expr)}&g0.tab=1`),
    sortByLabel: goFunc(['string', 'any'], (l: string, v: QuerySample[] | null) =>
      [...(v ?? [])].sort((a, b) => { const x = a.Labels[l] ?? ''; const y = b.Labels[l] ?? ''; return x < y ? -1 : x > y ? 1 : 0; })),
    humanize: goFunc(['any'], humanize),
    humanize1024: goFunc(['any'], humanize1024),
    humanizeDuration: goFunc(['any'], humanizeDuration),
    humanizePercentage: goFunc(['any'], humanizePercentage),
    humanizeTimestamp: goFunc(['any'], humanizeTimestamp),
    toTime: goFunc(['any'], (i: unknown) => floatToTime(convertToFloat(i))),
    toDuration: goFunc(['any'], (i: unknown) => new GoDuration(Math.round(convertToFloat(i) * 1e9))),
    now: goFunc([], () => new GoFloat(Date.now() / 1000)),
    pathPrefix: goFunc([], () => pathPrefix),
    externalURL: goFunc([], () => externalURL),
    parseDuration: goFunc(['string'], (s: string) => new GoFloat(parsePromDuration(s))),
    stripPort: goFunc(['string'], stripPort),
    stripDomain: goFunc(['string'], (h: string) => {
      const host = stripPort(h);
      const port = h.slice(host.length + (h.startsWith('[') ? 2 : 0));
      const short = /^[0-9.]+$/.test(host) || host.includes(':') ? host : host.split('.')[0]!;
      return short + port;
    }),
  };
}

export { GoTime };

/** What alert templates see as `.`: Labels, ExternalLabels, ExternalURL, Value. */
export interface AlertTemplateData {
  readonly Labels: StringMap;
  readonly ExternalLabels: StringMap;
  readonly ExternalURL: string;
  readonly Value: GoFloat;
}

export function alertTemplateData(labels: Readonly<Record<string, string>>, externalLabels: Readonly<Record<string, string>>, externalURL: string, value: number): AlertTemplateData {
  return { Labels: new StringMap(labels), ExternalLabels: new StringMap(externalLabels), ExternalURL: externalURL, Value: new GoFloat(value) };
}

const DEFS = '{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}';

function buildTemplate(name: string, text: string, funcs: FuncMap): Template {
  try {
    return Template.create(name).option('missingkey=zero').funcs(funcs).parse(DEFS + text);
  } catch (e) {
    if (e instanceof TemplateParseError) {
      throw new TemplateParseError(`error parsing template ${name}: ${e.message}`, e.templateName, e.line, { cause: e });
    }
    throw e;
  }
}

/** A parsed template whose `query` calls go to the resolver set before each execution. */
interface ParsedTemplate {
  readonly name: string;
  readonly externalURL: string;
  readonly tmpl: Template;
  readonly queries: { resolve: Resolver };
}

/**
 * Parsed templates by name, external URL and text. A rule's templates are expanded for every alert
 * at every evaluation, and parsing them (DEFS included) costs several times executing them. Bounded:
 * template texts come from rule files, so a full cache only means texts are being made on the fly.
 */
const parsedTemplates = new Map<string, ParsedTemplate[]>();
const PARSED_TEMPLATES_KEPT = 1024;
const noQueries: Resolver = () => [];

function parsedTemplate(name: string, text: string, externalURL: string): ParsedTemplate {
  // By text first: the rule's own string, whose hash is kept, where a composed key would be hashed anew.
  let same = parsedTemplates.get(text);
  let p = same?.find((x) => x.name === name && x.externalURL === externalURL);
  if (p === undefined) {
    const queries: { resolve: Resolver } = { resolve: noQueries };
    p = { name, externalURL, tmpl: buildTemplate(name, text, prometheusFuncs(externalURL, (q) => queries.resolve(q))), queries };
    if (same === undefined) {
      if (parsedTemplates.size >= PARSED_TEMPLATES_KEPT) parsedTemplates.clear();
      parsedTemplates.set(text, (same = []));
    }
    same.push(p);
  }
  return p;
}

/**
 * Checks that a label/annotation template parses, as promtool does; returns Go's parse error text
 * (`template: __alert_NAME:1: ...`, without the expander's prefix, as promtool prints it) or null.
 */
export function checkAlertTemplate(alertName: string, text: string): string | null {
  try {
    Template.create(`__alert_${alertName}`).funcs(prometheusFuncs('', () => [])).parse(DEFS + text);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/**
 * Expands a label or annotation template the way the Prometheus rule manager does. Queries the
 * template makes are run through `deps.query` and the template re-run until all are answered.
 * Throws TemplateParseError / TemplateExecError with Prometheus' `error … template __alert_X:` text.
 */
export async function expandAlertTemplate(
  alertName: string, text: string, data: AlertTemplateData, timestampMs: number, deps: PromTemplateDeps = {},
): Promise<string> {
  const name = `__alert_${alertName}`;
  const answers = new Map<string, QuerySample[]>();
  for (let round = 0; round < 10; round++) {
    const pending = new Set<string>();
    const resolve: Resolver = (q) => {
      const hit = answers.get(q);
      if (hit) return hit;
      if (!deps.query) throw new Error('query is not available in this context');
      pending.add(q);
      return [];
    };
    const { tmpl, queries } = parsedTemplate(name, text, data.ExternalURL || deps.externalURL || '');
    let out: string | undefined;
    let err: unknown;
    try {
      // Execution is synchronous: no other expansion runs until it returns.
      queries.resolve = resolve;
      out = tmpl.execute(data);
    } catch (e) {
      err = e;
    } finally {
      queries.resolve = noQueries;
    }
    if (pending.size === 0 || !deps.query) {
      if (err !== undefined) {
        if (err instanceof TemplateExecError) {
          throw new TemplateExecError(`error executing template ${name}: ${err.message}`, err.templateName, err.line, err.column, { cause: err });
        }
        throw err;
      }
      return out!;
    }
    for (const q of pending) {
      try {
        const res = await deps.query(q, timestampMs);
        answers.set(q, res.map((s) => new QuerySample(s.labels, s.value)));
      } catch (e) {
        throw new TemplateExecError(`error executing template ${name}: error calling query: ${e instanceof Error ? e.message : String(e)}`, name, undefined, undefined, { cause: e });
      }
    }
  }
  throw new TemplateExecError(`error executing template ${name}: too many dependent queries`, name, undefined, undefined);
}
