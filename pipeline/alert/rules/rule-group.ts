/**
 * A rule group evaluated at one instant (Prometheus' rules.Group.Eval): rules in order, each seeing
 * the output of the ones before it (written into the window at once), series that a rule returned
 * last time and not now get a staleness marker, and each rule records its health.
 */
import type { Labels } from '../../../schemas/index.js';
import { AlertingRule, type AlertTransition, type RuleSample } from './alerting-rule.js';
import { labelKey } from './label-key.js';
import type { VectorSample } from './query-func.js';
import { RecordingRule } from './recording-rule.js';
import type { LoadedGroup } from './rule-file.js';

export type RuleHealth = 'unknown' | 'ok' | 'err';

export interface RuleStatus {
  health: RuleHealth;
  lastError: string;
  /** Evaluation instant (event time, Unix ms) of the last evaluation; 0 before the first. */
  lastEvaluation: number;
  evaluationTimeMs: number;
}

export interface GroupRule {
  readonly impl: AlertingRule | RecordingRule;
  readonly status: RuleStatus;
  /** Series written at the previous evaluation (staleness markers go to those that vanish). */
  previous: Map<string, Labels>;
}

/** A sample the group writes; `stale` marks a staleness marker. */
export interface GroupOutput extends RuleSample {
  readonly stale: boolean;
}

export interface GroupEvalDeps {
  readonly query: (expr: string, t: number) => Promise<readonly VectorSample[]>;
  /** Makes samples visible to later rules (the window store). */
  readonly write: (samples: readonly GroupOutput[]) => void;
}

export class RuleGroup {
  readonly rules: GroupRule[];
  lastEvaluation = 0;
  evaluationTimeMs = 0;

  constructor(readonly def: LoadedGroup, readonly intervalMs: number, readonly queryOffsetMs: number, makeAlerting: (r: LoadedGroup['rules'][number]) => AlertingRule) {
    this.rules = def.rules.map((r) => ({
      impl: r.kind === 'alerting' ? makeAlerting(r) : new RecordingRule(r),
      status: { health: 'unknown', lastError: '', lastEvaluation: 0, evaluationTimeMs: 0 },
      previous: new Map(),
    }));
  }

  /** Identity across reloads and restarts: file, group and rule name. */
  get key(): string {
    return `${this.def.file}\u0000${this.def.name}`;
  }

  /**
   * `alertsOnly` is an evaluation at an arrival instant: only the alerting rules run, for their
   * state changes; the group's series (recording output, ALERTS) stay on the interval grid.
   */
  async eval(ts: number, deps: GroupEvalDeps, alertsOnly = false): Promise<{ outputs: GroupOutput[]; transitions: AlertTransition[] }> {
    const started = performance.now();
    const outputs: GroupOutput[] = [];
    const transitions: AlertTransition[] = [];
    const t = ts - this.queryOffsetMs;
    for (const r of this.rules) {
      if (alertsOnly && !(r.impl instanceof AlertingRule)) continue;
      const ruleStart = performance.now();
      try {
        const result = await deps.query(r.impl.rule.expr, t);
        let samples: RuleSample[];
        if (r.impl instanceof AlertingRule) {
          const res = await r.impl.eval(result, ts, this.queryOffsetMs, this.def.limit);
          samples = res.samples;
          transitions.push(...res.transitions);
        } else {
          samples = r.impl.eval(result, t, this.def.limit);
        }
        if (!alertsOnly) outputs.push(...this.output(r, samples, t, deps));
        r.status.health = 'ok';
        r.status.lastError = '';
      } catch (err) {
        r.status.health = 'err';
        r.status.lastError = err instanceof Error ? err.message : String(err);
      }
      r.status.lastEvaluation = ts;
      r.status.evaluationTimeMs = performance.now() - ruleStart;
    }
    this.lastEvaluation = ts;
    this.evaluationTimeMs = performance.now() - started;
    return { outputs, transitions };
  }

  /** A rule's samples plus staleness markers for the series it wrote last time and not now. */
  private output(r: GroupRule, samples: readonly RuleSample[], t: number, deps: GroupEvalDeps): GroupOutput[] {
    const now = new Map<string, Labels>();
    const out: GroupOutput[] = samples.map((s) => {
      now.set(labelKey(s.labels), s.labels);
      // Built field by field: a spread per sample was a tenth of a replay's evaluation.
      return s.histogram === undefined ? { labels: s.labels, t: s.t, value: s.value, stale: false } : { ...s, stale: false };
    });
    for (const [k, labels] of r.previous) if (!now.has(k)) out.push({ labels, t, value: Number.NaN, stale: true });
    r.previous = now;
    deps.write(out);
    return out;
  }
}
