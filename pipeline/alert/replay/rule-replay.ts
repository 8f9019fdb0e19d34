/**
 * Rules over history (vmalert's -replay): every group evaluated at each multiple of its interval in
 * [from, to], with the streaming evaluator's own RuleGroup / AlertingRule / RecordingRule, so `for`,
 * keep_firing_for, templates, limits and staleness markers behave as they do live. A rule's chunk
 * is evaluated series by series from the range answer's columns where it can be
 * (recording-columns.ts, alerting-columns.ts: the same outputs and state changes, in the same
 * order, without a vector and its objects per instant), instant by instant otherwise.
 *
 * Speed: one range query per rule per chunk of instants (step = the group's interval) instead of
 * one instant query per instant. Rules run rule by rule over the whole range (as vmalert does), so
 * each rule keeps its own state across chunks; before a rule whose expression may read an earlier
 * rule's output runs, the caller's `settle` waits until that output is readable. The range queries
 * of rules that read no replayed output can be asked ahead of their turn (`queryAhead`), so the
 * server answers them while earlier rules are evaluated.
 */
import type { Labels } from '../../../schemas/index.js';
import type { AlertTransition, GroupOutput, LoadedGroup, LoadedRule, VectorSample } from '../rules/index.js';
import { AlertingRule } from '../rules/alerting-rule.js';
import { RuleGroup, type GroupRule } from '../rules/rule-group.js';
import type { QueryFunc } from '../template/index.js';
import { alertingRuleColumns } from './alerting-columns.js';
import { recordingRuleColumns } from './recording-columns.js';
import type { RangeSeries } from './range-series.js';

export type { RangeSeries } from './range-series.js';

/** Where history is read: a Prometheus-style range query (times in Unix ms). */
export type RangeQuery = (expr: string, startMs: number, endMs: number, stepMs: number) => Promise<readonly RangeSeries[]>;

/** Where the rules' output goes (remote_write, or a dry-run tally). */
export interface ReplaySink {
  write(samples: readonly GroupOutput[]): Promise<void>;
  /**
   * The alert state changes (pending, firing, resolved) of one rule over a chunk of instants, in
   * time order; absent when they are not wanted.
   */
  alertEvents?(group: LoadedGroup, transitions: readonly AlertTransition[]): Promise<void>;
}

/** What one rule wrote, for the caller to wait until it is readable. */
export interface RuleOutputSummary {
  readonly group: string;
  readonly rule: LoadedRule;
  /** Samples written (staleness markers not counted). */
  readonly samples: number;
  readonly firstMs: number;
  readonly lastMs: number;
}

export interface ReplayProgress {
  /** Rule evaluations done, of `total`. */
  readonly done: number;
  readonly total: number;
  /** Samples read from range query answers, and written (staleness markers not counted), so far. */
  readonly samplesRead: number;
  readonly samplesWritten: number;
  readonly alertEvents: number;
}

export interface RuleReplayOptions {
  readonly fromMs: number;
  readonly toMs: number;
  /** Instants per range query (vmalert's -replay.maxDatapointsPerQuery). */
  readonly maxPointsPerQuery: number;
  /** For groups without their own interval. */
  readonly evaluationIntervalMs: number;
  readonly queryOffsetMs: number;
  readonly externalLabels: Labels;
  readonly externalURL: string;
  readonly templateQuery?: QueryFunc;
  /**
   * Expand alerting rules' annotation templates (they cost a query each when they query); only
   * worth it when the alert state changes go somewhere (the sink's alertEvents).
   */
  readonly expandAnnotations?: boolean;
  /** Called after each rule that wrote something: the next rule may read it; the last one's confirms it was stored. */
  readonly settle?: (written: RuleOutputSummary) => Promise<void>;
  /**
   * Range queries asked before their turn, at most this many ahead of the one being evaluated
   * (default 0), and only for rules `canQueryAhead` accepts: a rule that may read an earlier
   * rule's output (or its own) must be queried after that output is settled.
   */
  readonly queryAhead?: number;
  readonly canQueryAhead?: (rule: LoadedRule) => boolean;
  readonly onProgress?: (p: ReplayProgress) => void;
  /** Called for each failed evaluation (the replay goes on, as the live evaluator does). */
  readonly onRuleError?: (group: string, rule: string, atMs: number, message: string) => void;
}

