import { describe, expect, it } from 'vitest';
import { exprParser, parseRuleFile, type LoadedGroup } from '../../pipeline/alert/rules/index.js';
import { outputsReadLater, readsEarlierOutputs } from './output-readers.js';

function groups(yaml: string): LoadedGroup[] {
  const r = parseRuleFile(yaml, 'rules.yml', exprParser);
  expect(r.errors).toEqual([]);
  return [...r.groups];
}

function readLater(yaml: string): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const [rule, read] of outputsReadLater(groups(yaml))) out[rule.name] = read;
  return out;
}

describe('outputsReadLater', () => {
  it('marks a recorded series that a later rule selects by name, and not one that no later rule reads', () => {
    expect(readLater(`
groups:
- name: a
  rules:
  - record: job:up:sum
    expr: sum by (job) (up)
  - record: instance:cpu:rate5m
    expr: rate(cpu_seconds_total[5m])
- name: b
  rules:
  - alert: JobDown
    expr: job:up:sum == 0
`)).toEqual({ 'job:up:sum': true, 'instance:cpu:rate5m': false, JobDown: false });
  });

  it('counts a regular expression on __name__ that matches, and a selector without a name, as reading', () => {
    expect(readLater(`
groups:
- name: a
  rules:
  - record: job:up:sum
    expr: sum by (job) (up)
  - record: job:errors:sum
    expr: sum by (job) (errors_total)
  - record: ratio
    expr: '{__name__=~"job:up:.*"} / 2'
  - record: any_api
    expr: 'count({job="api"})'
`)).toEqual({ 'job:up:sum': true, 'job:errors:sum': true, ratio: true, any_api: false });
  });

  it('counts an alerting rule as read by a later selector of ALERTS, and not by rules before it', () => {
    expect(readLater(`
groups:
- name: a
  rules:
  - record: before
    expr: count(ALERTS)
  - alert: High
    expr: load > 5
  - record: firing
    expr: count(ALERTS{alertstate="firing"})
`)).toEqual({ before: false, High: true, firing: false });
  });

  it('counts a template that runs a query as reading every earlier output', () => {
    expect(readLater(`
groups:
- name: a
  rules:
  - record: job:load:max
    expr: max by (job) (load)
  - alert: High
    expr: load > 5
    labels: {peak: '{{ with query "max(job:load:max)" }}{{ . | first | value }}{{ end }}'}
`)).toEqual({ 'job:load:max': true, High: false });
  });

  it('marks the rules that may read an earlier rule\'s output or their own as waiting for it, and the others as free to be asked ahead', () => {
    const read: Record<string, boolean> = {};
    for (const [rule, r] of readsEarlierOutputs(groups(`
groups:
- name: a
  rules:
  - record: job:up:sum
    expr: sum by (job) (up)
  - record: instance:cpu:rate5m
    expr: rate(cpu_seconds_total[5m])
  - record: self
    expr: self offset 1m + 1
- name: b
  rules:
  - alert: JobDown
    expr: job:up:sum == 0
  - record: alerts_before
    expr: count(ALERTS)
  - record: raw
    expr: max(up)
`))) read[rule.name] = r;
    expect(read).toEqual({ 'job:up:sum': false, 'instance:cpu:rate5m': false, self: true, JobDown: true, alerts_before: true, raw: false });
  });
});
