import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { checkRules } from './check-rules.js';
import { loadRuleFile, parseRuleFile } from './rule-file.js';
import { conformancePath } from '../../../test/conformance/conformance-dir.js';

const here = dirname(fileURLToPath(import.meta.url));
const td = (f: string): string => join(here, 'testdata', f);

/** A real syntax check (the lezer PromQL grammar) until pipeline/promql's parser is wired in. */
function lezerParse(expr: string): string | null {
  let err: number | undefined;
  parser.parse(expr).iterate({ enter: (n) => { if (n.type.isError && err === undefined) err = n.from; } });
  return err === undefined ? null : `1:${err + 1}: parse error`;
}

// Expected texts are what `promtool check rules` (Prometheus 2.42) prints for these files,
// except the PromQL parser's own message, which comes from the injected parser.
const badCases: Array<[string, string[]]> = [
  ['duplicate-group.bad.yml', ['6:5: groupname: "a" is repeated in the same file']],
  ['empty-name.bad.yml', ['2:5: Groupname must not be empty']],
  ['record-and-alert.bad.yml', [
    `4:17: 5:16: group "g", rule 1, "Both": only one of 'record' and 'alert' must be set`,
    `0:0: group "g", rule 2, "": one of 'record' or 'alert' must be set`,
  ]],
  ['bad-names.bad.yml', [
    '4:17: group "g", rule 1, "1bad-name": invalid recording rule name: 1bad-name',
    'group "g", rule 2, "BadLabel": invalid label name: 1bad',
    'group "g", rule 2, "BadLabel": invalid label name: __name__',
    'group "g", rule 2, "BadLabel": invalid annotation name: bad-annotation',
  ]],
  ['bad-template.bad.yml', [
    'group "g", rule 1, "BadTemplate": label "sev": template: __alert_BadTemplate:1: missing value for if',
    'group "g", rule 1, "BadTemplate": annotation "desc": template: __alert_BadTemplate:1: function "nosuchfn" not defined',
    'group "g", rule 1, "BadTemplate": annotation "summary": template: __alert_BadTemplate:1: unclosed action',
  ]],
  ['recording-fields.bad.yml', [
    `4:17: group "g", rule 1, "job:x": invalid field 'annotations' in recording rule`,
    `4:17: group "g", rule 1, "job:x": invalid field 'for' in recording rule`,
  ]],
  ['bad-expr.bad.yml', [
    '5:15: group "g", rule 1, "BadExpr": could not parse expression: 1:16: parse error',
    `0:0: group "g", rule 2, "missing:expr": field 'expr' must be set in rule`,
  ]],
  ['unknown-field.bad.yml', [
    'yaml: unmarshal errors:\n  line 3: field evaluation_interval not found in type rulefmt.RuleGroup\n  line 7: field labelz not found in type rulefmt.RuleNode',
  ]],
  ['bad-duration.bad.yml', ['not a valid duration string: "5x"']],
];

describe('rule files', () => {
  for (const [file, want] of badCases) {
    it(`rejects ${file} with promtool's messages`, async () => {
      const res = await loadRuleFile(td(file), lezerParse);
      expect(res.errors.map((e) => e.detail)).toEqual(want);
      expect(res.errors.every((e) => e.message.startsWith(td(file) + ': '))).toBe(true);
      expect(res.groups).toEqual([]);
    });
  }

  it('names file, group, rule index and YAML line in the error context', async () => {
    const res = await loadRuleFile(td('bad-names.bad.yml'), lezerParse);
    expect(res.errors[0]!.context).toMatchObject({ file: td('bad-names.bad.yml'), group: 'g', rule: 1, ruleName: '1bad-name', line: 4, column: 17 });
    expect(res.errors[1]!.context).toMatchObject({ group: 'g', rule: 2, ruleName: 'BadLabel', line: 6 });
  });

  it('reports malformed YAML with its line', () => {
    const res = parseRuleFile('groups:\n  - name: g\n    rules:\n      - record: a:b\n        expr: [unclosed\n', 'm.yml', lezerParse);
    expect(res.errors).toHaveLength(1);
    expect(res.errors[0]!.message).toMatch(/^m\.yml: yaml: line \d+: /);
  });

  it('loads a good file into typed groups', async () => {
    const res = await loadRuleFile(td('good.yml'), lezerParse);
    expect(res.errors).toEqual([]);
    expect(res.groups.map((g) => [g.name, g.intervalMs, g.limit, g.rules.length])).toEqual([['node', 30000, 10, 2], ['empty', undefined, 0, 0]]);
    const alert = res.groups[0]!.rules[1]!;
    expect(alert).toMatchObject({ kind: 'alerting', name: 'InstanceDown', expr: 'up == 0', forMs: 300000, keepFiringForMs: 60000, line: 10 });
    expect(alert.annotations.summary).toBe('Instance {{ $labels.instance }} down');
    expect(res.groups[0]!.rules[0]).toMatchObject({ kind: 'recording', name: 'job:up:sum', labels: { team: 'infra' } });
  });

  it('accepts query_offset and treats an empty document as no groups', () => {
    const res = parseRuleFile('groups:\n- name: g\n  query_offset: 1m\n  rules:\n  - record: a:b\n    expr: up\n', 'q.yml', lezerParse);
    expect(res.errors).toEqual([]);
    expect(res.groups[0]!.queryOffsetMs).toBe(60000);
    expect(parseRuleFile('', 'e.yml', lezerParse)).toEqual({ groups: [], errors: [] });
  });

  it('passes expressions to the injected parser and reports its text', () => {
    const seen: string[] = [];
    const res = parseRuleFile('groups:\n- name: g\n  rules:\n  - record: a:b\n    expr: up\n', 'x.yml', (e) => { seen.push(e); return 'boom'; });
    expect(seen).toEqual(['up']);
    expect(res.errors[0]!.detail).toBe('5:11: group "g", rule 1, "a:b": could not parse expression: boom');
  });

  it('loads the alert-generator compliance rule file', async () => {
    const file = conformancePath('alertmanager', 'alert-generator', 'rules.yaml');
    const res = await loadRuleFile(file, lezerParse);
    expect(res.errors.map((e) => e.message)).toEqual([]);
    expect(res.groups.map((g) => g.name)).toEqual(['NewAlerts_OrderCheck', 'PendingAndFiringAndResolved', 'PendingAndResolved_AlwaysInactive', 'ZeroFor_SmallFor']);
    expect(res.groups.reduce((n, g) => n + g.rules.length, 0)).toBe(7);
    expect(res.groups[0]!.intervalMs).toBe(30000);
  });

  it('prints like promtool check rules', async () => {
    const good = await checkRules([td('good.yml')], lezerParse);
    expect(good.ok).toBe(true);
    expect(good.summary).toBe(`Checking ${td('good.yml')}\n  SUCCESS: 2 rules found\n\n`);
    const bad = await checkRules([td('good.yml'), td('duplicate-group.bad.yml'), td('missing.yml')], lezerParse);
    expect(bad.ok).toBe(false);
    expect(bad.summary).toContain(`Checking ${td('duplicate-group.bad.yml')}\n  FAILED:\n${td('duplicate-group.bad.yml')}: 6:5: groupname: "a" is repeated in the same file\n\n`);
    expect(bad.summary).toContain(`Checking ${td('missing.yml')}\n  FAILED:\n${td('missing.yml')}: ENOENT`);
    expect(bad.errors).toHaveLength(2);
  });
});