export interface RuleReplaySummary {
  /** Rule evaluations done (rules x instants). */
  readonly evaluations: number;
  /** Samples read from range query answers. */
  readonly samplesRead: number;
  /** Samples written (staleness markers not counted). */
  readonly samplesWritten: number;
  readonly errors: number;
  /** Alert state changes handed to the sink's alertEvents. */
  readonly alertEvents: number;
  readonly rangeQueries: number;
  /** Time spent waiting for range query answers, and for the sink's writes (settling included). */
  readonly queryMs: number;
  readonly writeMs: number;
}

/** The multiples of `intervalMs` in [fromMs, toMs]. */
export function replayInstants(fromMs: number, toMs: number, intervalMs: number): number[] {
  const out: number[] = [];
  for (let t = Math.ceil(fromMs / intervalMs) * intervalMs; t <= toMs; t += intervalMs) out.push(t);
  return out;
}

function groupInterval(g: LoadedGroup, o: RuleReplayOptions): number {
  return g.intervalMs ?? o.evaluationIntervalMs;
}

/** Rule evaluations the replay will do: what progress counts to. */
export function replayEvaluationCount(groups: readonly LoadedGroup[], o: Pick<RuleReplayOptions, 'fromMs' | 'toMs' | 'evaluationIntervalMs'>): number {
  let n = 0;
  for (const g of groups) n += g.rules.length * replayInstants(o.fromMs, o.toMs, g.intervalMs ?? o.evaluationIntervalMs).length;
  return n;
}

/** One range query of the replay: a chunk of a rule's instants. */
interface QueryStep {
  readonly group: LoadedGroup;
  readonly rule: LoadedRule;
  readonly interval: number;
  readonly offset: number;
  readonly chunk: readonly number[];
  /** The last chunk of its rule. */
  readonly last: boolean;
}

function querySteps(groups: readonly LoadedGroup[], o: RuleReplayOptions): QueryStep[] {
  const steps: QueryStep[] = [];
  for (const group of groups) {
    const interval = groupInterval(group, o);
    const offset = group.queryOffsetMs ?? o.queryOffsetMs;
    const instants = replayInstants(o.fromMs, o.toMs, interval);
    for (const rule of group.rules) {
      for (let i = 0; i < instants.length; i += o.maxPointsPerQuery) {
        steps.push({ group, rule, interval, offset, chunk: instants.slice(i, i + o.maxPointsPerQuery), last: i + o.maxPointsPerQuery >= instants.length });
      }
    }
  }
  return steps;
}

