import { alertmanagerRenderer, buildIntegrations, type Integration, type TemplateRenderer } from '../receivers/index.js';
import type { AlertmanagerConfig, InhibitRuleConfig } from './config/index.js';
import { buildRouteTree, type Route } from './route.js';
import type { TimeInterval } from './time-intervals.js';

/** Everything the dispatcher derives from one `alertmanager.yml`: swapped as a whole on reload. */
export interface NotifierPlan {
  readonly config: AlertmanagerConfig;
  readonly tree: Route;
  readonly routesById: ReadonlyMap<string, Route>;
  readonly integrations: ReadonlyMap<string, readonly Integration[]>;
  readonly inhibitRules: readonly InhibitRuleConfig[];
  readonly timeIntervals: ReadonlyMap<string, readonly TimeInterval[]>;
  readonly resolveTimeoutMs: number;
}

export function buildNotifierPlan(config: AlertmanagerConfig, templates: TemplateRenderer = alertmanagerRenderer()): NotifierPlan {
  const tree = buildRouteTree(config.route);
  const routesById = new Map<string, Route>();
  tree.walk((r) => routesById.set(r.id, r));
  const integrations = new Map<string, Integration[]>();
  for (const r of config.receivers) integrations.set(r.name ?? '', buildIntegrations(r, { templates }));
  return {
    config,
    tree,
    routesById,
    integrations,
    inhibitRules: config.inhibitRules,
    timeIntervals: config.timeIntervals,
    resolveTimeoutMs: config.global.resolve_timeout,
  };
}
