import { describe, expect, it } from 'vitest';
import { canonicalLabels, type Labels } from '../../schemas/index.js';
import { readCheckpoint, restoreRuleState, serializeCheckpoint, writeCheckpoint } from './checkpoint.js';
import { compileRule } from './compiled-rule.js';
import { aggregationRuleSchema, type AggregationRuleConfig } from './config.js';
import { RuleState } from './rule-state.js';
import type { OutputSample } from './window-accumulator.js';
import { join } from 'node:path';
import { temporaryDirectory } from '../../test/harness/temporary-directory.js';

type In = { p: number; labels: Labels; t: number; v: number; stale?: boolean };

function rule(r: Partial<AggregationRuleConfig> & { outputs: string[] }): RuleState {
  return new RuleState(compileRule(aggregationRuleSchema.parse({ match: 'x', interval: '1m', ...r }), 0));
}

function feed(st: RuleState, input: readonly In[]): void {
  for (const s of input) {
    const ps = st.partition(s.p);
    const e = ps.entry(canonicalLabels(s.labels), s.labels);
    if (s.stale) ps.stale(e, s.t);
    else {
      const o = ps.sample(e, s.t, s.v, st.closedThrough);
      if (o === 'late') st.counters.late++;
    }
  }
}

/** Closes every window up to `through`; output samples as `name{labels} @t` -> value. */
function closeThrough(st: RuleState, through: number): Map<string, number> {
  const res = new Map<string, number>();
  let w: number | undefined;
  while ((w = st.nextClosable(through)) !== undefined) {
    const out: OutputSample[] = [];
    st.close(w, out);
    for (const o of out) {
      const { __name__, ...rest } = o.labels;
      const l = Object.entries(rest).sort().map(([k, v]) => `${k}="${v}"`).join(',');
      res.set(`${__name__}{${l}}@${w / 1000}`, o.value);
    }
  }
  return res;
}

const a = { __name__: 'x', job: 'j', instance: 'a' };
const b = { __name__: 'x', job: 'j', instance: 'b' };

