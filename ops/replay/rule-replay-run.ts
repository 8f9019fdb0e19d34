/**
 * `tidemark replay --rules`: loads rule files, replays them over [from, to] against a running
 * Tidemark's query API and writes the output back through its remote_write endpoint (or, with
 * dry run, tallies what would be written). Progress goes to `progress` every interval.
 */
import { exprParser, loadRuleFile, RuleFileError, type LoadedGroup } from '../../pipeline/alert/rules/index.js';
import { replayEvaluationCount, replayRules, type ReplaySink, type RuleOutputSummary, type RuleReplaySummary } from '../../pipeline/alert/replay/index.js';
import type { Labels } from '../../schemas/index.js';
import { PrometheusHttp } from './prometheus-http.js';
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
  readonly bearerToken?: string;
}

export class ReplaySettleError extends Error {
  constructor(readonly rule: string, readonly expected: number, readonly seen: number, timeoutMs: number) {
    super(
      `the output of rule ${rule} is not readable after ${timeoutMs / 1000} s (${seen} of ${expected} samples): a store refuses samples older than ` +
        'its last persisted block or its out-of-order window (store.out_of_order_window_ms, store.block_range_ms; tidemark_store_samples_refused_total says why)',
    );
    this.name = 'ReplaySettleError';
  }
}

/** What a dry run would write, per metric name. */
export interface DryRunTally {
  readonly byName: Map<string, { series: Set<string>; samples: number; first: WriteSample[] }>;
}

export interface RuleReplayRunResult extends RuleReplaySummary {
  readonly seconds: number;
  readonly dryRun?: DryRunTally;
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

/** Waits until the store answers at least as many samples of the rule's output as were written. */
async function settle(http: PrometheusHttp, w: RuleOutputSummary, timeoutMs: number): Promise<void> {
  const q = `sum(count_over_time(${selectorFor(w)}[${w.lastMs - w.firstMs + 1}ms]))`;
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  for (;;) {
    const r = await http.instantQuery(q, w.lastMs);
    seen = r.length === 0 ? 0 : r[0]!.value;
    if (seen >= w.samples) return;
    if (Date.now() > deadline) throw new ReplaySettleError(w.rule.name, w.samples, seen, timeoutMs);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function seriesKey(l: Labels): string {
  return JSON.stringify(Object.entries(l).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export async function runRuleReplay(o: RuleReplayRunOptions, progress: (line: string) => void): Promise<RuleReplayRunResult> {
  const groups = await loadRuleGroups(o.ruleFiles);
  const http = new PrometheusHttp(o.url, { bearerToken: o.bearerToken });
  const tally: DryRunTally = { byName: new Map() };
  const sink: ReplaySink = o.dryRun
    ? {
        write: async (samples) => {
          for (const s of samples) {
            if (s.stale) continue;
            const name = s.labels['__name__'] ?? '';
            let e = tally.byName.get(name);
            if (e === undefined) tally.byName.set(name, (e = { series: new Set(), samples: 0, first: [] }));
            e.series.add(seriesKey(s.labels));
            e.samples++;
            if (e.first.length < 3) e.first.push(s);
          }
        },
      }
    : { write: (samples) => http.remoteWrite(samples) };
  const started = Date.now();
  const total = replayEvaluationCount(groups, { ...o });
  let done = 0;
  let lastDone = 0;
  let lastAt = started;
  const report = (): void => {
    const now = Date.now();
    const rate = ((done - lastDone) * 1000) / Math.max(now - lastAt, 1);
    progress(`replay: ${done}/${total} rule evaluations (${total === 0 ? '100.0' : ((done / total) * 100).toFixed(1)}%), ${rate.toFixed(0)} evaluations/s`);
    lastDone = done;
    lastAt = now;
  };
  const timer = setInterval(report, o.progressIntervalMs);
  timer.unref();
  try {
    const summary = await replayRules(groups, (expr, s, e, step) => http.queryRange(expr, s, e, step), sink, {
      fromMs: o.fromMs,
      toMs: o.toMs,
      maxPointsPerQuery: o.maxPointsPerQuery,
      evaluationIntervalMs: o.evaluationIntervalMs,
      queryOffsetMs: 0,
      externalLabels: {},
      externalURL: o.url,
      templateQuery: (q, t) => http.instantQuery(q, t),
      settle: o.dryRun ? undefined : (w) => settle(http, w, o.settleTimeoutMs),
      onProgress: (p) => (done = p.done),
      onRuleError: (g, r, at, msg) => progress(`replay: group ${g} rule ${r} at ${new Date(at).toISOString()}: ${msg}`),
    });
    clearInterval(timer);
    report();
    return { ...summary, seconds: (Date.now() - started) / 1000, dryRun: o.dryRun ? tally : undefined };
  } finally {
    clearInterval(timer);
  }
}
