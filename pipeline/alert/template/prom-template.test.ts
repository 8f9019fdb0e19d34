import { describe, expect, it } from 'vitest';
import { alertTemplateData, checkAlertTemplate, expandAlertTemplate } from './prom-template.js';

// Expected strings were produced by Prometheus 2.42 itself (`promtool test rules` printing the
// expanded annotations of an alert whose expr is vector(1234567.0)).
const oracle: Array<[string, string]> = [
  ['{{humanize 1048576}} {{humanize1024 1048576}} {{humanizeDuration 135.3563}} {{humanizePercentage 0.959}} {{humanizeTimestamp 1643114203}}',
    '1.049M 1Mi 2m 15s 95.9% 2022-01-25 12:36:43 +0000 UTC'],
  ['{{title "this part"}} {{toUpper "is testing"}} {{toLower "THE STRINGS"}}. {{ stripPort "[::1]:6006"}} {{ stripPort "127.0.0.1:4004"}}. {{parseDuration "2h10m15s"}}. {{if match "[0-9]+" "1234"}}{{reReplaceAll "r.*d" "replaced" "rpld text"}}{{end}}.',
    'This Part IS TESTING the strings. ::1 127.0.0.1. 7815. replaced text.'],
  ['{{ $value }} {{ .Value }} {{ printf "%.2f" $value }} {{ $labels.sev }} {{ $labels.missing }} {{ printf "%v|%6.2f|%-4d|%x|%q|%e|%g" 0.00001 3.14159 7 255 "a\\"b" 1234.5678 100000000.0 }}',
    '1.234567e+06 1.234567e+06 1234567.00   1e-05|  3.14|7   |ff|"a\\"b"|1.234568e+03|1e+08'],
  ['{{ humanize 0.000123 }} {{ humanize 0 }} {{ humanizeDuration 0.0012 }} {{ humanizeDuration 90061 }} {{ humanize1024 0.5 }} {{ humanize "12345" }} {{ printf "%T %T" 1 1.0 }} {{ reReplaceAll "(a)(b)" "$2${1}x$1x" "abab" }}',
    '123u 0 1.2ms 1d 1h 1m 1s 0.5 12.35k int float64 baxbax'],
  ['{{ print 1 2 "a" "b" 3 }} {{ printf "%d %s" 1 }} {{ printf "%d" 1 2 }} {{ printf "%d" "s" }} {{ len "héllo" }} {{ index (args 1 2) "arg1" }} {{ printf "%5.1f|%05d|%+d|%X|%o|%b|%c|%U|%t" 3.14159 -42 5 255 8 5 65 128512 true }}',
    '1 2ab3 1 %!s(MISSING) 1%!(EXTRA int=2) %!d(string=s) 6 2   3.1|-0042|+5|FF|10|101|A|U+1F600|true'],
  ['{{ 1e6 }} {{ 123456.0 }} {{ 0.1 }} {{ -0.0001 }} {{ 2.5e-5 }} {{ 1e21 }} {{ printf "%.3g|%.0f|%.1e|%G" 0.00012345 2.5 0.000123 1e-7 }} {{ humanizePercentage 0.123456 }} {{ title "hELLO wORLD-foo_bar" }}',
    '1e+06 123456 0.1 -0.0001 2.5e-05 1e+21 0.000123|2|1.2e-04|1E-07 12.35% HELLO WORLD-Foo_bar'],
];

