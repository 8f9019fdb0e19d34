import { describe, expect, it } from 'vitest';
import type { AnnotationExpansion } from '../rules/alerting-rule.js';
import { AlertingRule, exprParser, parseRuleFile, RuleGroup, type AlertTransition, type GroupOutput, type LoadedGroup } from '../rules/index.js';
import { alertingRuleColumns } from './alerting-columns.js';
import type { RangeSeries } from './range-series.js';
import { randomRangeSeries, vectorAt } from './random-range-series.js';

const STEP = 30_000;
const T0 = 1_700_000_000_000;

function group(rule: string, limit = 0): LoadedGroup {
  const r = parseRuleFile(`
groups:
- name: g
  interval: 30s
  limit: ${limit}
  rules:
${rule}
`, 'rules.yml', exprParser);
  expect(r.errors).toEqual([]);
  return r.groups[0]!;
}

const SLOW = `  - alert: Slow
    expr: x > 1
    for: 90s
    keep_firing_for: 60s
    labels: {severity: page, empty: ''}
    annotations: {summary: '{{ $labels.instance }} at {{ $value }}', static: 'look'}`;
const AT_ONCE = `  - alert: AtOnce
    expr: x > 1
    labels: {team: infra}
    annotations: {summary: 'value {{ $value }}'}`;

function ruleGroup(g: LoadedGroup, offsetMs: number, annotations: AnnotationExpansion): RuleGroup {
  return new RuleGroup(g, STEP, offsetMs, (r) => new AlertingRule(r, { externalLabels: {}, externalURL: 'http://tidemark', annotations }));
}

const columns = (labels: readonly Record<string, string>[], instants: readonly number[], seed: number) => randomRangeSeries(labels, instants, { seed, stepMs: STEP, flip: 0.2 });

const snapshot = (ts: readonly AlertTransition[]) => ts.map((t) => ({ at: t.at, from: t.from, alert: { ...t.alert } }));

/** What RuleGroup writes and which state changes it makes for a chunk, each instant's vector read from the columns in answer order. */
async function streamed(g: RuleGroup, series: readonly RangeSeries[], instants: readonly number[]): Promise<{ outputs: GroupOutput[]; transitions: AlertTransition[] }> {
  const outputs: GroupOutput[] = [];
  const transitions: AlertTransition[] = [];
  for (const ts of instants) {
    const res = await g.eval(ts, {
      query: async (_expr, t) => vectorAt(series, t),
      write: () => {},
    });
    outputs.push(...res.outputs);
    transitions.push(...snapshot(res.transitions));
  }
  return { outputs, transitions };
}

const instantsOf = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i * STEP);

describe('alertingRuleColumns', () => {
  it('writes and changes state as RuleGroup does instant by instant, in the same order, across chunks: for, keep_firing_for, resolved alerts kept 15 minutes', async () => {
    const labels = Array.from({ length: 6 }, (_, i) => ({ __name__: 'x', job: `j${i % 2}`, instance: `i${i}` }));
    const kinds = new Set<string>();
    for (const rule of [SLOW, AT_ONCE]) {
      for (const annotations of ['on-state-change', 'never'] as const) {
        for (const [offsetMs, seed] of [[0, 1], [60_000, 2], [0, 3]] as const) {
          const g = group(rule);
          const live = ruleGroup(g, offsetMs, annotations);
          const replay = ruleGroup(g, offsetMs, annotations);
          const state = replay.rules[0]!;
          const impl = state.impl as AlertingRule;
          // The second answer lists the series the other way round and lacks one for 20 minutes (past the 15 minutes resolved alerts are kept).
          const chunks = [instantsOf(T0, 50), instantsOf(T0 + 50 * STEP, 40), instantsOf(T0 + 90 * STEP, 30)];
          const answers = [
            columns(labels, chunks[0]!.map((t) => t - offsetMs), seed),
            columns([...labels].reverse().slice(1), chunks[1]!.map((t) => t - offsetMs), seed + 10),
            columns(labels.slice(1), chunks[2]!.map((t) => t - offsetMs), seed + 20),
          ];
          for (let c = 0; c < chunks.length; c++) {
            const expected = await streamed(live, answers[c]!, chunks[c]!);
            const got = await alertingRuleColumns(impl, state, answers[c]!, chunks[c]!, offsetMs, g.limit);
            expect(got).toBeDefined();
            expect(got!.outputs).toEqual(expected.outputs);
            expect(got!.transitions).toEqual(expected.transitions);
            expect([...state.previous]).toEqual([...live.rules[0]!.previous]);
            expect(impl.alerts()).toEqual((live.rules[0]!.impl as AlertingRule).alerts());
            for (const t of expected.transitions) kinds.add(`${t.from}->${t.alert.state}`);
            if (annotations === 'on-state-change' && rule === SLOW) expect(expected.transitions.every((t) => /^i\d at \d+$/.test(t.alert.annotations['summary']!))).toBe(true);
          }
          expect(state.status).toMatchObject({ health: 'ok', lastEvaluation: chunks[2]!.at(-1) });
        }
      }
    }
    expect(kinds).toEqual(new Set(['inactive->pending', 'pending->firing', 'pending->inactive', 'firing->inactive', 'inactive->firing']));
  });

  it('leaves to the instant-by-instant evaluator templated labels, annotations at every evaluation, two series with one alert label set, and a limit the alerts could exceed', async () => {
    const instants = instantsOf(T0, 3);
    const one: RangeSeries[] = [{ labels: { __name__: 'x', job: 'a' }, timestamps: [T0], values: [5] }];
    const cases: [LoadedGroup, AnnotationExpansion, RangeSeries[]][] = [
      [group(`  - alert: A\n    expr: x > 1\n    labels: {severity: '{{ if gt $value 3.0 }}page{{ end }}'}`), 'on-state-change', one],
      [group(AT_ONCE), 'every-evaluation', one],
      [group(AT_ONCE), 'never', [...one, { labels: { __name__: 'y', job: 'a' }, timestamps: [T0 + STEP], values: [5] }]],
      [group(AT_ONCE, 1), 'never', [...one, { labels: { __name__: 'x', job: 'b' }, timestamps: [T0], values: [5] }]],
    ];
    for (const [g, annotations, series] of cases) {
      const state = ruleGroup(g, 0, annotations).rules[0]!;
      const before = new Map([['k', { __name__: 'ALERTS' }]]);
      state.previous = before;
      expect(await alertingRuleColumns(state.impl as AlertingRule, state, series, instants, 0, g.limit)).toBeUndefined();
      expect(state.previous).toBe(before);
      expect((state.impl as AlertingRule).alerts()).toEqual([]);
      expect(state.status.health).toBe('unknown');
    }
  });
});
