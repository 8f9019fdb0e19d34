/**
 * One alerting rule's state machine, as Prometheus' rules.AlertingRule: each evaluation's result
 * vector creates pending alerts, which fire once they have been active for `for`, and resolve when
 * they leave the result (after `keep_firing_for`). Resolved alerts are kept (and resent) for 15
 * minutes. Labels and annotations are templates over `$labels`, `$value`, `$externalLabels`.
 */
import { canonicalLabels, type Labels } from '../../../schemas/labels.js';
import type { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { alertTemplateData, expandAlertTemplate, type QueryFunc } from '../template/index.js';
import { RuleEvalError } from './errors.js';
import { labelKey } from './label-key.js';
import type { NotifyAlert } from './notify-func.js';
import type { VectorSample } from './query-func.js';
import type { LoadedRule } from './rule-file.js';

export type AlertState = 'inactive' | 'pending' | 'firing';

/** An alert as the rule tracks it; times are Unix ms of evaluation instants, 0 when unset. */
export interface ActiveAlert {
  labels: Labels;
  annotations: Labels;
  state: AlertState;
  activeAt: number;
  firedAt: number;
  resolvedAt: number;
  lastSentAt: number;
  keepFiringSince: number;
  validUntil: number;
  value: number;
}

/** One state change of one alert, at evaluation instant `at`. */
export interface AlertTransition {
  readonly at: number;
  readonly from: AlertState;
  readonly alert: Readonly<ActiveAlert>;
}

/** An output sample of a rule (ALERTS, ALERTS_FOR_STATE, or a recording rule's series). */
export interface RuleSample {
  readonly labels: Labels;
  readonly t: number;
  readonly value: number;
  /** A native-histogram sample (a recording rule over histograms); `value` is then unused. */
  readonly histogram?: FloatHistogram;
}

export interface AlertingRuleDeps {
  readonly externalLabels: Labels;
  readonly externalURL: string;
  /** Answers `query` in templates (evaluated against the same window). */
  readonly templateQuery?: QueryFunc;
  /**
   * When annotations are expanded: at every evaluation (the default: notifications resend them),
   * only for a state change (a replay hands on nothing else: each change carries the annotations
   * of the evaluation it stands for, as at every evaluation, and an alert's `annotations` are
   * those of its last change), or never (a replay that keeps no state changes).
   */
  readonly annotations?: AnnotationExpansion;
}

export type AnnotationExpansion = 'every-evaluation' | 'on-state-change' | 'never';

/** The input sample an alert was last seen with, and when: what its annotations are expanded from. */
interface LastSeen {
  readonly sample: VectorSample;
  readonly ts: number;
}

/** A range answer's series as columns (a replay's input): float points at `timestamps[i]` with `values[i]`. */
export interface AlertInputColumns {
  readonly labels: Labels;
  readonly timestamps: readonly number[];
  readonly values: readonly number[];
  readonly histograms?: readonly unknown[];
}

/** Where evalColumns hands its samples, instant by instant. */
export interface AlertColumnsOutput {
  sample(labels: Labels, t: number, value: number): void;
  /** After the samples of the instant whose samples are at `t`. */
  instantDone(t: number): void;
}

const NO_ANNOTATIONS: Labels = Object.freeze({});

/** An alert first seen at `ts`: pending until the rule's `for` has passed. */
function pendingAlert(labels: Labels, annotations: Labels, ts: number, value: number): ActiveAlert {
  return { labels, annotations, state: 'pending', activeAt: ts, firedAt: 0, resolvedAt: 0, lastSentAt: 0, keepFiringSince: 0, validUntil: 0, value };
}

const RESOLVED_RETENTION_MS = 15 * 60_000;

function withoutEmpty(l: Record<string, string>): Labels {
  for (const k of Object.keys(l)) if (l[k] === '') delete l[k];
  return l;
}

export class AlertingRule {
  readonly kind = 'alerting';
  private readonly active = new Map<string, ActiveAlert>();
  /** Rule labels without templates: an input series' alert labels are then the same at every evaluation. */
  private readonly staticLabels: boolean;
  /** Alert labels per input label object, when `staticLabels`. */
  private readonly alertLabels = new WeakMap<Labels, Labels>();
  /** ALERTS and ALERTS_FOR_STATE labels of an alert, rebuilt when its state changes. */
  private readonly outputLabels = new WeakMap<ActiveAlert, { state: AlertState; alerts: Labels; forState: Labels }>();
  /** With annotations expanded on state changes: what each alert was last seen with. */
  private readonly lastSeen = new WeakMap<ActiveAlert, LastSeen>();

  constructor(readonly rule: LoadedRule, private readonly deps: AlertingRuleDeps) {
    this.staticLabels = Object.values(rule.labels).every((v) => !v.includes('{{'));
  }

  get name(): string { return this.rule.name; }

  private async expandAnnotations(labels: Labels, value: number, ts: number): Promise<Labels> {
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.rule.annotations)) annotations[k] = await this.expand(v, labels, value, ts);
    return annotations;
  }

  private async expand(text: string, labels: Labels, value: number, ts: number): Promise<string> {
    // Text without an action expands to itself: no template to build.
    if (!text.includes('{{')) return text;
    const data = alertTemplateData(labels, this.deps.externalLabels, this.deps.externalURL, value);
    try {
      return await expandAlertTemplate(this.rule.name, text, data, ts, { externalURL: this.deps.externalURL, query: this.deps.templateQuery });
    } catch (err) {
      return `<error expanding template: ${err instanceof Error ? err.message : String(err)}>`;
    }
  }

  /**
   * Applies one evaluation result at instant `ts`; returns the ALERTS / ALERTS_FOR_STATE samples
   * (at `ts - queryOffsetMs`) and the state changes. Throws RuleEvalError (state kept as Prometheus
   * does: duplicate label sets leave it alone, an exceeded limit clears it).
   */
  async eval(result: readonly VectorSample[], ts: number, queryOffsetMs: number, limit: number): Promise<{ samples: RuleSample[]; transitions: AlertTransition[] }> {
    const expansion = this.deps.annotations ?? 'every-evaluation';
    const current = new Map<string, ActiveAlert>();
    // The input sample of each current alert, when annotations wait for a state change.
    const seen = expansion === 'on-state-change' ? new Map<string, VectorSample>() : undefined;
    for (const s of result) {
      let l = this.staticLabels ? this.staticAlertLabels(s.labels) : undefined;
      if (l === undefined) {
        const labels: Record<string, string> = { ...s.labels };
        for (const [k, v] of Object.entries(this.rule.labels)) labels[k] = await this.expand(v, s.labels, s.value, ts);
        delete labels['__name__'];
        labels['alertname'] = this.rule.name;
        l = withoutEmpty(labels);
      }
      const annotations = expansion === 'every-evaluation' ? await this.expandAnnotations(s.labels, s.value, ts) : NO_ANNOTATIONS;
      const key = labelKey(l);
      if (current.has(key)) throw new RuleEvalError('vector contains metrics with the same labelset after applying alert labels', { rule: this.rule.name });
      seen?.set(key, s);
      current.set(key, pendingAlert(l, annotations, ts, s.value));
    }
    const transitions: AlertTransition[] = [];
    // The alert of each transition, by index, when its annotations are expanded afterwards.
    const changed: ActiveAlert[] = [];
    // New alerts by key -> index of their transition, so `for: 0` reads as one change to firing.
    const added = new Map<string, number>();
    for (const [key, a] of current) {
      const old = this.active.get(key);
      if (old !== undefined && old.state !== 'inactive') {
        old.value = a.value;
        if (seen !== undefined) this.lastSeen.set(old, { sample: seen.get(key)!, ts });
        else old.annotations = a.annotations;
        continue;
      }
      this.active.set(key, a);
      if (seen !== undefined) this.lastSeen.set(a, { sample: seen.get(key)!, ts });
      added.set(key, transitions.length);
      changed.push(a);
      transitions.push({ at: ts, from: 'inactive', alert: { ...a } });
    }
    const samples: RuleSample[] = [];
    const numActive = this.advance(ts, ts - queryOffsetMs, (key) => current.has(key), added, changed, transitions, (labels, t, value) => {
      samples.push({ labels, t, value });
    });
    if (limit > 0 && numActive > limit) {
      this.active.clear();
      throw new RuleEvalError(`exceeded limit of ${limit} with ${numActive} alerts`, { rule: this.rule.name });
    }
    if (seen !== undefined) {
      // An alert changes state at most once per evaluation; one that resolved was last seen earlier.
      for (let i = 0; i < transitions.length; i++) {
        const a = changed[i]!;
        // None for an alert restored from a state file and not seen since: it keeps what it had.
        const last = this.lastSeen.get(a);
        if (last !== undefined) a.annotations = await this.expandAnnotations(last.sample.labels, last.sample.value, last.ts);
        transitions[i] = { ...transitions[i]!, alert: { ...transitions[i]!.alert, annotations: a.annotations } };
      }
    }
    return { samples, transitions };
  }

  /**
   * One evaluation's pass over the rule's alerts once the result is read: alerts not in it
   * (`isCurrent`) resolve unless kept firing, pending ones fire after `for` (a new one's change,
   * at its index in `added`, becomes one to firing), and each alert still active has its ALERTS
   * and ALERTS_FOR_STATE samples at `outT` handed to `sample`. Returns how many are active.
   */
  private advance(
    ts: number, outT: number, isCurrent: (key: string) => boolean, added: ReadonlyMap<string, number>,
    changed: ActiveAlert[], transitions: AlertTransition[], sample: (labels: Labels, t: number, value: number) => void,
  ): number {
    let numActive = 0;
    for (const [key, a] of this.active) {
      if (!isCurrent(key)) {
        let keepFiring = false;
        if (a.state === 'firing' && this.rule.keepFiringForMs > 0) {
          if (a.keepFiringSince === 0) a.keepFiringSince = ts;
          if (ts - a.keepFiringSince < this.rule.keepFiringForMs) keepFiring = true;
        }
        if (a.state === 'pending' || (a.resolvedAt !== 0 && ts - a.resolvedAt > RESOLVED_RETENTION_MS)) this.active.delete(key);
        if (a.state !== 'inactive' && !keepFiring) {
          const from = a.state;
          a.state = 'inactive';
          a.resolvedAt = ts;
          changed.push(a);
          transitions.push({ at: ts, from, alert: { ...a } });
        }
        if (!keepFiring) continue;
      } else {
        a.keepFiringSince = 0;
      }
      numActive++;
      if (a.state === 'pending' && ts - a.activeAt >= this.rule.forMs) {
        a.state = 'firing';
        a.firedAt = ts;
        const idx = added.get(key);
        if (idx !== undefined) transitions[idx] = { at: ts, from: 'inactive', alert: { ...a } };
        else {
          changed.push(a);
          transitions.push({ at: ts, from: 'pending', alert: { ...a } });
        }
      }
      let out = this.outputLabels.get(a);
      if (out === undefined || out.state !== a.state) {
        out = { state: a.state, alerts: this.seriesLabels(a, 'ALERTS', true), forState: this.seriesLabels(a, 'ALERTS_FOR_STATE', false) };
        this.outputLabels.set(a, out);
      }
      sample(out.alerts, outT, 1);
      sample(out.forState, outT, Math.floor(a.activeAt / 1000));
    }
    return numActive;
  }

  /** An input series' alert labels when the rule's labels are not templates: the same at every evaluation. */
  private staticAlertLabels(input: Labels): Labels {
    let l = this.alertLabels.get(input);
    if (l === undefined) {
      const labels: Record<string, string> = { ...input };
      for (const [k, v] of Object.entries(this.rule.labels)) labels[k] = v;
      delete labels['__name__'];
      labels['alertname'] = this.rule.name;
      this.alertLabels.set(input, (l = withoutEmpty(labels)));
    }
    return l;
  }

  /**
   * The evaluations at `instants` of a range answer's columns (`series`, points at `instant -
   * queryOffsetMs`), series by series rather than a vector per instant (a replay): the same state
   * changes in the same order, the same ALERTS / ALERTS_FOR_STATE samples handed to `out.sample`
   * in the same order, `out.instantDone` after each instant, and the same state left behind.
   * Undefined, with the state untouched, where the instant-by-instant `eval` is needed: templated
   * labels, annotations expanded at every evaluation, native histograms, two series with one alert
   * label set (an error at the instants they share), or a limit the alerts could exceed.
   */
  async evalColumns(series: readonly AlertInputColumns[], instants: readonly number[], queryOffsetMs: number, limit: number, out: AlertColumnsOutput): Promise<AlertTransition[] | undefined> {
    const expansion = this.deps.annotations ?? 'every-evaluation';
    const n = series.length;
    if (expansion === 'every-evaluation' || !this.staticLabels || (limit > 0 && this.active.size + n > limit)) return undefined;
    const keys: string[] = [];
    const labels: Labels[] = [];
    const indexByKey = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const s = series[i]!;
      if (s.histograms !== undefined && s.histograms.length > 0) return undefined;
      const l = this.staticAlertLabels(s.labels);
      const key = labelKey(l);
      if (indexByKey.has(key)) return undefined;
      indexByKey.set(key, i);
      keys.push(key);
      labels.push(l);
    }
    // Per series: the next point of its column, and the instant and point it was last seen at.
    const cursor = new Int32Array(n);
    const seenAt = new Int32Array(n).fill(-1);
    const seenPoint = new Int32Array(n);
    // The series each alert was seen as in this answer: its last-seen sample, kept as positions until needed.
    const seriesOf = new Map<ActiveAlert, number>();
    const lastSeenOf = (a: ActiveAlert): LastSeen | undefined => {
      const i = seriesOf.get(a);
      return i === undefined ? this.lastSeen.get(a) : { sample: { labels: series[i]!.labels, value: series[i]!.values[seenPoint[i]!]! }, ts: instants[seenAt[i]!]! };
    };
    const all: AlertTransition[] = [];
    for (let k = 0; k < instants.length; k++) {
      const ts = instants[k]!;
      const t = ts - queryOffsetMs;
      const transitions: AlertTransition[] = [];
      const changed: ActiveAlert[] = [];
      const added = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        const { timestamps, values } = series[i]!;
        let c = cursor[i]!;
        // A point off the instants' grid is one no instant's vector holds.
        while (c < timestamps.length && timestamps[c]! < t) c++;
        cursor[i] = c;
        if (c >= timestamps.length || timestamps[c] !== t) continue;
        cursor[i] = c + 1;
        seenAt[i] = k;
        seenPoint[i] = c;
        const key = keys[i]!;
        const old = this.active.get(key);
        if (old !== undefined && old.state !== 'inactive') {
          old.value = values[c]!;
          if (expansion === 'on-state-change') seriesOf.set(old, i);
          else old.annotations = NO_ANNOTATIONS;
          continue;
        }
        const a = pendingAlert(labels[i]!, NO_ANNOTATIONS, ts, values[c]!);
        this.active.set(key, a);
        if (expansion === 'on-state-change') seriesOf.set(a, i);
        added.set(key, transitions.length);
        changed.push(a);
        transitions.push({ at: ts, from: 'inactive', alert: { ...a } });
      }
      this.advance(ts, t, (key) => {
        const i = indexByKey.get(key);
        return i !== undefined && seenAt[i] === k;
      }, added, changed, transitions, (l, at, value) => out.sample(l, at, value));
      out.instantDone(t);
      for (let j = 0; j < transitions.length; j++) {
        if (expansion === 'on-state-change') {
          const a = changed[j]!;
          const last = lastSeenOf(a);
          if (last !== undefined) a.annotations = await this.expandAnnotations(last.sample.labels, last.sample.value, last.ts);
          all.push({ ...transitions[j]!, alert: { ...transitions[j]!.alert, annotations: a.annotations } });
        } else all.push(transitions[j]!);
      }
    }
    for (const [a, i] of seriesOf) this.lastSeen.set(a, { sample: { labels: series[i]!.labels, value: series[i]!.values[seenPoint[i]!]! }, ts: instants[seenAt[i]!]! });
    return all;
  }

  private seriesLabels(a: ActiveAlert, name: string, withState: boolean): Labels {
    const l: Record<string, string> = { ...this.rule.labels, ...a.labels, __name__: name, alertname: this.rule.name };
    if (withState) l['alertstate'] = a.state;
    return withoutEmpty(l);
  }

  /**
   * Alerts due to be sent at `ts` (Prometheus' needsSending/sendAlerts): firing ones every
   * `resendDelayMs`, resolved ones once after resolving and then with the same cadence while kept.
   */
  alertsToSend(ts: number, wallNow: number, resendDelayMs: number, intervalMs: number, externalLabels: Labels): NotifyAlert[] {
    const out: NotifyAlert[] = [];
    for (const a of this.active.values()) {
      if (a.state === 'pending') continue;
      // lastSentAt 0 = never sent (Go's zero time is before every instant).
      if (a.lastSentAt !== 0 && !(a.resolvedAt > a.lastSentAt) && !(a.lastSentAt + resendDelayMs < ts)) continue;
      a.lastSentAt = ts;
      a.validUntil = Math.max(ts, wallNow) + 4 * Math.max(resendDelayMs, intervalMs);
      const labels: Record<string, string> = { ...externalLabels, ...a.labels };
      out.push({
        labels: withoutEmpty(labels), annotations: a.annotations, startsAt: a.firedAt,
        endsAt: a.state === 'inactive' ? a.resolvedAt : a.validUntil, generatorURL: this.generatorURL(),
      });
    }
    return out;
  }

  private generatorURL(): string {
    const base = this.deps.externalURL.replace(/\/$/, '');
    return `${base}/graph?g0.expr=${encodeURIComponent(this.rule.expr)}&g0.tab=1`;
  }

  /** Alerts in the rule's state (pending, firing, and resolved ones still kept). */
  alerts(): readonly ActiveAlert[] {
    return [...this.active.values()];
  }

  /** Highest state among the alerts: what /api/v1/rules shows as the rule's state. */
  state(): AlertState {
    let s: AlertState = 'inactive';
    for (const a of this.active.values()) {
      if (a.state === 'firing') return 'firing';
      if (a.state === 'pending') s = 'pending';
    }
    return s;
  }

  /** Puts back alerts saved before a restart. */
  restore(alerts: readonly ActiveAlert[]): void {
    this.active.clear();
    for (const a of alerts) this.active.set(canonicalLabels(a.labels), { ...a });
  }
}
