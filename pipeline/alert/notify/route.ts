import type { RouteConfig } from './config/route-config.js';
import { formatMatchers, matchesAll, type Matcher } from './matchers.js';
import { anyIntervalContains, type TimeInterval } from './time-intervals.js';

type LabelSet = Readonly<Record<string, string>>;

/** The effective (inherited) options of a route node, as dispatch.RouteOpts. */
export interface RouteOpts {
  readonly receiver: string;
  /** Label names to group by (empty with groupByAll = group by every label). */
  readonly groupBy: readonly string[];
  readonly groupByAll: boolean;
  readonly groupWait: number;
  readonly groupInterval: number;
  readonly repeatInterval: number;
  /** Not inherited: only this node's own lists. */
  readonly muteTimeIntervals: readonly string[];
  readonly activeTimeIntervals: readonly string[];
  /** Route `labels:` merged key-wise with the parent's (values are templates). */
  readonly labels: LabelSet;
}

/** Alertmanager's DefaultRouteOpts. */
export const DEFAULT_ROUTE_OPTS: RouteOpts = {
  receiver: '',
  groupBy: [],
  groupByAll: false,
  groupWait: 30_000,
  groupInterval: 5 * 60_000,
  repeatInterval: 4 * 3600_000,
  muteTimeIntervals: [],
  activeTimeIntervals: [],
  labels: {},
};

/** One node of the routing tree (dispatch.Route). */
export class Route {
  readonly parent: Route | undefined;
  readonly opts: RouteOpts;
  readonly matchers: readonly Matcher[];
  readonly continue: boolean;
  readonly routes: readonly Route[];
  /** `{}/{a="b"}/…`: the parent's key, `/`, this node's sorted matchers. Used in group keys. */
  readonly key: string;
  /** The key plus the node's index among its siblings, unique even when siblings share matchers. */
  readonly id: string;

  constructor(cfg: RouteConfig, parent?: Route, index = 0) {
    this.parent = parent;
    const base = parent?.opts ?? DEFAULT_ROUTE_OPTS;
    let groupBy = base.groupBy;
    let groupByAll = base.groupByAll;
    if (cfg.groupBy !== undefined) {
      groupBy = [...new Set(cfg.groupBy)].sort();
      groupByAll = false;
    } else if (cfg.groupByAll) {
      groupByAll = true;
    }
    this.opts = {
      receiver: cfg.receiver !== undefined && cfg.receiver !== '' ? cfg.receiver : base.receiver,
      groupBy,
      groupByAll,
      groupWait: cfg.groupWait ?? base.groupWait,
      groupInterval: cfg.groupInterval ?? base.groupInterval,
      repeatInterval: cfg.repeatInterval ?? base.repeatInterval,
      muteTimeIntervals: cfg.muteTimeIntervals ?? [],
      activeTimeIntervals: cfg.activeTimeIntervals ?? [],
      labels: { ...base.labels, ...(cfg.labels ?? {}) },
    };
    this.matchers = cfg.matchers;
    this.continue = cfg.continue;
    const own = formatMatchers(this.matchers);
    this.key = parent === undefined ? own : `${parent.key}/${own}`;
    this.id = parent === undefined ? own : `${parent.id}/${own}/${index}`;
    this.routes = cfg.routes.map((c, i) => new Route(c, this, i));
  }

  /**
   * The routes an alert with `labels` goes to, depth-first, children in order; after the first
   * matching child, siblings are tried only if that child has `continue: true`. A matching node
   * with no matching child is itself the match.
   */
  match(labels: LabelSet): Route[] {
    if (!matchesAll(this.matchers, labels)) return [];
    const all: Route[] = [];
    for (const child of this.routes) {
      const m = child.match(labels);
      all.push(...m);
      if (m.length > 0 && !child.continue) break;
    }
    if (all.length === 0) all.push(this);
    return all;
  }

  /** Visit this node and every descendant, parents first. */
  walk(visit: (r: Route) => void): void {
    visit(this);
    for (const c of this.routes) c.walk(visit);
  }
}

/** Build the routing tree from a validated root route. */
export function buildRouteTree(root: RouteConfig): Route {
  return new Route(root);
}

/**
 * Whether notifications from `route` are suppressed at `now`: inside any of its
 * `mute_time_intervals`, or outside all of its `active_time_intervals` (when it has some).
 */
export function isRouteMutedAt(route: Route, intervals: ReadonlyMap<string, readonly TimeInterval[]>, now: number): boolean {
  for (const name of route.opts.muteTimeIntervals) {
    const ti = intervals.get(name);
    if (ti !== undefined && anyIntervalContains(ti, now)) return true;
  }
  if (route.opts.activeTimeIntervals.length === 0) return false;
  for (const name of route.opts.activeTimeIntervals) {
    const ti = intervals.get(name);
    if (ti !== undefined && anyIntervalContains(ti, now)) return false;
  }
  return true;
}
