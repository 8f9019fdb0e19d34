import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  RulesEvaluator,
  engineQueryFunc,
  postableAlerts,
  rulesApiRoutes,
  type NotifyFunc,
  type WindowQueryFunc,
} from '../../pipeline/alert/rules/index.js';
import type { HttpConfig } from '../../pipeline/alert/notify/config/index.js';
import { postJson } from '../../pipeline/alert/receivers/index.js';
import { Engine, SmallJobsInPlace } from '../../pipeline/promql/index.js';
import { queryEngineOptions } from '../../pipeline/query/index.js';
import type { TidemarkConfig } from '../config/index.js';
import { expandRuleFiles } from '../config/rule-file-globs.js';
import type { Service } from '../server/service.js';
import { mountWebUi } from '../server/web-ui.js';
import { BusService } from './bus-service.js';
import { mountBusStatus } from './bus-status-api.js';
import type { RoleContext, RoleDefinition } from './run-role.js';
import { writeTenantRuleFiles } from '../tenants/index.js';

/** One notifier a separate `tidemark rules` sends alerts to. */
export interface NotifierTarget {
  readonly url: string;
  readonly timeoutMs: number;
  /** Auth, TLS and headers of its `alertmanagers` entry. */
  readonly httpConfig?: HttpConfig;
}

/**
 * Where a separate `tidemark rules` sends alerts: every `alerting.alertmanagers[].static_configs`
 * target, as Prometheus does (`POST <scheme>://<target><path_prefix>/api/v2/alerts`).
 */
export function alertmanagerTargets(cfg: TidemarkConfig): NotifierTarget[] {
  const out: NotifierTarget[] = [];
  for (const am of cfg.alerting.alertmanagers) {
    const prefix = am.path_prefix.replace(/\/$/, '');
    for (const sc of am.static_configs) {
      for (const t of sc.targets) out.push({ url: `${am.scheme}://${t}${prefix}/api/v2/alerts`, timeoutMs: am.timeout, httpConfig: am.http_config });
    }
  }
  return out;
}

/**
 * A NotifyFunc posting every batch to every notifier (Prometheus sends to all its Alertmanagers;
 * notify replicas deduplicate through Redis). It rejects, so the alerts are sent again, only when
 * no notifier accepted them.
 */
export function httpNotifyFunc(targets: readonly NotifierTarget[]): NotifyFunc {
  return async (alerts) => {
    if (targets.length === 0 || alerts.length === 0) return;
    const body = postableAlerts(alerts);
    const results = await Promise.allSettled(
      targets.map(async ({ url, timeoutMs, httpConfig }) => {
        const r = await postJson(url, body, { integration: url, httpConfig, timeoutMs, headers: { 'user-agent': 'Tidemark' } }, AbortSignal.timeout(timeoutMs));
        if (!r.ok) throw r.error;
      }),
    );
    if (results.every((r) => r.status === 'rejected')) {
      throw new Error(`no notifier accepted the alerts: ${results.map((r) => ((r as PromiseRejectedResult).reason as Error).message).join('; ')}`);
    }
  };
}

/** Rules over at most this many selected samples, without subqueries, are computed in place. */
const RULE_SAMPLES_IN_PLACE = 10_000;

/**
 * Rules are evaluated as the query API evaluates queries: in the process' pool of worker threads,
 * off the event loop that serves HTTP, under `query.timeout_ms` and `query.max_samples`; a rule
 * that exceeds them fails that evaluation with the query's error. A small rule is computed in
 * place, where a round trip to a worker would cost more than the rule (and add to alert latency).
 */
function ruleQueryFunc(cfg: TidemarkConfig): WindowQueryFunc {
  const opts = queryEngineOptions(cfg.query);
  const pool = opts.evaluator;
  return engineQueryFunc(new Engine({ ...opts, evaluator: pool === undefined ? undefined : new SmallJobsInPlace(pool, RULE_SAMPLES_IN_PLACE) }));
}

/** Streaming rule evaluation over the samples topic, with `/api/v1/rules` and `/api/v1/alerts`. */
export class RulesService implements Service {
  readonly name = 'rules';
  private evaluator: RulesEvaluator | undefined;
  private query: WindowQueryFunc;

