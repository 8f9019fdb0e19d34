import { describe, expect, it, vi } from 'vitest';
import { canonicalLabels, type Labels } from '../../schemas/index.js';
import { readCheckpoint, restoreRuleState, serializeCheckpoint, writeCheckpoint } from './checkpoint.js';
import { compileRule, type CompiledRule } from './compiled-rule.js';
import { aggregationRuleSchema } from './config.js';
import { PartitionState, SERIES_NUMBERS, seriesForgotten, type SampleCounts } from './partition-state.js';
import { RuleState } from './rule-state.js';
import { ALIVE, FIELDS, H_SAMPLES, INC, RATE_N, RATE_SUM, SAMPLES, SERIES } from './window-columns.js';
import { windowOutputs, type OutputSample } from './window-accumulator.js';
import { OutputSeriesLabels } from './output-series.js';
import { join } from 'node:path';
import { temporaryDirectory } from '../../test/harness/temporary-directory.js';

/** A small seeded generator (mulberry32): a failing case can be run again. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERIES_LABELS: Labels[] = [];
for (const job of ['node', 'api']) for (const instance of ['a', 'b', 'c']) SERIES_LABELS.push({ __name__: 'up', job, instance });

/** One record of one partition: per series its samples, staleness markers among them. */
interface InputRecord {
  readonly p: number;
  readonly series: { readonly labels: Labels; readonly ts: number[]; readonly vs: number[]; readonly stale: number[] }[];
}

/** Records with late, out-of-order, repeated and stale samples, and gaps long enough for series to be forgotten. */
function records(rnd: () => number, n: number): InputRecord[] {
  const out: InputRecord[] = [];
  let now = 1_000;
  for (let r = 0; r < n; r++) {
    now += rnd() < 0.05 ? 200_000 + Math.floor(rnd() * 300_000) : Math.floor(rnd() * 20_000);
    const series: InputRecord['series'][number][] = [];
    for (const labels of SERIES_LABELS) {
      if (rnd() < 0.4) continue;
      const ts: number[] = [];
      const vs: number[] = [];
      const stale: number[] = [];
      const k = 1 + Math.floor(rnd() * 3);
      for (let j = 0; j < k; j++) {
        const x = rnd();
        // Mostly in order, some repeated, some from well before (late or out of order).
        const t = x < 0.1 ? now - Math.floor(rnd() * 150_000) : x < 0.2 && ts.length > 0 ? ts[ts.length - 1]! : now + j * 1_000;
        if (rnd() < 0.05) stale.push(ts.length);
        ts.push(Math.max(1, t));
        vs.push(Math.floor(rnd() * 100) - 20);
      }
      series.push({ labels, ts, vs, stale });
    }
    out.push({ p: Math.floor(rnd() * 2), series });
  }
  return out;
}

/** Applies a record as the aggregator does: a call per series with staleness markers, else one for all. */
function apply(st: RuleState, rec: InputRecord, counts: SampleCounts, late: string[]): void {
  const ps = st.partition(rec.p);
  const onLate = (t: number, v: number) => late.push(`${rec.p}@${t}=${v}`);
  const rows: number[] = [];
  const offsets = [0];
  const ts: number[] = [];
  const vs: number[] = [];
  for (const s of rec.series) {
    const e = ps.entry(canonicalLabels(s.labels), s.labels);
    if (s.stale.length > 0) {
      ps.applySeries(e, s.ts, s.vs, s.stale, st, counts, onLate);
      continue;
    }
    rows.push(e.row);
    ts.push(...s.ts);
    vs.push(...s.vs);
    offsets.push(ts.length);
  }
  const positions = Int32Array.from(rows, (_, i) => i);
  ps.applyRows(Int32Array.from(rows), positions, rows.length, offsets, ts, vs, [], st, counts, onLate);
}

/** Closes every window up to `through`: its outputs as text, in the order they came. */
function close(st: RuleState, through: number): string[] {
  const res: string[] = [];
  let w: number | undefined;
  while ((w = st.nextClosable(through)) !== undefined) {
    const out: OutputSample[] = [];
    st.close(w, out);
    for (const o of out) res.push(`${JSON.stringify(o.labels)}@${w}=${o.value}`);
  }
  return res;
}

