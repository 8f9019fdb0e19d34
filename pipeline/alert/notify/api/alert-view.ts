import type { Alert } from '../alert.js';
import { alertFingerprint } from '../fingerprint.js';
import { findInhibition } from '../inhibit.js';
import type { TenantPlans } from '../tenant-plans.js';
import { anyIntervalContains } from '../time-intervals.js';
import { silencedBy, type Silence } from '../silence.js';
import { formatTime } from './http-io.js';

type LabelSet = Readonly<Record<string, string>>;

/** A gettableAlert of the v2 API. */
export interface GettableAlert {
  readonly annotations: LabelSet;
  readonly endsAt: string;
  readonly fingerprint: string;
  readonly receivers: { name: string }[];
  readonly startsAt: string;
  readonly status: { state: 'active' | 'suppressed' | 'unprocessed'; silencedBy: string[]; inhibitedBy: string[]; mutedBy: string[] };
  readonly updatedAt: string;
  readonly generatorURL: string;
  readonly labels: LabelSet;
}

/** What the status of alerts is computed from, read once per request. */
export interface ViewContext {
  /** Each alert is shown as its tenant's configuration routes it. */
  readonly plans: TenantPlans;
  readonly silences: readonly Silence[];
  /** Labels of every alert firing now (inhibition sources). */
  readonly firing: readonly LabelSet[];
  readonly now: number;
}

/** An alert as the API shows it: receivers of its routes, silences and inhibitions muting it now. */
export function alertView(ctx: ViewContext, a: Alert): GettableAlert {
  const tenant = ctx.plans.tenantOf(a.labels);
  const plan = ctx.plans.planFor(tenant);
  const routes = plan.tree.match(a.labels);
  const receivers = [...new Set(routes.map((r) => r.opts.receiver))].map((name) => ({ name }));
  const silenced = silencedBy(ctx.silences, a.labels, ctx.now);
  const sources = ctx.plans.tenantLabel === undefined ? ctx.firing : ctx.firing.filter((l) => ctx.plans.tenantOf(l) === tenant);
  const inh = plan.inhibitRules.length === 0 ? undefined : findInhibition(plan.inhibitRules, a.labels, sources);
  const inhibited = inh === undefined ? [] : [alertFingerprint(inh.source)];
  const muted = new Set<string>();
  for (const r of routes) {
    for (const n of r.opts.muteTimeIntervals) {
      const ti = plan.timeIntervals.get(n);
      if (ti !== undefined && anyIntervalContains(ti, ctx.now)) muted.add(n);
    }
  }
  const suppressed = silenced.length > 0 || inhibited.length > 0 || muted.size > 0;
  return {
    annotations: a.annotations,
    endsAt: formatTime(a.endsAt),
    fingerprint: a.fingerprint,
    receivers,
    startsAt: formatTime(a.startsAt),
    status: { state: suppressed ? 'suppressed' : 'active', silencedBy: silenced, inhibitedBy: inhibited, mutedBy: [...muted].sort() },
    updatedAt: formatTime(a.updatedAt),
    generatorURL: a.generatorURL,
    labels: a.labels,
  };
}

/** The v2 alert filters: active/silenced/inhibited/muted flags. */
export function keepByState(v: GettableAlert, f: { active: boolean; silenced: boolean; inhibited: boolean }): boolean {
  const s = v.status;
  if (!f.active && s.state === 'active') return false;
  if (!f.silenced && s.silencedBy.length > 0) return false;
  if (!f.inhibited && s.inhibitedBy.length > 0) return false;
  return true;
}
