import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';

import { buildRouteTree, formatDuration, parseAlertmanagerConfig, parseDuration, type Route } from '../../pipeline/alert/notify/index.js';
import { conformancePath } from './conformance-dir.js';

const DIR = conformancePath('alertmanager');

interface Expected {
  receiver: string;
  group_by: string[];
  group_by_all: boolean;
  group_wait: string;
  group_interval: string;
  repeat_interval: string;
  key: string;
}
interface Case {
  labels: Record<string, string | number>;
  expect?: Expected[];
  config_file?: string;
  expect_receivers?: string[];
}
interface Suite { name: string; route?: unknown; cases: Case[] }

const data = parse(readFileSync(join(DIR, 'routing-cases.yml'), 'utf8')) as { defaults: Record<string, unknown>; suites: Suite[] };

function receiversOf(route: unknown, out = new Set<string>()): Set<string> {
  const r = route as { receiver?: string; routes?: unknown[] };
  if (r.receiver !== undefined) out.add(r.receiver);
  for (const c of r.routes ?? []) receiversOf(c, out);
  return out;
}

function treeFromYaml(text: string, filename?: string): Route {
  const { config, errors } = parseAlertmanagerConfig(text, { filename });
  expect(errors.map((e) => e.message)).toEqual([]);
  return buildRouteTree(config!.route);
}

function labelsOf(c: Case): Record<string, string> {
  return Object.fromEntries(Object.entries(c.labels).map(([k, v]) => [k, String(v)]));
}

describe('routing-cases.yml', () => {
  it('covers the three upstream suites', () => {
    expect(data.suites.map((s) => s.name)).toEqual(['legacy-match-and-match_re', 'matchers-syntax', 'amtool-routes-test']);
  });

  for (const suite of data.suites) {
    describe(suite.name, () => {
      const tree = suite.route === undefined
        ? undefined
        : treeFromYaml(stringify({ route: suite.route, receivers: [...receiversOf(suite.route)].map((name) => ({ name })) }));
      suite.cases.forEach((c, i) => {
        it(`case ${i}: routes ${JSON.stringify(c.labels)} to ${JSON.stringify(c.expect?.map((e) => e.receiver) ?? c.expect_receivers)}`, () => {
          const root = tree ?? treeFromYaml(readFileSync(join(DIR, c.config_file!), 'utf8'), join(DIR, c.config_file!));
          const matched = root.match(labelsOf(c));
          if (c.expect_receivers !== undefined) {
            expect(matched.map((r) => r.opts.receiver)).toEqual(c.expect_receivers);
            return;
          }
          const got = matched.map((r) => ({
            receiver: r.opts.receiver,
            group_by: [...r.opts.groupBy].sort(),
            group_by_all: r.opts.groupByAll,
            group_wait: formatDuration(r.opts.groupWait),
            group_interval: formatDuration(r.opts.groupInterval),
            repeat_interval: formatDuration(r.opts.repeatInterval),
            key: r.key,
          }));
          const want = c.expect!.map((e) => ({
            ...e,
            group_by: [...e.group_by].sort(),
            group_wait: formatDuration(parseDuration(e.group_wait)),
            group_interval: formatDuration(parseDuration(e.group_interval)),
            repeat_interval: formatDuration(parseDuration(e.repeat_interval)),
          }));
          expect(got).toEqual(want);
        });
      });
    });
  }

  it('applies the documented root defaults when nothing is configured', () => {
    const root = treeFromYaml('route: {receiver: r}\nreceivers: [{name: r}]\n');
    expect(formatDuration(root.opts.groupWait)).toBe(data.defaults.group_wait);
    expect(formatDuration(root.opts.groupInterval)).toBe(data.defaults.group_interval);
    expect(formatDuration(root.opts.repeatInterval)).toBe(data.defaults.repeat_interval);
    expect(root.opts.groupBy).toEqual(data.defaults.group_by);
    expect(root.opts.groupByAll).toBe(data.defaults.group_by_all);
    expect(root.key).toBe('{}');
  });
});