/** What a count reads of a rule's state: each series' newest timestamp and window, each open window's counts. */
function countState(st: RuleState): unknown {
  const parts: unknown[] = [];
  for (const [p, ps] of [...st.partitions].sort((x, y) => x[0] - y[0])) {
    const numbers = new Float64Array(SERIES_NUMBERS);
    const series = [...ps.series.values()].map((e) => {
      ps.copyNumbers(e, numbers, 0);
      // SEEN_TS, WIN and the pending sample (columns 0, 4, 9 to 11).
      return [e.key, numbers[0], numbers[4], numbers[9], numbers[10], numbers[11]];
    });
    const windows = ps.openWindowColumns().map(({ columns, labels }) => [
      columns.end,
      Array.from(columns.order, (slot) => [JSON.stringify(labels[slot]), columns.nums[slot * FIELDS + SAMPLES], columns.nums[slot * FIELDS + H_SAMPLES], columns.nums[slot * FIELDS + SERIES]]),
    ]);
    parts.push([p, series, windows]);
  }
  return [st.closedThrough, parts];
}

/** The state of `st` through a checkpoint file, restored for `rule`. */
function throughCheckpoint(st: RuleState, rule: CompiledRule, dir: string): RuleState {
  const file = join(dir, 'checkpoint.json');
  writeCheckpoint(file, serializeCheckpoint([st], new Map([[0, 1]]), 1));
  const saved = readCheckpoint(file)!;
  return restoreRuleState(rule, saved.rules.get(rule.id), saved.series);
}

function countRule(outputs: string[], extra: object): CompiledRule {
  return compileRule(aggregationRuleSchema.parse({ match: 'up', interval: '1m', outputs, ...extra }), 0);
}

/** The path flag of a CompiledRule that sends its float samples through a loop of its own. */
type PathFlag = 'countsOnly' | 'countersOnly';

/**
 * On random records, a rule taking its own path (`flag` set) and the same rule through the general
 * loop (`flag` cleared) give the same outputs, counts, late samples and state (as `stateOf` reads
 * it), also when each goes on from the other's checkpoint.
 */
function expectSameAsGeneralPath(prefix: string, configs: [string[], object][], flag: PathFlag, stateOf: (st: RuleState) => unknown): void {
  const dir = temporaryDirectory(prefix);
  const total: SampleCounts = { applied: 0, late: 0, outOfOrder: 0 };
  const forgottenBefore = seriesForgotten();
  for (let seed = 1; seed <= 24; seed++) {
    const rnd = random(seed);
    const [outputs, extra] = configs[seed % configs.length]!;
    const slimRule = countRule(outputs, extra);
    expect(slimRule[flag]).toBe(true);
    // The same rule with its own path turned off: every sample through the general loop.
    const generalRule: CompiledRule = { ...slimRule, [flag]: false };
    let slim = new RuleState(slimRule);
    let general = new RuleState(generalRule);
    const slimCounts: SampleCounts = { applied: 0, late: 0, outOfOrder: 0 };
    const generalCounts: SampleCounts = { applied: 0, late: 0, outOfOrder: 0 };
    const slimLate: string[] = [];
    const generalLate: string[] = [];
    const slimOut: string[] = [];
    const generalOut: string[] = [];
    const input = records(rnd, 120);
    for (let r = 0; r < input.length; r++) {
      const rec = input[r]!;
      apply(slim, rec, slimCounts, slimLate);
      apply(general, rec, generalCounts, generalLate);
      if (rnd() < 0.3) {
        const newest = Math.max(...rec.series.flatMap((s) => s.ts), 0);
        const through = newest - Math.floor(rnd() * 90_000);
        slimOut.push(...close(slim, through));
        generalOut.push(...close(general, through));
      }
      if (rnd() < 0.1) {
        expect(stateOf(throughCheckpoint(slim, generalRule, dir)), `seed ${seed}, record ${r}`).toEqual(stateOf(throughCheckpoint(general, generalRule, dir)));
        // Each goes on from the other's checkpoint: a restart may change which path a rule takes.
        const fromGeneral = throughCheckpoint(general, slimRule, dir);
        general = throughCheckpoint(slim, generalRule, dir);
        slim = fromGeneral;
      }
      expect(stateOf(slim), `seed ${seed}, record ${r}`).toEqual(stateOf(general));
    }
    slimOut.push(...close(slim, Number.MAX_SAFE_INTEGER));
    generalOut.push(...close(general, Number.MAX_SAFE_INTEGER));
    expect(slimOut, `seed ${seed}`).toEqual(generalOut);
    expect(slimOut.length).toBeGreaterThan(0);
    expect(slimCounts).toEqual(generalCounts);
    expect(slimLate).toEqual(generalLate);
    total.applied += slimCounts.applied;
    total.late += slimCounts.late;
    total.outOfOrder += slimCounts.outOfOrder;
  }
  // The records reached every case: late and out-of-order samples, series forgotten when stale.
  expect(total.late).toBeGreaterThan(0);
  expect(total.outOfOrder).toBeGreaterThan(0);
  expect(seriesForgotten()).toBeGreaterThan(forgottenBefore);
}

