import { z } from 'zod';

import { parseMatchers } from '../matcher-parse.js';
import { compileMatcherRegexp, Matcher, sortMatchers } from '../matchers.js';
import { bool, duration, LABEL_NAME_RE, opt, str, stringList, stringMap } from './primitives.js';

/** A route node after validation: matchers parsed (match, match_re and matchers, sorted). */
export interface RouteConfig {
  readonly receiver?: string;
  /** Labels to group by without `...`; undefined when `group_by` is not set (inherit). */
  readonly groupBy?: readonly string[];
  readonly groupByAll: boolean;
  readonly matchers: readonly Matcher[];
  readonly muteTimeIntervals?: readonly string[];
  readonly activeTimeIntervals?: readonly string[];
  readonly continue: boolean;
  readonly routes: readonly RouteConfig[];
  readonly groupWait?: number;
  readonly groupInterval?: number;
  readonly repeatInterval?: number;
  /** Route `labels:` (values are templates rendered per group). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Whether `match`, `match_re` or `matchers` were written (the root must have none). */
  readonly hasMatchers: boolean;
}

/** `match_re:` values: null is invalid, each regex fully anchored. */
export const matchRegexpsSchema = z.record(z.string(), z.unknown()).transform((m, ctx) => {
  const out: Matcher[] = [];
  for (const [k, v] of Object.entries(m)) {
    if (!LABEL_NAME_RE.test(k)) { ctx.addIssue({ code: 'custom', message: `invalid label name "${k}"`, path: [k] }); continue; }
    if (v === null || v === undefined) { ctx.addIssue({ code: 'custom', message: `invalid regexp value for "${k}"`, path: [k] }); continue; }
    if (typeof v !== 'string') { ctx.addIssue({ code: 'custom', message: `invalid regexp value for "${k}": not a string`, path: [k] }); continue; }
    try {
      out.push(new Matcher('=~', k, `^(?:${v})$`, compileMatcherRegexp(v)));
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message, path: [k] });
    }
  }
  return out;
});

/** `match:` (equality) maps. */
export const matchEqualSchema = stringMap.transform((m, ctx) => {
  const out: Matcher[] = [];
  for (const [k, v] of Object.entries(m)) {
    if (!LABEL_NAME_RE.test(k)) { ctx.addIssue({ code: 'custom', message: `invalid label name "${k}"`, path: [k] }); continue; }
    out.push(new Matcher('=', k, v));
  }
  return out;
});

/** `matchers:` lists of matcher expressions. */
export const matcherListSchema = stringList.transform((lines, ctx) => {
  const out: Matcher[] = [];
  lines.forEach((line, i) => {
    try {
      out.push(...parseMatchers(line));
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message, path: [i] });
    }
  });
  return out;
});

export const labelNameListSchema = (what: string) =>
  stringList.superRefine((names, ctx) => {
    names.forEach((n, i) => {
      if (n !== '...' && (!LABEL_NAME_RE.test(n))) ctx.addIssue({ code: 'custom', message: `invalid label name "${n}" in ${what} list`, path: [i] });
    });
  });

const rawRoute = z.strictObject({
  receiver: opt(str),
  group_by: opt(labelNameListSchema('group_by')),
  match: opt(matchEqualSchema),
  match_re: opt(matchRegexpsSchema),
  matchers: opt(matcherListSchema),
  mute_time_intervals: opt(stringList),
  active_time_intervals: opt(stringList),
  continue: opt(bool),
  routes: opt(z.array(z.lazy((): z.ZodType<RouteConfig> => routeConfigSchema))),
  group_wait: opt(duration),
  group_interval: opt(duration),
  repeat_interval: opt(duration),
  labels: opt(stringMap),
});

export const routeConfigSchema: z.ZodType<RouteConfig> = rawRoute.transform((r, ctx): RouteConfig => {
  const gbStr = r.group_by;
  const groupByAll = gbStr?.includes('...') ?? false;
  const groupBy = gbStr?.filter((l) => l !== '...');
  if (groupBy !== undefined && groupBy.length > 0 && groupByAll) {
    ctx.addIssue({ code: 'custom', message: 'cannot have wildcard group_by (`...`) and other labels at the same time', path: ['group_by'] });
  }
  const seen = new Set<string>();
  for (const l of groupBy ?? []) {
    if (seen.has(l)) ctx.addIssue({ code: 'custom', message: `duplicated label "${l}" in group_by`, path: ['group_by'] });
    seen.add(l);
  }
  if (r.group_interval === 0) ctx.addIssue({ code: 'custom', message: 'group_interval cannot be zero', path: ['group_interval'] });
  if (r.repeat_interval === 0) ctx.addIssue({ code: 'custom', message: 'repeat_interval cannot be zero', path: ['repeat_interval'] });
  const matchers = sortMatchers([...(r.match ?? []), ...(r.match_re ?? []), ...(r.matchers ?? [])]);
  return {
    receiver: r.receiver,
    // As upstream: `group_by: ['...']` leaves GroupBy unset (nil) and only sets GroupByAll.
    groupBy: groupBy !== undefined && (groupBy.length > 0 || gbStr!.length === 0) ? groupBy : undefined,
    groupByAll,
    matchers,
    muteTimeIntervals: r.mute_time_intervals,
    activeTimeIntervals: r.active_time_intervals,
    continue: r.continue ?? false,
    routes: r.routes ?? [],
    groupWait: r.group_wait,
    groupInterval: r.group_interval,
    repeatInterval: r.repeat_interval,
    labels: r.labels,
    hasMatchers: r.match !== undefined && Object.keys(r.match).length > 0 || (r.match_re?.length ?? 0) > 0 || (r.matchers?.length ?? 0) > 0,
  };
});