describe('aggregation rule state', () => {
  it('adds the series of one group into the same window whichever of them opens it first, also when they move through windows out of step', () => {
    const st = rule({ by: ['job'], outputs: ['sum_samples', 'count_series'] });
    feed(st, [
      { p: 0, labels: a, t: 50_000, v: 1 },
      // a opens window 120 s while b still feeds window 60 s, then b follows.
      { p: 0, labels: a, t: 110_000, v: 2 },
      { p: 0, labels: b, t: 55_000, v: 10 },
      { p: 0, labels: b, t: 115_000, v: 20 },
      { p: 0, labels: a, t: 170_000, v: 3 },
      { p: 0, labels: b, t: 175_000, v: 30 },
    ]);
    expect(Object.fromEntries(closeThrough(st, 180_000))).toEqual({
      'x:1m_by_job_sum_samples{job="j"}@60': 11, 'x:1m_by_job_count_series{job="j"}@60': 2,
      'x:1m_by_job_sum_samples{job="j"}@120': 22, 'x:1m_by_job_count_series{job="j"}@120': 2,
      'x:1m_by_job_sum_samples{job="j"}@180': 33, 'x:1m_by_job_count_series{job="j"}@180': 2,
    });
  });

  it('computes increase, total and rates across a counter reset, starting from each series\' first sample', () => {
    const st = rule({ by: ['job'], outputs: ['total', 'increase', 'rate_sum', 'rate_avg'] });
    // a: 0 10 20 | reset to 5, 15 ; b: 100 ... 130 in the first window, nothing in the second
    feed(st, [
      { p: 0, labels: a, t: 10_000, v: 0 }, { p: 0, labels: a, t: 30_000, v: 10 }, { p: 0, labels: a, t: 60_000, v: 20 },
      { p: 0, labels: a, t: 70_000, v: 5 }, { p: 0, labels: a, t: 120_000, v: 15 },
      { p: 1, labels: b, t: 20_000, v: 100 }, { p: 1, labels: b, t: 50_000, v: 130 },
    ]);
    const out = closeThrough(st, 120_000);
    expect(out.get('x:1m_by_job_increase{job="j"}@60')).toBe(20 + 30);
    expect(out.get('x:1m_by_job_total{job="j"}@60')).toBe(50);
    // a: 20 over 50 s; b: 30 over 30 s
    expect(out.get('x:1m_by_job_rate_sum{job="j"}@60')).toBeCloseTo(20 / 50 + 1, 12);
    expect(out.get('x:1m_by_job_rate_avg{job="j"}@60')).toBeCloseTo((20 / 50 + 1) / 2, 12);
    // second window: reset counts the new value (5), then +10
    expect(out.get('x:1m_by_job_increase{job="j"}@120')).toBe(15);
    expect(out.get('x:1m_by_job_total{job="j"}@120')).toBe(65);
    expect(out.get('x:1m_by_job_rate_sum{job="j"}@120')).toBeCloseTo(15 / 60, 12);
  });

  it('computes sample statistics per window, named as vmagent names them', () => {
    const st = rule({ without: ['instance'], outputs: ['count_samples', 'count_series', 'sum_samples', 'last', 'min', 'max', 'avg', 'stddev', 'stdvar', 'quantiles(0.5, 1)', 'histogram_bucket'] });
    feed(st, [
      { p: 0, labels: a, t: 10_000, v: 1 }, { p: 0, labels: a, t: 40_000, v: 3 },
      { p: 1, labels: b, t: 20_000, v: 8 }, { p: 1, labels: b, t: 30_000, v: 4 },
    ]);
    const out = closeThrough(st, 60_000);
    const n = (o: string) => out.get(`x:1m_without_instance_${o}{job="j"}@60`);
    expect(n('count_samples')).toBe(4);
    expect(n('count_series')).toBe(2);
    expect(n('sum_samples')).toBe(16);
    expect(n('last')).toBe(3);
    expect(n('min')).toBe(1);
    expect(n('max')).toBe(8);
    expect(n('avg')).toBe(4);
    expect(n('stdvar')).toBeCloseTo(((1 - 4) ** 2 + (3 - 4) ** 2 + (8 - 4) ** 2 + 0) / 4, 12);
    expect(n('stddev')).toBeCloseTo(Math.sqrt(6.5), 12);
    expect(out.get('x:1m_without_instance_quantiles{job="j",quantile="0.5"}@60')).toBe(3.5);
    expect(out.get('x:1m_without_instance_quantiles{job="j",quantile="1"}@60')).toBe(8);
    expect(out.get('x:1m_without_instance_histogram_bucket{job="j",vmrange="8.799e-01...1.000e+00"}@60')).toBe(1);
    expect(out.get('x:1m_without_instance_histogram_bucket{job="j",vmrange="7.743e+00...8.799e+00"}@60')).toBe(1);
  });

  it('gives the same result whichever partition is read first', () => {
    const input: In[] = [];
    for (let i = 0; i < 30; i++) {
      input.push({ p: 0, labels: a, t: 1000 + i * 2000, v: 0.1 * i * i });
      input.push({ p: 1, labels: b, t: 1000 + i * 2000, v: 1 / (i + 3) });
    }
    const specs = { by: ['job'], outputs: ['sum_samples', 'avg', 'stdvar', 'increase'] };
    const st1 = rule(specs);
    feed(st1, input);
    const st2 = rule(specs);
    feed(st2, [...input.filter((s) => s.p === 1), ...input.filter((s) => s.p === 0)]);
    expect(closeThrough(st2, 60_000)).toEqual(closeThrough(st1, 60_000));
  });

  it('starts a counter again after a staleness marker and forgets series past the staleness interval', () => {
    const st = rule({ by: ['job'], outputs: ['total', 'increase'], staleness_interval: '1m' });
    feed(st, [
      { p: 0, labels: a, t: 10_000, v: 10 }, { p: 0, labels: a, t: 20_000, v: 12 }, { p: 0, labels: a, t: 30_000, v: 0, stale: true },
      { p: 0, labels: a, t: 50_000, v: 100 }, { p: 0, labels: a, t: 60_000, v: 101 },
    ]);
    let out = closeThrough(st, 60_000);
    expect(out.get('x:1m_by_job_increase{job="j"}@60')).toBe(2 + 1);
    out = closeThrough(st, 120_000);
    // No sample in (60, 120] but the counter is alive: total goes on, increase is 0.
    expect(out.get('x:1m_by_job_total{job="j"}@120')).toBe(3);
    expect(out.get('x:1m_by_job_increase{job="j"}@120')).toBe(0);
    out = closeThrough(st, 240_000);
    expect([...out.keys()]).toEqual([]);
    expect(st.inputSeries()).toBe(0);
  });

  it('aggregates only the last sample of each series in each dedup interval', () => {
    const st = rule({ by: ['job'], outputs: ['count_samples', 'sum_samples'], dedup_interval: '30s' });
    feed(st, [
      { p: 0, labels: a, t: 5_000, v: 1 }, { p: 0, labels: a, t: 25_000, v: 2 }, { p: 0, labels: a, t: 35_000, v: 4 }, { p: 0, labels: a, t: 59_000, v: 8 },
      { p: 0, labels: a, t: 61_000, v: 100 },
    ]);
    const out = closeThrough(st, 60_000);
    expect(out.get('x:1m_by_job_count_samples{job="j"}@60')).toBe(2);
    expect(out.get('x:1m_by_job_sum_samples{job="j"}@60')).toBe(10);
  });

  it('drops samples of a closed window as late', () => {
    const st = rule({ by: ['job'], outputs: ['count_samples'] });
    feed(st, [{ p: 0, labels: a, t: 10_000, v: 1 }]);
    closeThrough(st, 60_000);
    feed(st, [{ p: 1, labels: b, t: 50_000, v: 1 }, { p: 1, labels: b, t: 70_000, v: 1 }]);
    expect(st.counters.late).toBe(1);
    expect(closeThrough(st, 120_000).get('x:1m_by_job_count_samples{job="j"}@120')).toBe(1);
  });

  it('applies the samples of a series in one record as it applies them one at a time', () => {
    const specs = { by: ['job'], outputs: ['total', 'increase', 'rate_sum', 'count_samples', 'stddev', 'last'] };
    // One record's samples of series a: a staleness marker at position 3, an out-of-order sample at 5.
    const ts = [5_000, 20_000, 40_000, 45_000, 70_000, 65_000, 90_000, 130_000];
    const vs = [1, 4, 9.5, 0, 3, 2, 7.25, 8];
    const stale = [3];
    const one = rule(specs);
    feed(one, ts.map((t, i) => ({ p: 0, labels: a, t, v: vs[i]!, stale: stale.includes(i) })));
    const batched = rule(specs);
    const ps = batched.partition(0);
    ps.applySeries(ps.entry(canonicalLabels(a), a), ts, vs, stale, batched, batched.counters);
    expect(batched.counters).toMatchObject({ applied: 6, outOfOrder: 1, late: 0 });
    expect(closeThrough(batched, 180_000)).toEqual(closeThrough(one, 180_000));

    // After the first window closed, a record with samples for it counts them late and applies the rest.
    const late: number[] = [];
    const after = rule(specs);
    const pa = after.partition(0);
    const ea = pa.entry(canonicalLabels(a), a);
    pa.applySeries(ea, [10_000], [1], [], after, after.counters);
    closeThrough(after, 60_000);
    pa.applySeries(ea, [50_000, 55_000, 61_000], [2, 3, 4], [], after, after.counters, (t) => late.push(t));
    expect(late).toEqual([50_000, 55_000]);
    expect(after.counters).toMatchObject({ applied: 2, late: 2 });
  });

  it('names an output series with the same labels object window after window', () => {
    // The bus sink remembers a series by its labels object: a new object every window would be hashed again.
    const st = rule({ by: ['job'], outputs: ['total', 'count_samples', 'quantiles(0.5)'] });
    feed(st, [{ p: 0, labels: a, t: 10_000, v: 1 }, { p: 1, labels: b, t: 20_000, v: 2 }, { p: 0, labels: a, t: 70_000, v: 3 }]);
    const first: OutputSample[] = [];
    const second: OutputSample[] = [];
    st.close(st.nextClosable(60_000)!, first);
    st.close(st.nextClosable(120_000)!, second);
    expect(first.map((o) => o.labels.__name__)).toEqual(['x:1m_by_job_count_samples', 'x:1m_by_job_quantiles', 'x:1m_by_job_total']);
    expect(second.map((o) => o.labels)).toEqual(first.map((o) => o.labels));
    second.forEach((o, i) => expect(o.labels).toBe(first[i]!.labels));
  });

  it('continues from a checkpoint exactly as without one', () => {
    const input: In[] = [];
    for (let i = 0; i < 40; i++) {
      input.push({ p: i % 2, labels: i % 2 === 0 ? a : b, t: 1000 + i * 3000, v: i % 7 === 6 ? 1 : i * 1.5 });
    }
    const specs = { by: ['job'], outputs: ['total', 'increase', 'rate_sum', 'quantiles(0.9)', 'stddev'] };
    const straight = rule(specs);
    feed(straight, input);
    const expected = new Map([...closeThrough(straight, 60_000), ...closeThrough(straight, 180_000)]);

    const first = rule(specs);
    feed(first, input.slice(0, 25));
    const got = closeThrough(first, 60_000);
    const file = join(temporaryDirectory('agg-ckpt-'), 'checkpoint.json');
    writeCheckpoint(file, serializeCheckpoint([first], new Map([[0, 13], [1, 12]]), 1));
    const saved = readCheckpoint(file)!;
    expect(saved.offsets.get(0)).toBe(13);
    const resumed = restoreRuleState(first.rule, saved.rules.get(first.rule.id), saved.series);
    feed(resumed, input.slice(25));
    for (const [k, v] of closeThrough(resumed, 180_000)) got.set(k, v);
    expect(got).toEqual(expected);
  });

  it('restores a checkpoint of version 1 (series as rows) and, written again as version 3, goes on as the state that wrote it', () => {
    const specs = { by: ['job'], outputs: ['total', 'rate_sum', 'quantiles(0.5)', 'histogram_bucket', 'stddev', 'last'] };
    const input: In[] = [
      { p: 0, labels: a, t: 10_000, v: 1 }, { p: 1, labels: b, t: 20_000, v: 5 }, { p: 0, labels: a, t: 50_000, v: 3.5 },
      { p: 1, labels: b, t: 65_000, v: 7 }, { p: 0, labels: a, t: 70_000, v: 4 },
    ];
    const rest: In[] = [{ p: 0, labels: a, t: 100_000, v: 6 }, { p: 1, labels: b, t: 110_000, v: 9 }, { p: 0, labels: a, t: 130_000, v: 2 }];
    const straight = rule(specs);
    feed(straight, [...input, ...rest]);
    const expected = closeThrough(straight, 180_000);
    // The state after `input`, as a checkpoint file holds it (version 1: series rows, open windows' accumulators).
    const text = "{\"version\":1,\"savedAtMs\":1,\"strings\":[\"__name__\",\"x\",\"instance\",\"a\",\"job\",\"j\",\"b\"],\"offsets\":{\"0\":3,\"1\":2},\"rules\":[{\"id\":\"{\\\"match\\\":\\\"x\\\",\\\"interval\\\":\\\"1m\\\",\\\"by\\\":[\\\"job\\\"],\\\"drop_input\\\":false,\\\"outputs\\\":[\\\"total\\\",\\\"rate_sum\\\",\\\"quantiles(0.5)\\\",\\\"histogram_bucket\\\",\\\"stddev\\\",\\\"last\\\"]}\",\"closedThrough\":\"-Infinity\",\"totals\":[],\"partitions\":[[0,{\"series\":[[[0,1,2,3,4,5],70000,70000,4,1,120000,0.5,50000,70000,0,0,0,0]],\"windows\":[[60000,[{\"labels\":{\"__name__\":\"x\",\"job\":\"j\"},\"samples\":2,\"hSamples\":0,\"sum\":4.5,\"min\":1,\"max\":3.5,\"lastTs\":50000,\"lastV\":3.5,\"lastH\":null,\"mean\":2.25,\"m2\":3.125,\"inc\":2.5,\"rateSum\":0.0625,\"rateN\":1,\"series\":1,\"alive\":true,\"values\":[1,3.5],\"buckets\":{\"8.799e-01...1.000e+00\":1,\"3.162e+00...3.594e+00\":1}}]],[120000,[{\"labels\":{\"__name__\":\"x\",\"job\":\"j\"},\"samples\":1,\"hSamples\":0,\"sum\":4,\"min\":4,\"max\":4,\"lastTs\":70000,\"lastV\":4,\"lastH\":null,\"mean\":4,\"m2\":0,\"inc\":0.5,\"rateSum\":0,\"rateN\":0,\"series\":1,\"alive\":true,\"values\":[4],\"buckets\":{\"3.594e+00...4.084e+00\":1}}]]]}],[1,{\"series\":[[[0,1,2,6,4,5],65000,65000,7,1,120000,2,20000,65000,0,0,0,0]],\"windows\":[[60000,[{\"labels\":{\"__name__\":\"x\",\"job\":\"j\"},\"samples\":1,\"hSamples\":0,\"sum\":5,\"min\":5,\"max\":5,\"lastTs\":20000,\"lastV\":5,\"lastH\":null,\"mean\":5,\"m2\":0,\"inc\":0,\"rateSum\":0,\"rateN\":0,\"series\":1,\"alive\":true,\"values\":[5],\"buckets\":{\"4.642e+00...5.275e+00\":1}}]],[120000,[{\"labels\":{\"__name__\":\"x\",\"job\":\"j\"},\"samples\":1,\"hSamples\":0,\"sum\":7,\"min\":7,\"max\":7,\"lastTs\":65000,\"lastV\":7,\"lastH\":null,\"mean\":7,\"m2\":0,\"inc\":2,\"rateSum\":0,\"rateN\":0,\"series\":1,\"alive\":true,\"values\":[7],\"buckets\":{\"6.813e+00...7.743e+00\":1}}]]]}]]}]}";
    const file = join(temporaryDirectory('agg-ckpt-'), 'checkpoint.json');
    writeCheckpoint(file, text);
    const saved = readCheckpoint(file)!;
    const resumed = restoreRuleState(straight.rule, saved.rules.get(straight.rule.id), saved.series);
    // Written again in the current format (version 3), it reads back to the same state.
    const current = serializeCheckpoint([resumed], saved.offsets, 1);
    expect(JSON.parse(current).version).toBe(3);
    // The text is JSON.stringify's of its document (written piece by piece).
    expect(JSON.stringify(JSON.parse(current))).toBe(current);
    writeCheckpoint(file, current);
    const again = readCheckpoint(file)!;
    const fromCurrent = restoreRuleState(straight.rule, again.rules.get(straight.rule.id), again.series);
    expect(serializeCheckpoint([fromCurrent], again.offsets, 1)).toBe(current);
    feed(fromCurrent, rest);
    expect(closeThrough(fromCurrent, 180_000)).toEqual(expected);
    feed(resumed, rest);
    expect(closeThrough(resumed, 180_000)).toEqual(expected);
    const first = [1, 3.5, 5];
    const mean = (1 + 3.5 + 5) / 3;
    expect(expected.get('x:1m_by_job_stddev{job="j"}@60')).toBeCloseTo(Math.sqrt(first.reduce((n, v) => n + (v - mean) ** 2, 0) / 3), 12);
  });

  it('checkpoints each input series\' labels once however many rules it feeds, its numbers bit for bit', () => {
    const byJob = rule({ by: ['job'], outputs: ['total', 'min'] });
    const all = new RuleState(compileRule(aggregationRuleSchema.parse({ match: 'x', interval: '1m', without: ['instance'], outputs: ['max'] }), 1));
    // NaN, then -0 as the last values: a column of +0s is left out, one of -0s is not.
    const input: In[] = [{ p: 0, labels: a, t: 10_000, v: Number.NaN }, { p: 0, labels: b, t: 12_000, v: -0 }, { p: 0, labels: a, t: 20_000, v: -0 }];
    feed(byJob, input);
    feed(all, input);
    const text = serializeCheckpoint([byJob, all], new Map([[0, 3]]), 1);
    expect(JSON.stringify(JSON.parse(text))).toBe(text);
    const doc = JSON.parse(text) as { strings: string[]; series: string };
    // Two series (two label counts, three pairs each): a and b, though both rules hold both.
    expect(Buffer.from(doc.series, 'base64').length).toBe(2 * (1 + 6) * 4);
    expect(doc.strings.filter((x) => x === 'a')).toHaveLength(1);
    const file = join(temporaryDirectory('agg-ckpt-'), 'checkpoint.json');
    writeCheckpoint(file, text);
    const saved = readCheckpoint(file)!;
    for (const st of [byJob, all]) {
      const back = restoreRuleState(st.rule, saved.rules.get(st.rule.id), saved.series);
      const before = st.partition(0);
      const after = back.partition(0);
      expect([...after.series.keys()]).toEqual([...before.series.keys()]);
      for (const [key, e] of before.series) {
        const want = new Float64Array(12);
        const got = new Float64Array(12);
        before.copyNumbers(e, want, 0);
        after.copyNumbers(after.series.get(key)!, got, 0);
        expect(Buffer.from(got.buffer)).toEqual(Buffer.from(want.buffer));
      }
      expect(serializeCheckpoint([back], saved.offsets, 1)).toBe(serializeCheckpoint([st], saved.offsets, 1));
    }
  });

  it('restores a checkpoint of version 2 (every number column as bytes) to the state that wrote it', () => {
    const specs = { by: ['job'], outputs: ['total', 'rate_sum', 'quantiles(0.5)', 'histogram_bucket', 'stddev', 'last'] };
    const input: In[] = [
      { p: 0, labels: a, t: 10_000, v: 1 }, { p: 1, labels: b, t: 20_000, v: 5 }, { p: 0, labels: a, t: 50_000, v: 3.5 },
      { p: 1, labels: b, t: 65_000, v: 7 }, { p: 0, labels: a, t: 70_000, v: 4 },
    ];
    const rest: In[] = [{ p: 0, labels: a, t: 100_000, v: 6 }, { p: 1, labels: b, t: 110_000, v: 9 }, { p: 0, labels: a, t: 130_000, v: 2 }];
    const straight = rule(specs);
    feed(straight, input);
    const file = join(temporaryDirectory('agg-ckpt-'), 'checkpoint.json');
    writeCheckpoint(file, V2_CHECKPOINT);
    const saved = readCheckpoint(file)!;
    const resumed = restoreRuleState(straight.rule, saved.rules.get(straight.rule.id), saved.series);
    expect(serializeCheckpoint([resumed], saved.offsets, 1)).toBe(serializeCheckpoint([straight], saved.offsets, 1));
    feed(straight, rest);
    feed(resumed, rest);
    expect(closeThrough(resumed, 180_000)).toEqual(closeThrough(straight, 180_000));
  });

  it('writes a number column that holds one number, or the bytes of an earlier column, once, and reads every bit back', () => {
    const st = rule({ by: ['job'], outputs: ['total', 'min'] });
    // A NaN with a payload of its own as every series' last value (not written as one number: JSON would lose the payload).
    const payloadNaN = new Float64Array(new BigUint64Array([0x7ff8_0000_0000_0abcn]).buffer)[0]!;
    const series = [a, b, { __name__: 'x', job: 'j', instance: 'c' }];
    feed(st, series.map((labels) => ({ p: 0, labels, t: 10_000, v: -0 })));
    feed(st, series.map((labels, i) => ({ p: 0, labels, t: 20_000 + i * 1000, v: payloadNaN })));
    const text = serializeCheckpoint([st], new Map([[0, 2]]), 1);
    const numbers = (JSON.parse(text) as { rules: { partitions: [number, { numbers: unknown[] }][] }[] }).rules[0]!.partitions[0]![1].numbers;
    // Newest timestamp, last timestamp (the same bytes), last value, has-last flag, window; the window's last timestamp.
    expect(numbers.slice(0, 3)).toEqual([expect.any(String), { same: 0 }, expect.any(String)]);
    expect(numbers.slice(3, 5)).toEqual([{ all: 1 }, { all: 60_000 }]);
    expect(numbers[7]).toEqual({ same: 0 });
    const file = join(temporaryDirectory('agg-ckpt-'), 'checkpoint.json');
    writeCheckpoint(file, text);
    const saved = readCheckpoint(file)!;
    const back = restoreRuleState(st.rule, saved.rules.get(st.rule.id), saved.series);
    for (const [key, e] of st.partition(0).series) {
      const want = new Float64Array(12);
      const got = new Float64Array(12);
      st.partition(0).copyNumbers(e, want, 0);
      back.partition(0).copyNumbers(back.partition(0).series.get(key)!, got, 0);
      expect(Buffer.from(got.buffer)).toEqual(Buffer.from(want.buffer));
    }
  });

  it('refuses a checkpoint whose series table is cut short, naming the file', () => {
    const st = rule({ by: ['job'], outputs: ['total'] });
    feed(st, [{ p: 0, labels: a, t: 10_000, v: 1 }]);
    const doc = JSON.parse(serializeCheckpoint([st], new Map([[0, 1]]), 1)) as { series: string };
    doc.series = Buffer.from(doc.series, 'base64').subarray(0, 6).toString('base64');
    const file = join(temporaryDirectory('agg-ckpt-'), 'checkpoint.json');
    writeCheckpoint(file, JSON.stringify(doc));
    expect(() => readCheckpoint(file)).toThrow(`aggregation checkpoint ${file} has an unreadable series table`);
  });

  it('lets a group go once its series are forgotten, and a later group taking its place does not mix with it', () => {
    const st = rule({ by: ['job'], outputs: ['sum_samples', 'count_series'] });
    feed(st, [{ p: 0, labels: a, t: 10_000, v: 1 }]);
    // Past the staleness interval (two windows) series a is forgotten, and with it group j.
    expect(closeThrough(st, 240_000).get('x:1m_by_job_sum_samples{job="j"}@60')).toBe(1);
    expect(st.inputSeries()).toBe(0);
    feed(st, [
      { p: 0, labels: { __name__: 'x', job: 'k', instance: 'c' }, t: 250_000, v: 5 },
      { p: 0, labels: { __name__: 'x', job: 'j', instance: 'z' }, t: 260_000, v: 7 },
    ]);
    expect(Object.fromEntries(closeThrough(st, 300_000))).toEqual({
      'x:1m_by_job_sum_samples{job="k"}@300': 5, 'x:1m_by_job_count_series{job="k"}@300': 1,
      'x:1m_by_job_sum_samples{job="j"}@300': 7, 'x:1m_by_job_count_series{job="j"}@300': 1,
    });
  });

  it('applies a record\'s float columns for many series at once as it applies them series by series', () => {
    const outputs = ['total', 'increase', 'rate_sum', 'rate_avg', 'count_samples', 'count_series', 'sum_samples', 'last', 'min', 'max', 'avg', 'stddev', 'quantiles(0.5)', 'histogram_bucket'];
    const bySeries = rule({ by: ['job'], outputs });
    const atOnce = rule({ by: ['job'], outputs });
    const series = [a, b, { __name__: 'x', job: 'k', instance: 'c' }];
    // Three records: each series' samples side by side in one set of columns, with an out-of-order
    // sample, a counter reset, a series without samples and (in the last) a sample of a window closed meanwhile.
    const records = [
      { offsets: [0, 2, 3, 5], timestamps: [10_000, 40_000, 20_000, 30_000, 50_000], values: [1, 4, 10, 100, 103] },
      { offsets: [0, 1, 3, 3], timestamps: [70_000, 80_000, 75_000], values: [6, 12, 11] },
      { offsets: [0, 1, 2, 3], timestamps: [130_000, 125_000, 55_000], values: [13, 5, 0] },
    ];
    const counts = { applied: 0, late: 0, outOfOrder: 0 };
    const countsAtOnce = { applied: 0, late: 0, outOfOrder: 0 };
    const results: Map<string, number>[] = [];
    for (const [i, r] of records.entries()) {
      applyBothWays(series, r, bySeries, counts, atOnce, countsAtOnce);
      if (i === 1) results.push(closeThrough(bySeries, 60_000), closeThrough(atOnce, 60_000));
    }
    results.push(closeThrough(bySeries, 180_000), closeThrough(atOnce, 180_000));
    expect(results[0]!.size).toBeGreaterThan(0);
    expect(results[2]!.size).toBeGreaterThan(0);
    expect(results[1]).toEqual(results[0]);
    expect(results[3]).toEqual(results[2]);
    expect(countsAtOnce).toEqual(counts);
    expect(counts.outOfOrder).toBe(1);
    expect(counts.late).toBe(1);
  });

  it('applies a record whose series leave different windows, and whose samples fall in different windows, as it applies them series by series', () => {
    const outputs = ['rate_sum', 'rate_avg', 'increase', 'count_series', 'count_samples', 'sum_samples'];
    const bySeries = rule({ by: ['job'], outputs });
    const atOnce = rule({ by: ['job'], outputs });
    const series = [a, b, { __name__: 'x', job: 'j', instance: 'c' }];
    // Before the last record, a's latest window ends at 60 s, b's and c's at 120 s; in the last
    // record a and b enter the window ending at 180 s, c the one ending at 240 s.
    const records = [
      { offsets: [0, 1, 1, 1], timestamps: [10_000], values: [1] },
      { offsets: [0, 1, 3, 5], timestamps: [20_000, 65_000, 70_000, 75_000, 80_000], values: [3, 5, 6, 0, 1] },
      { offsets: [0, 1, 2, 3], timestamps: [130_000, 140_000, 190_000], values: [7, 9, 4] },
    ];
    const counts = { applied: 0, late: 0, outOfOrder: 0 };
    const countsAtOnce = { applied: 0, late: 0, outOfOrder: 0 };
    for (const r of records) {
      applyBothWays(series, r, bySeries, counts, atOnce, countsAtOnce);
    }
    const expected = closeThrough(bySeries, 300_000);
    // a's rate over its span in the first window, b's and c's over theirs in the second; c alone in the last.
    expect(expected.get('x:1m_by_job_rate_sum{job="j"}@60')).toBeCloseTo(0.2);
    expect(expected.get('x:1m_by_job_rate_sum{job="j"}@120')).toBeCloseTo(0.4);
    expect(expected.get('x:1m_by_job_count_series{job="j"}@240')).toBe(1);
    expect(closeThrough(atOnce, 300_000)).toEqual(expected);
    expect(countsAtOnce).toEqual(counts);
  });
  it('gives the same outputs when a close refills the accumulators of the close before as when every close makes new ones, with groups leaving and coming back', () => {
    // mulberry32: a failing seed can be run again.
    let seed = 7;
    const rnd = () => {
      seed = (seed + 0x6d2b79f5) >>> 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const outputs = ['total', 'increase', 'rate_sum', 'count_samples', 'count_series', 'sum_samples', 'last', 'min', 'max', 'avg', 'stddev', 'quantiles(0.5, 0.9)', 'histogram_bucket'];
    const refilled = rule({ by: ['g'], outputs });
    const fresh = rule({ by: ['g'], outputs });
    const series = Array.from({ length: 12 }, (_, i) => ({ __name__: 'x', g: `g${i % 5}`, instance: `i${i}` }));
    const values = series.map(() => 0);
    const seen = (o: OutputSample[]) => o.map((x) => `${canonicalLabels(x.labels)} ${Object.is(x.value, -0) ? '-0' : x.value}`);
    let windows = 0;
    let absent = 0;
    for (let step = 1; step <= 160; step++) {
      const t = step * 15_000;
      const input: In[] = [];
      // Series skip scrapes, and the series of g3 feed only a few minutes in every five.
      for (let i = 0; i < series.length; i++) {
        if (rnd() < 0.3 || (series[i]!.g === 'g3' && step % 20 > 4)) continue;
        values[i] = rnd() < 0.05 ? 0 : values[i]! + rnd() * 10;
        input.push({ p: i % 3, labels: series[i]!, t, v: values[i]! });
      }
      feed(refilled, input);
      feed(fresh, input);
      let w: number | undefined;
      while ((w = refilled.nextClosable(t - 30_000)) !== undefined) {
        expect(fresh.nextClosable(t - 30_000)).toBe(w);
        const a: OutputSample[] = [];
        const b: OutputSample[] = [];
        refilled.close(w, a);
        fresh.emit(w, fresh.closePartitions(w), b);
        expect(seen(a)).toEqual(seen(b));
        if (!a.some((x) => x.labels.g === 'g3' && x.labels.__name__ === 'x:1m_by_g_sum_samples')) absent++;
        windows++;
      }
    }
    expect(windows).toBeGreaterThan(30);
    // g3's group left and came back several times.
    expect(absent).toBeGreaterThan(5);
    expect(absent).toBeLessThan(windows);
  });
});

interface TestRecord { readonly offsets: number[]; readonly timestamps: number[]; readonly values: number[] }
interface TestCounts { applied: number; late: number; outOfOrder: number }

/** Applies a record of `series` to `bySeries` one series at a time (applyRow) and to `atOnce` in one call (applyRows). */
function applyBothWays(series: readonly Labels[], r: TestRecord, bySeries: RuleState, counts: TestCounts, atOnce: RuleState, countsAtOnce: TestCounts): void {
  const ps = bySeries.partition(0);
  const entries = series.map((l) => ps.entry(canonicalLabels(l), l));
  for (const [k, e] of entries.entries()) ps.applyRow(e.row, r.timestamps, r.values, r.offsets[k]!, r.offsets[k + 1]!, [], bySeries, counts);
  const ps2 = atOnce.partition(0);
  const rows = Int32Array.from(series.map((l) => ps2.entry(canonicalLabels(l), l).row));
  ps2.applyRows(rows, Int32Array.from(series.map((_, i) => i)), rows.length, r.offsets, r.timestamps, r.values, [], atOnce, countsAtOnce);
}

/** The state after the first input of the version 2 test above, as version 2 wrote it. */
const V2_CHECKPOINT = "{\"version\":2,\"savedAtMs\":1,\"strings\":[\"__name__\",\"x\",\"instance\",\"a\",\"job\",\"j\",\"b\"],\"series\":\"BgAAAAAAAAABAAAAAgAAAAMAAAAEAAAABQAAAAYAAAAAAAAAAQAAAAIAAAAGAAAABAAAAAUAAAA=\",\"offsets\":{\"0\":3,\"1\":2},\"rules\":[{\"id\":\"{\\\"match\\\":\\\"x\\\",\\\"interval\\\":\\\"1m\\\",\\\"by\\\":[\\\"job\\\"],\\\"drop_input\\\":false,\\\"outputs\\\":[\\\"total\\\",\\\"rate_sum\\\",\\\"quantiles(0.5)\\\",\\\"histogram_bucket\\\",\\\"stddev\\\",\\\"last\\\"]}\",\"closedThrough\":\"-Infinity\",\"totals\":[],\"partitions\":[[0,{\"rows\":\"AAAAAA==\",\"numbers\":[\"AAAAAAAX8UA=\",\"AAAAAAAX8UA=\",\"AAAAAAAAEEA=\",\"AAAAAAAA8D8=\",\"AAAAAABM/UA=\",\"AAAAAAAA4D8=\",\"AAAAAABq6EA=\",\"AAAAAAAX8UA=\",0,0,0,0],\"histograms\":[],\"windows\":[[60000,[{\"labels\":{\"__name__\":\"x\",\"job\":\"j\"},\"samples\":2,\"hSamples\":0,\"sum\":4.5,\"min\":1,\"max\":3.5,\"lastTs\":50000,\"lastV\":3.5,\"lastH\":null,\"mean\":2.25,\"m2\":3.125,\"inc\":2.5,\"rateSum\":0.0625,\"rateN\":1,\"series\":1,\"alive\":true,\"values\":[1,3.5],\"buckets\":{\"8.799e-01...1.000e+00\":1,\"3.162e+00...3.594e+00\":1}}]],[120000,[{\"labels\":{\"__name__\":\"x\",\"job\":\"j\"},\"samples\":1,\"hSamples\":0,\"sum\":4,\"min\":4,\"max\":4,\"lastTs\":70000,\"lastV\":4,\"lastH\":null,\"mean\":4,\"m2\":0,\"inc\":0.5,\"rateSum\":0,\"rateN\":0,\"series\":1,\"alive\":true,\"values\":[4],\"buckets\":{\"3.594e+00...4.084e+00\":1}}]]]}],[1,{\"rows\":\"AQAAAA==\",\"numbers\":[\"AAAAAAC970A=\",\"AAAAAAC970A=\",\"AAAAAAAAHEA=\",\"AAAAAAAA8D8=\",\"AAAAAABM/UA=\",\"AAAAAAAAAEA=\",\"AAAAAACI00A=\",\"AAAAAAC970A=\",0,0,0,0],\"histograms\":[],\"windows\":[[60000,[{\"labels\":{\"__name__\":\"x\",\"job\":\"j\"},\"samples\":1,\"hSamples\":0,\"sum\":5,\"min\":5,\"max\":5,\"lastTs\":20000,\"lastV\":5,\"lastH\":null,\"mean\":5,\"m2\":0,\"inc\":0,\"rateSum\":0,\"rateN\":0,\"series\":1,\"alive\":true,\"values\":[5],\"buckets\":{\"4.642e+00...5.275e+00\":1}}]],[120000,[{\"labels\":{\"__name__\":\"x\",\"job\":\"j\"},\"samples\":1,\"hSamples\":0,\"sum\":7,\"min\":7,\"max\":7,\"lastTs\":65000,\"lastV\":7,\"lastH\":null,\"mean\":7,\"m2\":0,\"inc\":2,\"rateSum\":0,\"rateN\":0,\"series\":1,\"alive\":true,\"values\":[7],\"buckets\":{\"6.813e+00...7.743e+00\":1}}]]]}]]}]}";
