import { describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { AlertingRule, exprParser, parseRuleFile, RuleGroup, type GroupOutput, type LoadedGroup } from '../rules/index.js';
import { RecordingRule } from '../rules/recording-rule.js';
import type { RangeSeries } from './range-series.js';
import { randomRangeSeries, vectorAt } from './random-range-series.js';
import { recordingRuleColumns } from './recording-columns.js';

const STEP = 10_000;
const T0 = 1_700_000_000_000;

function group(limit = 0): LoadedGroup {
  const r = parseRuleFile(`
groups:
- name: g
  interval: 10s
  limit: ${limit}
  rules:
  - record: job:x:copy
    expr: x
    labels: {team: infra, drop: ''}
`, 'rules.yml', exprParser);
  expect(r.errors).toEqual([]);
  return r.groups[0]!;
}

function ruleGroup(g: LoadedGroup, offsetMs: number): RuleGroup {
  return new RuleGroup(g, STEP, offsetMs, (r) => new AlertingRule(r, { externalLabels: {}, externalURL: 'http://tidemark' }));
}

const columns = (labels: readonly Record<string, string>[], instants: readonly number[], seed: number) => randomRangeSeries(labels, instants, { seed, stepMs: STEP, flip: 0.3 });

/** What the instant-by-instant evaluator writes for a chunk, each instant's vector read from the columns in answer order. */
async function streamed(g: RuleGroup, series: readonly RangeSeries[], instants: readonly number[]): Promise<GroupOutput[]> {
  const out: GroupOutput[] = [];
  for (const ts of instants) {
    const res = await g.eval(ts, {
      query: async (_expr, t) => vectorAt(series, t),
      write: () => {},
    });
    out.push(...res.outputs);
  }
  return out;
}

const instantsOf = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i * STEP);

describe('recordingRuleColumns', () => {
  it('writes what the instant-by-instant evaluator writes, in the same order, with the staleness state carried across chunks', async () => {
    const labels = Array.from({ length: 6 }, (_, i) => ({ __name__: 'x', job: `j${i % 2}`, instance: `i${i}` }));
    for (const offsetMs of [0, 30_000]) {
      for (const seed of [1, 2, 3]) {
        const g = group();
        const live = ruleGroup(g, offsetMs);
        const replay = ruleGroup(g, offsetMs);
        const state = replay.rules[0]!;
        const rule = state.impl as RecordingRule;
        // Three chunks; the second answer lists the series the other way round and lacks one, the third lacks all but two.
        const chunks = [instantsOf(T0, 20), instantsOf(T0 + 20 * STEP, 20), instantsOf(T0 + 40 * STEP, 5)];
        const answers = [
          columns(labels, chunks[0]!.map((t) => t - offsetMs), seed),
          columns([...labels].reverse().slice(1), chunks[1]!.map((t) => t - offsetMs), seed + 10),
          columns(labels.slice(2, 4), chunks[2]!.map((t) => t - offsetMs), seed + 20),
        ];
        let staleMarkers = 0;
        for (let c = 0; c < chunks.length; c++) {
          const expected = await streamed(live, answers[c]!, chunks[c]!);
          const got = recordingRuleColumns(rule, state, answers[c]!, chunks[c]!, offsetMs, g.limit);
          expect(got).toEqual(expected);
          expect([...state.previous]).toEqual([...live.rules[0]!.previous]);
          staleMarkers += expected.filter((s) => s.stale).length;
        }
        expect(staleMarkers).toBeGreaterThan(0);
        expect(state.status).toMatchObject({ health: 'ok', lastEvaluation: chunks[2]!.at(-1) });
      }
    }
  });

  it('leaves to the instant-by-instant evaluator a chunk with two series renamed alike, native histograms, or more series than the limit', () => {
    const instants = instantsOf(T0, 3);
    const cases: [LoadedGroup, RangeSeries[]][] = [
      [group(), [
        { labels: { __name__: 'x', job: 'a' }, timestamps: [T0], values: [1] },
        { labels: { __name__: 'y', job: 'a' }, timestamps: [T0 + STEP], values: [2] },
      ]],
      [group(), [{ labels: { __name__: 'x', job: 'a' }, timestamps: [], values: [], histograms: [{ t: T0, h: new FloatHistogram({ count: 1, sum: 1 }) }] }]],
      [group(1), [{ labels: { __name__: 'x', job: 'a' }, timestamps: [T0], values: [1] }, { labels: { __name__: 'x', job: 'b' }, timestamps: [T0], values: [1] }]],
    ];
    for (const [g, series] of cases) {
      const state = ruleGroup(g, 0).rules[0]!;
      const before = new Map([['k', { __name__: 'job:x:copy' }]]);
      state.previous = before;
      expect(recordingRuleColumns(state.impl as RecordingRule, state, series, instants, 0, g.limit)).toBeUndefined();
      expect(state.previous).toBe(before);
      expect(state.status.health).toBe('unknown');
    }
  });
});