/**
 * What a counter reads of a rule's state: each series' numbers (all that a checkpoint keeps), each
 * open window's counts, increases, rates and liveness (not its sums, extremes, last values or moments).
 */
function counterState(st: RuleState): unknown {
  const parts: unknown[] = [];
  for (const [p, ps] of [...st.partitions].sort((x, y) => x[0] - y[0])) {
    const numbers = new Float64Array(SERIES_NUMBERS);
    const series = [...ps.series.values()].map((e) => {
      ps.copyNumbers(e, numbers, 0);
      return [e.key, ...numbers];
    });
    const windows = ps.openWindowColumns().map(({ columns, labels }) => [
      columns.end,
      Array.from(columns.order, (slot) => [JSON.stringify(labels[slot]), ...[SAMPLES, H_SAMPLES, INC, RATE_SUM, RATE_N, SERIES, ALIVE].map((f) => columns.nums[slot * FIELDS + f])]),
    ]);
    parts.push([p, series, windows]);
  }
  return [st.closedThrough, parts];
}

describe('partition state of a rule whose outputs only count', () => {
  it('takes the counting path only for count_samples and count_series', () => {
    expect(countRule(['count_samples', 'count_series'], {}).countsOnly).toBe(true);
    expect(countRule(['count_series'], {}).countsOnly).toBe(true);
    expect(countRule(['count_samples', 'sum_samples'], {}).countsOnly).toBe(false);
    expect(countRule(['count_samples', 'increase'], {}).countsOnly).toBe(false);
  });

  it('gives the outputs, sample counts, late samples and checkpointed counts of the general path on random records, also across checkpoints restored by either path', () => {
    expectSameAsGeneralPath('agg-counts-', [
      [['count_samples', 'count_series'], { by: ['job'] }],
      [['count_series'], { without: ['instance'], staleness_interval: '3m' }],
      [['count_samples'], { by: ['instance'], staleness_interval: '90s' }],
      // Deduplicated: both take the general loop (the counting one is for rules without).
      [['count_series', 'count_samples'], { by: ['job'], dedup_interval: '15s' }],
    ], 'countsOnly', countState);
  });

  it('counts a series once per window and each of its in-order samples, whatever their values', () => {
    const st = new RuleState(countRule(['count_samples', 'count_series'], { by: ['job'] }));
    const rec: InputRecord = {
      p: 0,
      series: [
        { labels: SERIES_LABELS[0]!, ts: [1_000, 2_000, 2_000, 70_000], vs: [5, Number.NaN, 1, -3], stale: [] },
        { labels: SERIES_LABELS[1]!, ts: [3_000, 1_500], vs: [1e300, 0], stale: [] },
      ],
    };
    const counts: SampleCounts = { applied: 0, late: 0, outOfOrder: 0 };
    apply(st, rec, counts, []);
    expect(counts).toEqual({ applied: 4, late: 0, outOfOrder: 2 });
    const names = new OutputSeriesLabels({ __name__: 'up', job: 'node' }, ':1m_by_job');
    const merged = st.closePartitions(60_000);
    const out: OutputSample[] = [];
    for (const spec of st.rule.outputs) windowOutputs(merged.values().next().value!, spec, names, out);
    expect(out.map((o) => [o.labels.__name__, o.value])).toEqual([['up:1m_by_job_count_samples', 3], ['up:1m_by_job_count_series', 2]]);
  });
});

