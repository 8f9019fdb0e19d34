import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

import { buildRouteTree, parseAlertmanagerConfig } from '../../pipeline/alert/notify/index.js';
import { parseExpr, PromqlParseError } from '../../pipeline/promql/index.js';
import { compileSelectorRegexp } from '../../schemas/regexp/index.js';
import { temporaryDirectory } from '../harness/temporary-directory.js';

const run = promisify(execFile);

/**
 * What a PromQL `=~` matcher does with each RE2 construct, as Go's regexp does it. Every row is
 * also checked against Prometheus itself (`promtool test rules`) except the rows marked: `newline`
 * rows depend on `.` matching a newline, which Prometheus does since 3.0 (Debian's promtool is
 * 2.42); `go122` rows are syntax newer than the Go that built it.
 */
interface Row {
  readonly re: string;
  readonly value: string;
  readonly match: boolean;
  readonly newline?: true;
  readonly go122?: true;
}

const rows: Row[] = [
  { re: '\\d+', value: '0123', match: true },
  { re: '\\d', value: '\u0665', match: false }, // Arabic-Indic five: \d is ASCII only
  { re: '\\w+', value: 'a_Z9', match: true },
  { re: '\\w', value: 'é', match: false },
  { re: '\\s', value: ' ', match: true },
  { re: '\\s', value: '\u000b', match: false }, // vertical tab is not \s in RE2
  { re: '\\s', value: '\u00a0', match: false },
  { re: '.*\\bfoo\\b.*', value: 'a foo-b', match: true },
  { re: '.*\\bfoo\\b.*', value: 'afoo', match: false },
  { re: '[[:^digit:]]+', value: 'ab', match: true },
  { re: '[[:^digit:]]+', value: 'a1', match: false },
  { re: '[[:alpha:]]+', value: 'abcXYZ', match: true },
  { re: '[[:alpha:]]', value: 'é', match: false },
  { re: '[[:punct:][:space:]]+', value: '!- ', match: true },
  { re: '\\pL+', value: 'héllo', match: true },
  { re: '\\pL+', value: 'a1', match: false },
  { re: '\\p{Greek}+', value: 'αβγ', match: true },
  { re: '\\p{Greek}+', value: 'abc', match: false },
  { re: '\\PL', value: '1', match: true },
  { re: '\\Qa.b\\E', value: 'a.b', match: true },
  { re: '\\Qa.b\\E', value: 'axb', match: false },
  { re: '\\Q(?=\\Ex', value: '(?=x', match: true },
  { re: 'a\\z', value: 'a', match: true },
  { re: '\\Aa', value: 'a', match: true },
  { re: '(?i)foo', value: 'FoO', match: true },
  { re: '(?i)k', value: '\u212a', match: true }, // Kelvin sign folds to k
  { re: '(?i)s.*', value: '\u017fx', match: true }, // long s folds to s
  { re: '((?i)PRO).*', value: 'production', match: true },
  { re: '((?i)PRO).*', value: 'PROD', match: true },
  { re: '((?i)PRO).*', value: 'xpro', match: false },
  { re: '(?i:a)b', value: 'AB', match: false },
  { re: '(?i).*tail.*', value: 'a-DeTail-b', match: true },
  { re: '(?U)a+', value: 'aaa', match: true },
  { re: '(?U)(a+?)', value: 'aaa', match: true },
  { re: '(?P<n>a)b', value: 'ab', match: true },
  { re: '(?<n>a)b', value: 'ab', match: true, go122: true },
  { re: '(?P<n>a)|(?P<n>b)', value: 'b', match: true }, // Go allows a name twice
  { re: '[(?P<n>]+(?P<n>x)', value: 'n>x', match: true },
  { re: '(?:ab)+', value: 'abab', match: true },
  { re: '(?:ab)+', value: 'aba', match: false },
  { re: '.', value: '😀', match: true }, // one rune, two UTF-16 units
  { re: '..', value: '😀', match: false },
  { re: '[^a]', value: '😀', match: true },
  { re: '\\x{1F600}', value: '😀', match: true },
  { re: 'a|', value: '', match: true },
  { re: 'a|', value: 'a', match: true },
  { re: 'a|', value: 'b', match: false },
  { re: '(|a)b', value: 'b', match: true },
  { re: '', value: '', match: true },
  { re: '', value: 'x', match: false },
  { re: 'a.c', value: 'abc', match: true },
  { re: 'a.c', value: 'a\nc', match: true, newline: true },
  { re: '(?-s)a.c', value: 'a\nc', match: false, newline: true },
  { re: '.*', value: 'x\ny', match: true, newline: true },
  { re: '.+', value: '', match: false },
  { re: 'b', value: 'abc', match: false }, // fully anchored
  { re: 'a|ab', value: 'ab', match: true }, // anchored around the whole alternation
  { re: 'n.*|a.*', value: 'node', match: true },
  { re: 'n.*|a.*', value: 'xa', match: false },
  { re: 'foo|bar|baz', value: 'bar', match: true },
  { re: 'foo|bar|baz', value: 'foobar', match: false },
  { re: 'api-(eu|us)-[0-9]+', value: 'api-us-12', match: true },
  { re: 'a{2,3}', value: 'aaaa', match: false },
  { re: '[]a]+', value: ']a', match: true },
  { re: '\\.', value: '.', match: true },
  { re: '\\.', value: 'x', match: false },
];

/**
 * Go's messages, as Prometheus prints them after `parse error: `. Prometheus 3 parses the
 * expression alone before anchoring it; 2.42 (Debian's promtool) parsed `^(?:re)$`, so for the
 * rows marked `wrapped` its message quotes the anchored text instead (it still rejects them).
 */