  constructor(
    private readonly ctx: RoleContext,
    private readonly bus: BusService,
    private readonly notify: NotifyFunc,
  ) {
    this.query = ruleQueryFunc(ctx.config);
    for (const r of rulesApiRoutes({ groups: () => this.evaluator?.groups() ?? [] }).routes) {
      ctx.router.add(r.methods, r.path, r.handler);
    }
  }

  private get running(): RulesEvaluator {
    if (this.evaluator === undefined) throw new Error('rules used before they started');
    return this.evaluator;
  }

  async start(): Promise<void> {
    const cfg = this.ctx.config;
    const stateDir = join(this.ctx.flags.data, 'rules');
    await mkdir(stateDir, { recursive: true });
    const evaluator = new RulesEvaluator({
      bus: this.bus.bus,
      samplesTopic: cfg.bus.topics.samples,
      aggregatesTopic: cfg.bus.topics.aggregates,
      alertsTopic: cfg.bus.topics.alerts,
      deadLetterTopic: cfg.bus.topics.deadletter,
      // The engine of the moment: a reload's query limits apply from the next evaluation.
      query: (source, q, t) => this.query(source, q, t),
      notify: this.notify,
      stateFile: join(stateDir, 'alert-state.json'),
      externalLabels: cfg.global.external_labels,
      lookbackDeltaMs: cfg.query.lookback_delta_ms,
      allowedLatenessMs: cfg.rules.allowed_lateness_ms,
      idleTimeoutMs: cfg.rules.idle_timeout_ms,
      arrivalResolutionMs: cfg.rules.arrival_resolution_ms,
      lateSamples: cfg.rules.late_samples,
      producerWatermarks: cfg.bus.watermarks.enabled ? { periodMs: cfg.bus.watermarks.period_ms, lagMs: cfg.bus.watermarks.lag_ms } : undefined,
      resendDelayMs: cfg.rules.resend_delay_ms,
      registry: this.ctx.metrics,
      logger: this.ctx.log.child({ component: 'rules' }),
    });
    await evaluator.applyConfig(await this.rulesConfig(cfg));
    await evaluator.start();
    this.evaluator = evaluator;
  }

  ready(): boolean {
    return this.evaluator?.ready() ?? false;
  }

  async applyConfig(cfg: TidemarkConfig): Promise<void> {
    this.query = ruleQueryFunc(cfg);
    await this.running.applyConfig(await this.rulesConfig(cfg));
  }

  /** `rule_files`, plus with tenants each tenant's rule files confined to its series. */
  private async rulesConfig(cfg: TidemarkConfig): Promise<ReturnType<typeof rulesConfigOf>> {
    const c = rulesConfigOf(cfg, this.ctx.flags.config);
    if (this.ctx.tenancy === undefined) return c;
    const tenantFiles = await writeTenantRuleFiles(cfg.tenants, this.ctx.flags.config, join(this.ctx.flags.data, 'rules', 'tenants'));
    return { ...c, ruleFiles: [...c.ruleFiles, ...tenantFiles] };
  }

  async stop(): Promise<void> {
    await this.evaluator?.stop();
  }
}

function rulesConfigOf(cfg: TidemarkConfig, configFile: string | undefined) {
  return {
    ruleFiles: expandRuleFiles(cfg.rule_files, configFile),
    evaluationIntervalMs: cfg.global.evaluation_interval,
  };
}

export const rulesRole: RoleDefinition = {
  name: 'rules',
  async build(ctx) {
    const bus = new BusService(ctx.config, ctx.flags.data, ctx.log, ctx.fail);
    mountBusStatus(ctx, bus);
    // The rules role answers /api/v1/rules, /api/v1/alerts and (as every role) /api/v1/status/config.
    mountWebUi(ctx.router, { apps: ['prometheus', 'bus'], only: ['alerts', 'rules', 'config', 'bus'] });
    return [bus, new RulesService(ctx, bus, httpNotifyFunc(alertmanagerTargets(ctx.config)))];
  },
};