describe('partition state of a rule whose outputs read only counters and counts', () => {
  it('takes the counter path for counter outputs, alone or with counts, and for nothing else', () => {
    expect(countRule(['total', 'rate_sum'], {}).countersOnly).toBe(true);
    expect(countRule(['increase', 'rate_avg', 'count_series'], {}).countersOnly).toBe(true);
    expect(countRule(['increase_prometheus', 'total_prometheus'], {}).countersOnly).toBe(true);
    expect(countRule(['total', 'last'], {}).countersOnly).toBe(false);
    expect(countRule(['rate_sum', 'stddev'], {}).countersOnly).toBe(false);
    expect(countRule(['increase', 'histogram_bucket'], {}).countersOnly).toBe(false);
  });

  it('gives the outputs, sample counts, late samples and checkpointed counter state of the general path on random records, also across checkpoints restored by either path', () => {
    expectSameAsGeneralPath('agg-counters-', [
      [['total', 'rate_sum'], { by: ['job'] }],
      [['increase', 'rate_avg'], { without: ['instance'], staleness_interval: '3m' }],
      [['total_prometheus', 'increase_prometheus', 'count_series'], { by: ['instance'], staleness_interval: '90s' }],
      // Deduplicated: both take the general loop (the counter one is for rules without).
      [['total', 'count_samples'], { by: ['job'], dedup_interval: '15s' }],
    ], 'countersOnly', counterState);
  });
});

describe('closing a window', () => {
  /** In-order scrapes every 15 s of counters with resets; series miss some scrapes, one stops for good. */
  function scrapes(rnd: () => number, n: number): InputRecord[] {
    const values = SERIES_LABELS.map(() => 0);
    const out: InputRecord[] = [];
    for (let r = 1; r <= n; r++) {
      const series: InputRecord['series'][number][] = [];
      SERIES_LABELS.forEach((labels, i) => {
        if (rnd() < 0.2 || (i === 0 && r > n / 2)) return;
        values[i] = rnd() < 0.05 ? Math.floor(rnd() * 5) : values[i]! + Math.floor(rnd() * 50);
        series.push({ labels, ts: [r * 15_000], vs: [values[i]!], stale: [] });
      });
      out.push({ p: 0, series });
    }
    return out;
  }

  it('gives the same outputs once every series has entered the next window as when closed at its last sample', () => {
    const movedOn = vi.spyOn(PartitionState.prototype as unknown as { movedOn(w: number): boolean }, 'movedOn');
    try {
      for (const outputs of [['total', 'increase', 'rate_sum', 'rate_avg', 'count_series'], ['sum_samples', 'last', 'rate_avg', 'total'], ['total', 'increase', 'count_series', 'max']]) {
        for (let seed = 1; seed <= 8; seed++) {
          const rule = countRule(outputs, { by: ['job'], staleness_interval: '2m' });
          const input = scrapes(random(seed), 80);
          // Early: each window closes as its last scrape is applied, every series still in it.
          const early = new RuleState(rule);
          // Late: a window closes an interval later, once (mostly) every series has moved on.
          const late = new RuleState(rule);
          const earlyOut: string[] = [];
          const lateOut: string[] = [];
          const counts: SampleCounts = { applied: 0, late: 0, outOfOrder: 0 };
          movedOn.mockClear();
          for (const rec of input) {
            const t = rec.series[0]?.ts[0] ?? 0;
            apply(early, rec, counts, []);
            earlyOut.push(...close(early, t));
            apply(late, rec, counts, []);
            lateOut.push(...close(late, t - 60_000));
          }
          earlyOut.push(...close(early, Number.MAX_SAFE_INTEGER));
          lateOut.push(...close(late, Number.MAX_SAFE_INTEGER));
          // Rates are summed in another order (as series move on, or at the close): equal to 12 digits.
          const digits = (out: string[]) => out.map((o) => o.replace(/=(.*)$/, (_, v: string) => `=${Number(Number(v).toPrecision(12))}`));
          expect(digits(lateOut), `${outputs.join()} seed ${seed}`).toEqual(digits(earlyOut));
          expect(earlyOut.length).toBeGreaterThan(20);
          expect(counts.late + counts.outOfOrder).toBe(0);
          // The late closes skipped the walk over the series; the early ones only without rates to fold.
          const skipped = (st: RuleState) => movedOn.mock.results.filter((r, i) => r.value === true && movedOn.mock.contexts[i] === st.partition(0)).length;
          expect(skipped(late), `${outputs.join()} seed ${seed}`).toBeGreaterThan(5);
          if (rule.rates) expect(skipped(early), `${outputs.join()} seed ${seed}`).toBe(0);
          else expect(skipped(early), `${outputs.join()} seed ${seed}`).toBeGreaterThan(5);
        }
      }
    } finally {
      movedOn.mockRestore();
    }
  });
});