const rejected: ReadonlyArray<readonly [string, string, 'wrapped'?]> = [
  ['(?=a)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`'],
  ['(?!a)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?!`'],
  ['a\\1', 'error parsing regexp: invalid escape sequence: `\\1`'],
  ['\\C', 'error parsing regexp: invalid escape sequence: `\\C`'],
  ['\\Z', 'error parsing regexp: invalid escape sequence: `\\Z`'],
  ['a**', 'error parsing regexp: invalid nested repetition operator: `**`'],
  ['[[:foo:]]', 'error parsing regexp: invalid character class range: `[:foo:]`'],
  ['\\p{Foo}', 'error parsing regexp: invalid character class range: `\\p{Foo}`'],
  ['(a', 'error parsing regexp: missing closing ): `(a`', 'wrapped'],
  ['a)|(b', 'error parsing regexp: unexpected ): `a)|(b`'],
  ['[a', 'error parsing regexp: missing closing ]: `[a`', 'wrapped'],
  ['a{1001}', 'error parsing regexp: invalid repeat count: `{1001}`'],
  ['*', 'error parsing regexp: missing argument to repetition operator: `*`'],
];

const promql = (re: string) => `\`${re}\``;

describe('RE2 in label matchers', () => {
  describe.each(rows)('$re against $value', ({ re, value, match }) => {
    it(`${match ? 'matches' : 'does not match'}`, () => {
      expect(compileSelectorRegexp(re).test(value)).toBe(match);
      expect(compileSelectorRegexp(re).test(value)).toBe(match); // again, from the compile cache
    });
  });

  it.each(rejected.map(([re, message]) => [re, message] as const))('rejects %s with Go\'s error message', (re, message) => {
    expect(() => compileSelectorRegexp(re)).toThrow(message);
    expect(() => parseExpr(`t{v=~${promql(re)}}`)).toThrow(new PromqlParseError(`t{v=~${promql(re)}}`, { start: 2, end: 6 + re.length }, message).message);
  });

  it('answers every row as Prometheus does (promtool test rules)', async () => {
    const checked = rows.map((r, i) => ({ ...r, i })).filter((r) => !r.newline && !r.go122);
    const dir = temporaryDirectory('tidemark-re2-');
    const file = join(dir, 'regex.test.yml');
    writeFileSync(file, stringify({
      tests: [{
        interval: '1m',
        input_series: checked.map((r) => ({ series: `t{case="${r.i}", v=${JSON.stringify(r.value)}}`, values: '1' })),
        promql_expr_test: checked.map((r) => ({
          expr: `count(t{case="${r.i}", v=~${promql(r.re)}}) or vector(0)`,
          eval_time: '0',
          exp_samples: [{ labels: '{}', value: r.match ? 1 : 0 }],
        })),
      }],
    }));
    const res = await run('promtool', ['test', 'rules', file]).catch((err: { stdout: string; stderr: string }) => err);
    expect(`${res.stdout}${res.stderr}`).not.toContain('FAILED');
    expect(res.stdout).toContain('SUCCESS');
  });

  it('routes alerts by RE2 matchers as Alertmanager does (amtool config routes test)', async () => {
    // Alertmanager anchors as ^(?:re)$: `.` does not match a newline there.
    const config = `route:
  receiver: default
  routes:
    - { receiver: tail, matchers: ['route=~"(?i).*tail.*"'] }
    - { receiver: newline, matchers: ['x=~"a.b"'] }
    - { receiver: classes, match_re: { g: '\\p{Greek}+|[[:^digit:]]{2}' } }
    - { receiver: astral, matchers: ['e=~"."'] }
receivers: [{ name: default }, { name: tail }, { name: newline }, { name: classes }, { name: astral }]
`;
    const dir = temporaryDirectory('tidemark-re2-');
    const file = join(dir, 'alertmanager.yml');
    writeFileSync(file, config);
    const { config: parsed, errors } = parseAlertmanagerConfig(config, {});
    expect(errors).toEqual([]);
    const tree = buildRouteTree(parsed!.route);
    const alerts: Record<string, string>[] = [{ route: '/api/TAIL' }, { route: '/api/head' }, { x: 'a\nb' }, { x: 'a-b' }, { g: 'αβ' }, { g: 'ab' }, { g: 'a1' }, { e: '😀' }];
    for (const labels of alerts) {
      const [k, v] = Object.entries(labels)[0]!;
      const res = await run('amtool', ['config', 'routes', 'test', `--config.file=${file}`, `${k}=${v}`]);
      const ours = tree.match(labels).map((r) => r.opts.receiver).join(',');
      expect(ours, JSON.stringify(labels)).toBe(res.stdout.trim());
    }
  });

  it('rejects what Prometheus rejects, with the same message (promtool check rules)', async () => {
    const dir = temporaryDirectory('tidemark-re2-');
    const file = join(dir, 'rules.yml');
    writeFileSync(file, stringify({
      groups: [{ name: 'g', rules: rejected.map(([re], i) => ({ record: `r${i}`, expr: `t{v=~${promql(re)}}` })) }],
    }));
    const res = await run('promtool', ['check', 'rules', file]).then(
      () => ({ stdout: '', stderr: 'promtool accepted every rule' }),
      (err: { stdout: string; stderr: string }) => err,
    );
    const out = `${res.stdout}${res.stderr}`;
    for (const [i, [, message, wrapped]] of rejected.entries()) {
      const rejection = `rule ${i + 1}, "r${i}": could not parse expression: 1:3: parse error: error parsing regexp: `;
      expect(out).toContain(wrapped ? rejection : `${rejection}${message.slice('error parsing regexp: '.length)}`);
    }
  });
});
