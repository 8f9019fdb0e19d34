/**
 * `tidemark replay --rules`: loads rule files, replays them over [from, to] against a running
 * Tidemark's query API and writes the output back (series runs, or remote_write), or to the
 * samples topic (with the alert state changes to the alerts topic, marked replayed), or, with dry
 * run, tallies what would be written. Progress goes to the reporter and the metrics.
 */
import type { AlertState, AlertTransition, LoadedGroup, NotifyFunc } from '../../pipeline/alert/rules/index.js';
import { RuleFileError } from '../../pipeline/alert/rules/errors.js';
import { exprParser } from '../../pipeline/alert/rules/expr-parser.js';
import { loadRuleFile } from '../../pipeline/alert/rules/rule-file.js';
import {
  replayEvaluationCount, replayRules, type ReplayProgress, type ReplaySink, type RuleOutputSummary, type RuleReplaySummary,
} from '../../pipeline/alert/replay/index.js';
import type { Labels } from '../../schemas/index.js';
import { appendUnit, type SampleSink } from '../../schemas/sample-sink.js';
import { PrometheusHttp, PrometheusHttpError } from './prometheus-http.js';
import { outputsReadLater, readsEarlierOutputs } from './output-readers.js';
import { ReplayWrites } from './replay-writes.js';
import type { ReplayMetrics } from './replay-metrics.js';
import type { ReplayProgressReporter } from './replay-progress.js';
import { HttpAlertHistory } from './http-alert-history.js';
import { replayRunId, type ReplayedAlertHistory } from './replayed-alert-history.js';
import { REPLAYED_ALERT_HISTORY_PATH } from './replayed-alert-events-body.js';
import { FiringAtEnd } from './replayed-notifications.js';
import type { WriteSample } from './write-request.js';

export interface RuleReplayRunOptions {
  readonly url: string;
  readonly ruleFiles: readonly string[];
  readonly fromMs: number;
  readonly toMs: number;
  readonly dryRun: boolean;
  readonly evaluationIntervalMs: number;
  readonly maxPointsPerQuery: number;
  readonly progressIntervalMs: number;
  /** How long to wait for a rule's output to become readable (before the next rule runs, and at the end). */
  readonly settleTimeoutMs: number;
  /** Sent with every request to `url`: credentials and tenant. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Where the output goes instead of `url`'s remote_write endpoint: the samples topic. */
  readonly samples?: SampleSink;
  /**
   * Where the alert state changes go, marked replayed (the alerts topic). When absent and the
   * output goes to `url`, they go to `url`'s alert history endpoint (a running Tidemark's topic).
   */
  readonly alertHistory?: ReplayedAlertHistory;
  /** Sends the alerts still firing at the end of the range to the notifiers (--notify); never when absent. */
  readonly notify?: NotifyFunc;
  readonly reporter?: ReplayProgressReporter;
  readonly metrics?: ReplayMetrics;
}

/**
 * Range queries of rules that read no replayed output asked ahead of the one being evaluated:
 * the server computes them (on its evaluation workers) while the command evaluates and writes.
 */
const QUERY_AHEAD = 3;

export class ReplaySettleError extends Error {
  constructor(readonly rule: string, readonly expected: number, readonly seen: number, timeoutMs: number) {
    super(
      `the output of rule ${rule} is not readable after ${timeoutMs / 1000} s (${seen} of ${expected} samples): the stores have not applied it yet ` +
        '(the lag of /api/v1/status/bus), or refused some of it (tidemark_store_samples_rejected_total says why)',
    );
    this.name = 'ReplaySettleError';
  }
}