describe('Prometheus alert templates', () => {
  const data = alertTemplateData({}, {}, 'http://prom.example:9090', 1234567);

  oracle.forEach(([text, want], i) => {
    it(`expands like Prometheus 2.42 (case ${i + 1})`, async () => {
      expect(await expandAlertTemplate('A', text, data, 0)).toBe(want);
    });
  });

  it('matches and replaces with Go regexp semantics (RE2 syntax, ${name}, empty matches)', async () => {
    // Expected as Prometheus 2.42 expands it (promtool test rules on an alert annotation).
    const text = '{{ if match "(?i)^err" "ERROR: x" }}y{{ end }} {{ reReplaceAll "(?P<host>[^:]+):(?P<port>\\\\d+)" "${port}@$host" "db:5432" }} {{ reReplaceAll "a*" "-" "baac" }} {{ reReplaceAll "\\\\pL" "_" "é1ü" }} {{ reReplaceAll "(?U)(a+)" "<$1>" "aaa" }} {{ reReplaceAll "" "." "😀b" }} {{ reReplaceAll "(?P<n>a)|(?P<n>b)" "[$n]" "ab" }}';
    expect(await expandAlertTemplate('A', text, data, 0)).toBe('y 5432@db -b-c- _1_ <a><a><a> .😀.b. [a][b]');
  });

  it('exposes $labels, $externalLabels, $externalURL and $value', async () => {
    const d = alertTemplateData({ instance: 'host:9100', job: 'node' }, { cluster: 'eu1' }, 'http://x/prom', 0.5);
    const out = await expandAlertTemplate('HighLoad', '{{ $labels.instance }} in {{ $externalLabels.cluster }} at {{ $externalURL }} is {{ $value | humanizePercentage }} ({{ .Labels.job }})', d, 0);
    expect(out).toBe('host:9100 in eu1 at http://x/prom is 50% (node)');
  });

  it('runs query through the injected QueryFunc (alert-generator template_query_test)', async () => {
    const text = `{{ define "testtemplate" }}Args are: {{.arg0}} {{.arg1}} {{.arg2}}. {{ with query "alert_generator_test_suite{rulegroup='ZeroFor_SmallFor',for='template'}" }}first_id:{{ . | sortByLabel "id" | first | label "id"}},{{ range $v := sortByLabel "id" .}}{{ . | label "id" }}:{{ . | value }},{{end}}{{end}}{{ end }}{{ template "testtemplate" (args "foo" "bar" 99) }}`;
    const seen: Array<[string, number]> = [];
    const out = await expandAlertTemplate('T', text, data, 1234, {
      query: async (q, ts) => {
        seen.push([q, ts]);
        return [{ labels: { id: 'b' }, value: 2 }, { labels: { id: 'a' }, value: 1.5 }];
      },
    });
    expect(out).toBe('Args are: foo bar 99. first_id:a,a:1.5,b:2,');
    expect(seen).toEqual([["alert_generator_test_suite{rulegroup='ZeroFor_SmallFor',for='template'}", 1234]]);
  });

  it('answers each expansion of the same template from its own data and queries, also when they interleave', async () => {
    const text = '{{ $labels.instance }}: {{ with query "up" }}{{ . | first | value }}{{ end }}';
    const answer = (v: number) => async () => {
      await new Promise((r) => setImmediate(r));
      return [{ labels: {}, value: v }];
    };
    const [a, b] = await Promise.all([
      expandAlertTemplate('Same', text, alertTemplateData({ instance: 'a' }, {}, '', 1), 0, { query: answer(1) }),
      expandAlertTemplate('Same', text, alertTemplateData({ instance: 'b' }, {}, '', 2), 0, { query: answer(2) }),
    ]);
    expect([a, b]).toEqual(['a: 1', 'b: 2']);
    await expect(expandAlertTemplate('Same', text, alertTemplateData({ instance: 'c' }, {}, '', 3), 0)).rejects.toThrow('query is not available');
  });

  it('reports failures with Prometheus prefixes', async () => {
    await expect(expandAlertTemplate('X', '{{ first (query "up") }}', data, 0, { query: () => [] }))
      .rejects.toThrow('error executing template __alert_X: template: __alert_X:1:115: executing "__alert_X" at <first (query "up")>: error calling first: first() called on vector with no elements');
    await expect(expandAlertTemplate('X', '{{ if }}', data, 0)).rejects.toThrow('error parsing template __alert_X: template: __alert_X:1: missing value for if');
  });

  it('checks template syntax the way promtool does', () => {
    expect(checkAlertTemplate('A', 'value {{ $value | humanize }}')).toBeNull();
    expect(checkAlertTemplate('A', '{{ nosuchfn 1 }}')).toBe('template: __alert_A:1: function "nosuchfn" not defined');
  });
});
