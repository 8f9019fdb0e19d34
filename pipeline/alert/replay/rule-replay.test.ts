import { describe, expect, it } from 'vitest';
import { Engine } from '../../promql/index.js';
import { Head } from '../../tsdb/index.js';
import { AlertingRule, exprParser, parseRuleFile, RuleGroup, type GroupOutput, type LoadedGroup } from '../rules/index.js';
import { replayEvaluationCount, replayInstants, replayRules, type RangeQuery } from './rule-replay.js';

const RULES = `
groups:
- name: g
  interval: 10s
  rules:
  - record: job:load:max
    expr: max by (job) (load)
  - alert: High
    expr: job:load:max > 5
    for: 20s
    keep_firing_for: 15s
    labels: {severity: '{{ if gt $value 8.0 }}page{{ else }}ticket{{ end }}'}
    annotations: {summary: 'load {{ $value }} on {{ $labels.job }}'}
`;

const T0 = 1_700_000_000_000;
const FROM = T0 + 10_000;
const TO = T0 + 600_000;

/** load of jobs a and b every 5 s for 10 minutes, crossing 5 now and then, briefly and for long. */
function loadHead(): Head {
  const head = new Head();
  for (let t = T0; t <= TO; t += 5000) {
    const i = (t - T0) / 5000;
    head.append({ __name__: 'load', job: 'a' }, t, i % 40 < 12 ? 9 : i % 40 < 14 ? 1 : i % 40 < 15 ? 6 : 2);
    head.append({ __name__: 'load', job: 'b' }, t, 4 + 3 * Math.sin(i / 6));
  }
  return head;
}

function groups(): LoadedGroup[] {
  const r = parseRuleFile(RULES, 'rules.yml', exprParser);
  expect(r.errors).toEqual([]);
  return [...r.groups];
}

const engine = new Engine();
const opts = { externalLabels: {}, externalURL: 'http://tidemark', queryOffsetMs: 0, evaluationIntervalMs: 60_000 };

function key(o: GroupOutput): string {
  return `${o.t} ${JSON.stringify(Object.entries(o.labels).sort())} ${o.stale ? 'stale' : o.value}`;
}

