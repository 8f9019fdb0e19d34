import { isResolvedAt } from '../alert.js';
import { NotifyApiError } from '../errors.js';
import { compareLabelSets } from '../alert.js';
import { parseMatcher } from '../matcher-parse.js';
import type { AnchoredRegexp } from '../../../../schemas/regexp/index.js';
import { compileMatcherRegexp, matchesAll, type Matcher } from '../matchers.js';
import type { ApiDeps, ApiHandler } from './api-deps.js';
import { alertView, keepByState, type GettableAlert, type ViewContext } from './alert-view.js';
import { boolParam, readJson, sendJson } from './http-io.js';
import { parsePostableAlerts } from './postable-alerts.js';

function filterMatchers(url: URL): Matcher[] {
  return url.searchParams.getAll('filter').map((f) => {
    try {
      return parseMatcher(f);
    } catch (err) {
      throw new NotifyApiError(400, `bad matcher format: ${f}: ${(err as Error).message}`, { cause: err });
    }
  });
}

function receiverRegex(url: URL): AnchoredRegexp | undefined {
  const r = url.searchParams.get('receiver');
  if (r === null || r === '') return undefined;
  try {
    return compileMatcherRegexp(r);
  } catch (err) {
    throw new NotifyApiError(400, `failed to parse receiver param: ${(err as Error).message}`, { cause: err });
  }
}

async function viewContext(d: ApiDeps): Promise<{ ctx: ViewContext; all: Awaited<ReturnType<ApiDeps['store']['getAlerts']>> }> {
  const now = d.clock.now();
  const [all, silences] = await Promise.all([d.store.getAlerts(), d.store.listSilences()]);
  const firing = all.filter((a) => !isResolvedAt(a, now)).map((a) => a.labels);
  return { ctx: { plans: d.dispatcher.plans, silences, firing, now }, all };
}

/** POST /api/v2/alerts: store the valid alerts; 400 with the problems of the invalid ones. */
export function postAlerts(d: ApiDeps): ApiHandler {
  return async (req, res) => {
    const now = d.clock.now();
    const body = await readJson(req);
    const { alerts, errors } = parsePostableAlerts(body, now, d.dispatcher.plans.planFor(d.currentTenant()).resolveTimeoutMs);
    for (const a of alerts) d.metrics.alertsReceived.inc({ status: isResolvedAt(a, now) ? 'resolved' : 'firing' });
    if (errors.length > 0) d.metrics.alertsInvalid.inc(errors.length);
    await d.dispatcher.putAlerts(alerts);
    if (errors.length > 0) return sendJson(res, 400, errors.join('; '));
    res.writeHead(200).end();
  };
}

/** GET /api/v2/alerts with filter, receiver, active, silenced, inhibited, unprocessed. */
export function getAlerts(d: ApiDeps): ApiHandler {
  return async (_req, res, url) => {
    const matchers = filterMatchers(url);
    const receiver = receiverRegex(url);
    const flags = { active: boolParam(url, 'active', true), silenced: boolParam(url, 'silenced', true), inhibited: boolParam(url, 'inhibited', true) };
    boolParam(url, 'unprocessed', true);
    const { ctx, all } = await viewContext(d);
    const out: GettableAlert[] = [];
    for (const a of all) {
      if (isResolvedAt(a, ctx.now) || !matchesAll(matchers, a.labels)) continue;
      const v = alertView(ctx, a);
      if (receiver !== undefined && !v.receivers.some((r) => receiver.test(r.name))) continue;
      if (keepByState(v, flags)) out.push(v);
    }
    out.sort((x, y) => (x.fingerprint < y.fingerprint ? -1 : x.fingerprint > y.fingerprint ? 1 : 0));
    sendJson(res, 200, out);
  };
}

/** GET /api/v2/alerts/groups: the aggregation groups and their current alerts. */
export function getAlertGroups(d: ApiDeps): ApiHandler {
  return async (_req, res, url) => {
    const matchers = filterMatchers(url);
    const receiver = receiverRegex(url);
    const flags = { active: boolParam(url, 'active', true), silenced: boolParam(url, 'silenced', true), inhibited: boolParam(url, 'inhibited', true) };
    const muted = boolParam(url, 'muted', true);
    const [{ ctx, all }, groups] = await Promise.all([viewContext(d), d.store.listGroups()]);
    const byFp = new Map(all.map((a) => [a.fingerprint, a]));
    const out: { labels: Readonly<Record<string, string>>; receiver: { name: string }; alerts: GettableAlert[]; routeLabels: Readonly<Record<string, string>> }[] = [];
    for (const g of groups) {
      if (receiver !== undefined && !receiver.test(g.meta.receiver)) continue;
      const route = ctx.plans.planFor(g.meta.tenant).routesById.get(g.meta.routeId);
      const alerts: GettableAlert[] = [];
      for (const fp of g.members) {
        const a = byFp.get(fp);
        if (a === undefined || isResolvedAt(a, ctx.now) || !matchesAll(matchers, a.labels)) continue;
        const v = alertView(ctx, a);
        if (keepByState(v, flags)) alerts.push(v);
      }
      if (alerts.length === 0) continue;
      if (!muted && alerts.every((a) => a.status.state === 'suppressed')) continue;
      alerts.sort((x, y) => compareLabelSets(x.labels, y.labels));
      out.push({ labels: g.meta.labels, receiver: { name: g.meta.receiver }, alerts, routeLabels: route?.opts.labels ?? {} });
    }
    out.sort((x, y) => compareLabelSets(x.labels, y.labels) || (x.receiver.name < y.receiver.name ? -1 : x.receiver.name > y.receiver.name ? 1 : 0));
    sendJson(res, 200, out);
  };
}