export async function replayRules(groups: readonly LoadedGroup[], query: RangeQuery, sink: ReplaySink, o: RuleReplayOptions): Promise<RuleReplaySummary> {
  if (!(o.maxPointsPerQuery >= 1)) throw new RangeError(`max points per query must be at least 1, got ${o.maxPointsPerQuery}`);
  if (o.toMs < o.fromMs) throw new RangeError(`replay range ends (${new Date(o.toMs).toISOString()}) before it starts (${new Date(o.fromMs).toISOString()})`);
  const total = replayEvaluationCount(groups, o);
  let done = 0;
  let samplesRead = 0;
  let samplesWritten = 0;
  let errors = 0;
  let alertEvents = 0;
  let rangeQueries = 0;
  let queryMs = 0;
  let writeMs = 0;
  const steps = querySteps(groups, o);
  // Answers asked, by step; a failed query is kept as its error (the rule's evaluations fail with it).
  const asked = new Map<number, Promise<readonly RangeSeries[] | Error>>();
  const ask = (i: number): void => {
    if (asked.has(i)) return;
    const { rule, chunk, offset, interval } = steps[i]!;
    asked.set(i, query(rule.expr, chunk[0]! - offset, chunk[chunk.length - 1]! - offset, interval).then(
      (series) => {
        rangeQueries++;
        return series;
      },
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    ));
  };
  const ahead = o.queryAhead ?? 0;
  let single: RuleGroup | undefined;
  let written = 0;
  let firstMs = Number.POSITIVE_INFINITY;
  let lastMs = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < steps.length; i++) {
    const { group: g, rule, interval, offset, chunk, last } = steps[i]!;
    // A group of this one rule: RuleGroup keeps its series (staleness) and alert state across instants.
    single ??= new RuleGroup({ ...g, rules: [rule] }, interval, offset, (r) => new AlertingRule(r, {
      externalLabels: o.externalLabels, externalURL: o.externalURL, templateQuery: o.templateQuery, annotations: o.expandAnnotations === true ? 'on-state-change' : 'never',
    }));
    ask(i);
    for (let j = i + 1; j <= i + ahead && j < steps.length; j++) if (o.canQueryAhead?.(steps[j]!.rule) === true) ask(j);
    const waiting = performance.now();
    const answer = await asked.get(i)!;
    asked.delete(i);
    queryMs += performance.now() - waiting;
    if (!(answer instanceof Error)) for (const s of answer) samplesRead += s.timestamps.length + (s.histograms?.length ?? 0);
    const state = single.rules[0]!;
    // The chunk series by series where it can be; otherwise, instant by instant.
    const columns = answer instanceof Error ? undefined : await ruleColumns(state, answer, chunk, offset, g.limit);
    const out: GroupOutput[] = columns?.outputs ?? [];
    const transitions: AlertTransition[] = columns?.transitions ?? [];
    if (columns === undefined) {
      const byTime = answer instanceof Error ? answer : byInstant(answer);
      for (const ts of chunk) {
        const res = await single.eval(ts, {
          query: async (_expr, t) => {
            if (byTime instanceof Error) throw byTime;
            return byTime.get(t) ?? [];
          },
          write: () => {},
        });
        if (state.status.health === 'err') {
          errors++;
          o.onRuleError?.(g.name, rule.name, ts, state.status.lastError);
        }
        // The rule keeps changing the alert object: keep it as it was at this instant.
        for (const tr of res.transitions) transitions.push({ ...tr, alert: { ...tr.alert } });
        for (const s of res.outputs) out.push(s);
      }
    }
    done += chunk.length;
    for (const s of out) {
      if (s.stale) continue;
      written++;
      if (s.t < firstMs) firstMs = s.t;
      if (s.t > lastMs) lastMs = s.t;
    }
    const writing = performance.now();
    if (out.length > 0) await sink.write(out);
    if (transitions.length > 0 && sink.alertEvents !== undefined) {
      await sink.alertEvents(g, transitions);
      alertEvents += transitions.length;
    }
    writeMs += performance.now() - writing;
    o.onProgress?.({ done, total, samplesRead, samplesWritten: samplesWritten + written, alertEvents });
    if (!last) continue;
    samplesWritten += written;
    if (written > 0 && o.settle !== undefined) {
      const settling = performance.now();
      await o.settle({ group: g.name, rule, samples: written, firstMs, lastMs });
      writeMs += performance.now() - settling;
    }
    single = undefined;
    written = 0;
    firstMs = Number.POSITIVE_INFINITY;
    lastMs = Number.NEGATIVE_INFINITY;
  }
  return { evaluations: done, samplesRead, samplesWritten, errors, alertEvents, rangeQueries, queryMs, writeMs };
}

/** A rule's chunk series by series; undefined where it needs the instant-by-instant evaluator. */
async function ruleColumns(
  state: GroupRule, series: readonly RangeSeries[], chunk: readonly number[], offsetMs: number, limit: number,
): Promise<{ outputs: GroupOutput[]; transitions: AlertTransition[] } | undefined> {
  if (state.impl.kind === 'alerting') return alertingRuleColumns(state.impl, state, series, chunk, offsetMs, limit);
  const outputs = recordingRuleColumns(state.impl, state, series, chunk, offsetMs, limit);
  return outputs === undefined ? undefined : { outputs, transitions: [] };
}

/** A range answer turned into the instant vectors it holds, by timestamp. */
function byInstant(series: readonly RangeSeries[]): Map<number, VectorSample[]> {
  const m = new Map<number, VectorSample[]>();
  for (const s of series) {
    const { labels, timestamps, values } = s;
    for (let i = 0; i < timestamps.length; i++) {
      let v = m.get(timestamps[i]!);
      if (v === undefined) m.set(timestamps[i]!, (v = []));
      v.push({ labels, value: values[i]! });
    }
    for (const p of s.histograms ?? []) {
      let v = m.get(p.t);
      if (v === undefined) m.set(p.t, (v = []));
      v.push({ labels, value: 0, histogram: p.h });
    }
  }
  return m;
}