describe('replayRules', () => {
  it('evaluates at every multiple of the interval in [from, to]', () => {
    expect(replayInstants(15_000, 55_000, 10_000)).toEqual([20_000, 30_000, 40_000, 50_000]);
    expect(replayInstants(20_000, 50_000, 10_000)).toEqual([20_000, 30_000, 40_000, 50_000]);
    expect(replayEvaluationCount(groups(), { fromMs: FROM, toMs: TO, evaluationIntervalMs: 60_000 })).toBe(2 * 60);
  });

  it('writes what the streaming evaluator writes instant by instant, across range query chunks, `for` and keep_firing_for included', async () => {
    // The streaming way: the whole group at each instant, instant queries, output visible at once.
    const live = loadHead();
    const g = groups()[0]!;
    const group = new RuleGroup(g, g.intervalMs!, 0, (r) => new AlertingRule(r, opts));
    const expected: GroupOutput[] = [];
    for (const ts of replayInstants(FROM, TO, g.intervalMs!)) {
      const res = await group.eval(ts, {
        query: async (expr, t) => {
          const v = (await engine.instantQuery(live, expr, t)).value;
          if (v.resultType !== 'vector') throw new Error(`not a vector: ${expr}`);
          return v.result.map((s) => ({ labels: s.metric, value: s.v }));
        },
        write: (out) => { for (const s of out) live.append(s.labels, s.t, s.value, s.stale); },
      });
      expected.push(...res.outputs);
    }

    // The replay: range queries of 7 instants per rule, output written to the same kind of store.
    const head = loadHead();
    const query: RangeQuery = async (expr, start, end, step) => {
      const v = (await engine.rangeQuery(head, expr, start, end, step)).value;
      if (v.resultType !== 'matrix') throw new Error(`not a matrix: ${expr}`);
      return v.result.map((s) => ({ labels: s.metric, timestamps: s.timestamps, values: s.values }));
    };
    const written: GroupOutput[] = [];
    const settled: string[] = [];
    const progress: number[] = [];
    const summary = await replayRules([g], query, {
      write: async (out) => {
        written.push(...out);
        for (const s of out) head.append(s.labels, s.t, s.value, s.stale);
      },
    }, { ...opts, fromMs: FROM, toMs: TO, maxPointsPerQuery: 7, settle: async (w) => { settled.push(`${w.rule.name} ${w.samples}`); }, onProgress: (p) => progress.push(p.done) });

    expect(written.map(key).sort()).toEqual(expected.map(key).sort());
    const states = new Set(written.map((s) => s.labels['alertstate']).filter((s) => s !== undefined));
    expect(states).toEqual(new Set(['pending', 'firing']));
    expect(new Set(written.map((s) => s.labels['severity']).filter((s) => s !== undefined))).toEqual(new Set(['page', 'ticket']));
    expect(written.some((s) => s.stale)).toBe(true);
    expect(summary.evaluations).toBe(120);
    expect(summary.rangeQueries).toBe(2 * Math.ceil(60 / 7));
    expect(summary.errors).toBe(0);
    expect(summary.samplesWritten).toBe(written.filter((s) => !s.stale).length);
    expect(settled).toEqual([`job:load:max ${written.filter((s) => !s.stale && s.labels['__name__'] === 'job:load:max').length}`, `High ${written.filter((s) => !s.stale && s.labels['alertname'] === 'High').length}`]);
    expect(progress.at(-1)).toBe(120);
  });

  it('hands the sink the alert state changes the streaming evaluator makes, each as it was at its instant, in time order', async () => {
    const g = groups()[0]!;
    const live = loadHead();
    const group = new RuleGroup(g, g.intervalMs!, 0, (r) => new AlertingRule(r, { ...opts, annotations: 'every-evaluation' }));
    const change = (at: number, from: string, to: string, labels: object, summary: string | undefined) => `${at} ${JSON.stringify(Object.entries(labels).sort())} ${from}->${to} ${summary}`;
    const expected: string[] = [];
    for (const ts of replayInstants(FROM, TO, g.intervalMs!)) {
      const res = await group.eval(ts, {
        query: async (expr, t) => {
          const v = (await engine.instantQuery(live, expr, t)).value;
          if (v.resultType !== 'vector') throw new Error(`not a vector: ${expr}`);
          return v.result.map((s) => ({ labels: s.metric, value: s.v }));
        },
        write: (out) => { for (const s of out) live.append(s.labels, s.t, s.value, s.stale); },
      });
      // Read at once: the rule changes the alert objects at later instants.
      for (const t of res.transitions) expected.push(change(t.at, t.from, t.alert.state, t.alert.labels, t.alert.annotations['summary']));
    }
    const head = loadHead();
    const query: RangeQuery = async (expr, start, end, step) => {
      const v = (await engine.rangeQuery(head, expr, start, end, step)).value;
      if (v.resultType !== 'matrix') throw new Error(`not a matrix: ${expr}`);
      return v.result.map((s) => ({ labels: s.metric, timestamps: s.timestamps, values: s.values }));
    };
    const got: string[] = [];
    const summary = await replayRules([g], query, {
      write: async (out) => { for (const s of out) head.append(s.labels, s.t, s.value, s.stale); },
      alertEvents: async (group, ts) => {
        expect(group.name).toBe('g');
        for (const t of ts) got.push(change(t.at, t.from, t.alert.state, t.alert.labels, t.alert.annotations['summary']));
      },
    }, { ...opts, fromMs: FROM, toMs: TO, maxPointsPerQuery: 7, expandAnnotations: true });
    expect(new Set(expected.map((e) => e.split(' ')[2]))).toEqual(new Set(['inactive->pending', 'pending->firing', 'firing->inactive', 'pending->inactive']));
    expect(got).toEqual(expected);
    expect(summary.alertEvents).toBe(expected.length);
  });

  it('counts a failed range query as failed evaluations of its instants and goes on', async () => {
    const errors: string[] = [];
    const summary = await replayRules(groups(), async (expr) => {
      if (expr.includes('load:max >')) throw new Error('query API unavailable');
      return [];
    }, { write: async () => {} }, { ...opts, fromMs: FROM, toMs: FROM + 50_000, maxPointsPerQuery: 100, onRuleError: (_g, r, _at, m) => errors.push(`${r}: ${m}`) });
    expect(summary.errors).toBe(6);
    expect(summary.evaluations).toBe(12);
    expect(errors[0]).toBe('High: query API unavailable');
  });

  it('asks the range queries of rules allowed ahead before their turn, up to queryAhead steps on, and a rule that is not allowed only in its turn', async () => {
    const r = parseRuleFile(`
groups:
- name: g
  interval: 10s
  rules:
  - record: job:load:max
    expr: max by (job) (load)
  - record: job:load:min
    expr: min by (job) (load)
  - alert: High
    expr: job:load:max > 5
  - record: load:avg
    expr: avg(load)
`, 'rules.yml', exprParser);
    expect(r.errors).toEqual([]);
    const run = async (queryAhead: number) => {
      const head = loadHead();
      const log: string[] = [];
      const written: GroupOutput[] = [];
      await replayRules([...r.groups], async (expr, start, end, step) => {
        log.push(`ask ${expr}`);
        const v = (await engine.rangeQuery(head, expr, start, end, step)).value;
        if (v.resultType !== 'matrix') throw new Error(`not a matrix: ${expr}`);
        return v.result.map((s) => ({ labels: s.metric, timestamps: s.timestamps, values: s.values }));
      }, {
        write: async (out) => {
          written.push(...out);
          for (const s of out) head.append(s.labels, s.t, s.value, s.stale);
        },
      }, {
        ...opts, fromMs: FROM, toMs: TO, maxPointsPerQuery: 1000, queryAhead, canQueryAhead: (rule) => rule.name !== 'High',
        settle: async (w) => { log.push(`settle ${w.rule.name}`); },
      });
      return { log, written: written.map(key).sort() };
    };
    const ahead = await run(2);
    expect(ahead.log).toEqual([
      'ask max by (job) (load)', 'ask min by (job) (load)', 'settle job:load:max',
      'ask avg(load)', 'settle job:load:min',
      'ask job:load:max > 5', 'settle High', 'settle load:avg',
    ]);
    const inTurn = await run(0);
    expect(inTurn.log).toEqual([
      'ask max by (job) (load)', 'settle job:load:max', 'ask min by (job) (load)', 'settle job:load:min',
      'ask job:load:max > 5', 'settle High', 'ask avg(load)', 'settle load:avg',
    ]);
    expect(ahead.written).toEqual(inTurn.written);
  });
});