/** No notifier took the alerts --notify sent. */
export class ReplayNotifyError extends Error {
  constructor(cause: unknown) {
    super(`--notify: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ReplayNotifyError';
  }
}

/** One alert state change as a dry run prints it. */
export interface DryRunAlertEvent {
  readonly group: string;
  readonly labels: Labels;
  readonly from: AlertState;
  readonly to: AlertState;
  readonly at: number;
}

/** What a dry run would write, per metric name, and the alert state changes it computed. */
export interface DryRunTally {
  readonly byName: Map<string, { series: Set<string>; samples: number; first: WriteSample[] }>;
  /** The first DRY_RUN_EVENTS_LISTED changes, in the order computed (rule by rule). */
  readonly alertEvents: DryRunAlertEvent[];
}

/** Alert state changes a dry run lists (all are counted). */
export const DRY_RUN_EVENTS_LISTED = 100;

export interface RuleReplayRunResult extends RuleReplaySummary {
  readonly seconds: number;
  readonly dryRun?: DryRunTally;
  /** The alert state changes sent to `url`'s alert history endpoint, when they went there. */
  readonly alertHistoryOverHttp?: { readonly sent: number; readonly unsupported: boolean };
}

export async function loadRuleGroups(files: readonly string[]): Promise<LoadedGroup[]> {
  const groups: LoadedGroup[] = [];
  for (const f of files) {
    const res = await loadRuleFile(f, exprParser);
    if (res.errors.length > 0) {
      const first = res.errors[0]!;
      throw new RuleFileError(res.errors.map((e) => e.detail).join('; '), first.context, first);
    }
    groups.push(...res.groups);
  }
  return groups;
}

function selectorFor(w: RuleOutputSummary): string {
  return w.rule.kind === 'recording'
    ? `{__name__=${JSON.stringify(w.rule.name)}}`
    : `{__name__=~"ALERTS|ALERTS_FOR_STATE",alertname=${JSON.stringify(w.rule.name)}}`;
}

/**
 * Waits until the store answers at least as many samples of the rule's output as were written.
 * A Tidemark holds the count back until its stores applied the writes (the write token), so one
 * query usually does; other servers are asked again every 200 ms.
 */
async function settle(http: PrometheusHttp, w: RuleOutputSummary, timeoutMs: number): Promise<void> {
  const q = `sum(count_over_time(${selectorFor(w)}[${w.lastMs - w.firstMs + 1}ms]))`;
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  for (;;) {
    let r;
    try {
      r = await http.instantQuery(q, w.lastMs, true);
    } catch (err) {
      // The server's own wait for its stores timed out: keep asking until ours does.
      if (err instanceof PrometheusHttpError && err.context.status === 503 && /read consistency/.test(err.message) && Date.now() <= deadline) continue;
      throw err;
    }
    seen = r.length === 0 ? 0 : r[0]!.value;
    if (seen >= w.samples) return;
    if (Date.now() > deadline) throw new ReplaySettleError(w.rule.name, w.samples, seen, timeoutMs);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function seriesKey(l: Labels): string {
  return JSON.stringify(Object.entries(l).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * seriesKey per label object: a rule hands the same output object on at every instant of a
 * series, and keying each sample anew was a sixth of a dry run's CPU.
 */
function seriesKeys(): (l: Labels) => string {
  const keys = new WeakMap<Labels, string>();
  return (l) => {
    let k = keys.get(l);
    if (k === undefined) keys.set(l, (k = seriesKey(l)));
    return k;
  };
}

export async function runRuleReplay(o: RuleReplayRunOptions, log: (line: string) => void): Promise<RuleReplayRunResult> {
  const groups = await loadRuleGroups(o.ruleFiles);
  const http = new PrometheusHttp(o.url, { headers: o.headers });
  const tally: DryRunTally = { byName: new Map(), alertEvents: [] };
  const intervalOf = (g: LoadedGroup) => g.intervalMs ?? o.evaluationIntervalMs;
  const firing = new FiringAtEnd();
  // Output through `url` (no bus of its own): the alert state changes go to the same server.
  let unsupported = false;
  const overHttp = o.dryRun || o.samples !== undefined || o.alertHistory !== undefined ? undefined : new HttpAlertHistory(http, replayRunId(), () => {
    unsupported = true;
    log(`tidemark replay: ${o.url} has no ${REPLAYED_ALERT_HISTORY_PATH} (HTTP 404: not a Tidemark, or an older one): the alert state changes are not kept`);
  });
  const alertHistory = o.alertHistory ?? overHttp;
  const events = async (g: LoadedGroup, transitions: readonly AlertTransition[]): Promise<void> => {
    await alertHistory?.write(g, transitions);
    if (o.notify !== undefined) firing.add(transitions, intervalOf(g));
  };
  const keyOf = seriesKeys();
  const sink: ReplaySink = o.dryRun
    ? {
        alertEvents: async (g, transitions) => {
          for (const t of transitions) {
            if (tally.alertEvents.length >= DRY_RUN_EVENTS_LISTED) break;
            tally.alertEvents.push({ group: g.name, labels: t.alert.labels, from: t.from, to: t.alert.state, at: t.at });
          }
        },
        write: async (samples) => {
          for (const s of samples) {
            if (s.stale) continue;
            const name = s.labels['__name__'] ?? '';
            let e = tally.byName.get(name);
            if (e === undefined) tally.byName.set(name, (e = { series: new Set(), samples: 0, first: [] }));
            e.series.add(keyOf(s.labels));
            e.samples++;
            if (e.first.length < 3) e.first.push(s);
          }
        },
      }
    : {
        write: o.samples === undefined ? (samples) => http.write(samples) : (samples) => writeToSink(o.samples!, samples),
        alertEvents: alertHistory === undefined && o.notify === undefined ? undefined : events,
      };
  const started = Date.now();
  const total = replayEvaluationCount(groups, { ...o });
  let progress: ReplayProgress = { done: 0, total, samplesRead: 0, samplesWritten: 0, alertEvents: 0 };
  o.metrics?.start(total);
  const timer = setInterval(() => o.reporter?.update(progress), o.progressIntervalMs);
  timer.unref();
  try {
    // Output is written in the background and confirmed readable before a rule that may read it, the rest at the end.
    const writes = o.dryRun ? undefined : new ReplayWrites(sink, outputsReadLater(groups), (w) => settle(http, w, o.settleTimeoutMs));
    const readsEarlier = readsEarlierOutputs(groups);
    const summary = await replayRules(groups, (expr, s, e, step) => http.queryRange(expr, s, e, step), writes?.sink ?? sink, {
      fromMs: o.fromMs,
      toMs: o.toMs,
      maxPointsPerQuery: o.maxPointsPerQuery,
      evaluationIntervalMs: o.evaluationIntervalMs,
      queryOffsetMs: 0,
      externalLabels: {},
      externalURL: o.url,
      templateQuery: (q, t) => http.instantQuery(q, t),
      expandAnnotations: alertHistory !== undefined || o.notify !== undefined,
      settle: writes?.settle,
      queryAhead: QUERY_AHEAD,
      canQueryAhead: (rule) => readsEarlier.get(rule) === false,
      onProgress: (p) => {
        progress = p;
        o.metrics?.progress(p);
      },
      onRuleError: (g, r, at, msg) => log(`replay: group ${g} rule ${r} at ${new Date(at).toISOString()}: ${msg}`),
    });
    const finishing = performance.now();
    await writes?.finish();
    await alertHistory?.finish();
    const writeMs = summary.writeMs + performance.now() - finishing;
    clearInterval(timer);
    o.reporter?.finish(progress);
    if (o.notify !== undefined) {
      const alerts = firing.alerts(Date.now(), o.url);
      if (alerts.length > 0) await o.notify(alerts).catch((err: unknown) => Promise.reject(new ReplayNotifyError(err)));
    }
    return {
      ...summary, writeMs, seconds: (Date.now() - started) / 1000, dryRun: o.dryRun ? tally : undefined,
      alertHistoryOverHttp: overHttp === undefined ? undefined : { sent: overHttp.sent, unsupported },
    };
  } finally {
    clearInterval(timer);
  }
}

/** The rules' output as one unit of work on the samples topic, acknowledged before the next chunk. */
async function writeToSink(sink: SampleSink, samples: Parameters<ReplaySink['write']>[0]): Promise<void> {
  await appendUnit(sink, (app) => {
    for (const s of samples) {
      if (s.histogram !== undefined && !s.stale) app.appendHistogram!(s.labels, s.t, s.histogram);
      else app.append(s.labels, s.t, s.value, s.stale ? { stale: true } : undefined);
    }
  });
}
