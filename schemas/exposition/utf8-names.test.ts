import { describe, expect, it } from 'vitest';
import { ExpositionParseError } from './errors.js';
import { escapeName, negotiateEscaping } from './name-escaping.js';
import { parseExposition } from './parse-exposition.js';
import { writeText } from './write-text.js';

// Prometheus' TestUTF8PromParse input (model/textparse/promparse_test.go).
const PROM_INPUT = `# HELP "go.gc_duration_seconds" A summary of the GC invocation durations.
# \tTYPE "go.gc_duration_seconds" summary
{"go.gc_duration_seconds",quantile="0"} 4.9351e-05
{"go.gc_duration_seconds",quantile="0.25",} 7.424100000000001e-05
{"go.gc_duration_seconds",quantile="0.5",a="b"} 8.3835e-05
{"go.gc_duration_seconds",quantile="0.8", a="b"} 8.3835e-05
{"go.gc_duration_seconds", quantile="0.9", a="b"} 8.3835e-05
{"go.gc_duration_seconds", quantile="1.0", a="b" } 8.3835e-05
{ "go.gc_duration_seconds", quantile="1.0", a="b" } 8.3835e-05
{ "go.gc_duration_seconds", quantile= "1.0", a= "b", } 8.3835e-05
{ "go.gc_duration_seconds", quantile = "1.0", a = "b" } 8.3835e-05
{"go.gc_duration_seconds_count"} 99
{"Heizölrückstoßabdämpfung 10€ metric with \\"interesting\\" {character\\nchoices}","strange©™\\n'quoted' \\"name\\""="6"} 10.0
`;

// Prometheus' TestUTF8OpenMetricsParse input (model/textparse/openmetricsparse_test.go), but for
// its `{"go.gc_duration_seconds_sum"}` line after the http.status family, which Tidemark's
// OpenMetrics rules refuse as a family appearing twice (legacy names alike); it is moved up to its
// metric point (no labels), since the samples of one point must be contiguous.
const OM_INPUT = `# HELP "go.gc_duration_seconds" A summary of the GC invocation durations.
# TYPE "go.gc_duration_seconds" summary
# UNIT "go.gc_duration_seconds" seconds
{"go.gc_duration_seconds",quantile="0"} 4.9351e-05
{"go.gc_duration_seconds",quantile="0.25"} 7.424100000000001e-05
{"go.gc_duration_seconds_sum"} 0.004304266
{"go.gc_duration_seconds",quantile="0.5",a="b"} 8.3835e-05
{"http.status",q="0.9",a="b"} 8.3835e-05
{"http.status",q="0.9",a="b"} 8.3835e-05
{q="0.9","http.status",a="b"} 8.3835e-05
{"Heizölrückstoßabdämpfung 10€ metric with \\"interesting\\" {character\\nchoices}","strange©™\\n'quoted' \\"name\\""="6"} 10.0
# EOF
`;

const STRANGE_NAME = 'Heizölrückstoßabdämpfung 10€ metric with "interesting" {character\nchoices}';
const STRANGE_LABEL = 'strange©™\n\'quoted\' "name"';

function samplesOf(text: string, format: 'prometheus' | 'openmetrics') {
  return parseExposition(text, { format, strict: false }).families.flatMap((f) => f.samples.map((s) => [f.name, f.type, s.labels, s.value]));
}

function errorOf(text: string, format: 'prometheus' | 'openmetrics'): string {
  try {
    parseExposition(text, { format });
  } catch (e) {
    if (e instanceof ExpositionParseError) return e.message;
    throw e;
  }
  throw new Error(`expected a parse error for ${JSON.stringify(text)}`);
}

describe('UTF-8 metric and label names in the text format', () => {
  it("reads Prometheus' UTF-8 test page: quoted names in HELP, TYPE and first in the braces, blanks and trailing commas as Prometheus allows", () => {
    const gc = 'go.gc_duration_seconds';
    const q = (v: string, a?: string) => ({ __name__: gc, quantile: v, ...(a === undefined ? {} : { a }) });
    expect(samplesOf(PROM_INPUT, 'prometheus')).toEqual([
      [gc, 'summary', q('0'), 4.9351e-05],
      [gc, 'summary', q('0.25'), 7.424100000000001e-05],
      [gc, 'summary', q('0.5', 'b'), 8.3835e-05],
      [gc, 'summary', q('0.8', 'b'), 8.3835e-05],
      [gc, 'summary', q('0.9', 'b'), 8.3835e-05],
      [gc, 'summary', q('1.0', 'b'), 8.3835e-05],
      [gc, 'summary', q('1.0', 'b'), 8.3835e-05],
      [gc, 'summary', q('1.0', 'b'), 8.3835e-05],
      [gc, 'summary', q('1.0', 'b'), 8.3835e-05],
      [gc, 'summary', { __name__: `${gc}_count` }, 99],
      [STRANGE_NAME, 'unknown', { __name__: STRANGE_NAME, [STRANGE_LABEL]: '6' }, 10],
    ]);
    expect(parseExposition(PROM_INPUT).families[0].help).toBe('A summary of the GC invocation durations.');
  });

  it('reads a quoted label name after a legacy metric name, and does not take an unquoted dotted name for it on the next line', () => {
    expect(samplesOf('foo{"a.b"="1"} 1\nfoo{"a.b"="2"} 2\n', 'prometheus').map((s) => s[2])).toEqual([{ __name__: 'foo', 'a.b': '1' }, { __name__: 'foo', 'a.b': '2' }]);
    expect(errorOf('foo{"a.b"="1"} 1\nfoo{a.b="2"} 2\n', 'prometheus')).toMatch(/line 2, column 6: expected '=' after label name/);
  });

  it.each([
    ['a quoted name after a metric name', 'foo{"x"} 1\n', /metric name already set/],
    ['two quoted names', '{"a","b"} 1\n', /metric name already set/],
    ['braces without a name', '{a="ok"} 1\n', /missing metric name/],
    ['empty braces', '{} 1\n', /missing metric name/],
    ['a quoted name without a closing quote', '{"a} 1\n', /unescaped new-line/],
    ['a quoted label name missing its equals sign', '{"a", "b" "c"} 1\n', /column 7: metric name already set while parsing: "b"/],
    ['a non-float quantile of a summary named in braces', '# TYPE "s.x" summary\n{"s.x",quantile="x"} 1\n', /expected float as value for 'quantile' label/],
  ])('fails on %s', (_, text, message) => {
    expect(errorOf(text, 'prometheus')).toMatch(message);
  });
});

describe('UTF-8 metric and label names in OpenMetrics', () => {
  it("reads Prometheus' UTF-8 test page: quoted names in metadata and anywhere in the braces", () => {
    const gc = 'go.gc_duration_seconds';
    const http = { __name__: 'http.status', q: '0.9', a: 'b' };
    expect(samplesOf(OM_INPUT, 'openmetrics')).toEqual([
      [gc, 'summary', { __name__: gc, quantile: '0' }, 4.9351e-05],
      [gc, 'summary', { __name__: gc, quantile: '0.25' }, 7.424100000000001e-05],
      [gc, 'summary', { __name__: `${gc}_sum` }, 0.004304266],
      [gc, 'summary', { __name__: gc, quantile: '0.5', a: 'b' }, 8.3835e-05],
      ['http.status', 'unknown', http, 8.3835e-05],
      ['http.status', 'unknown', http, 8.3835e-05],
      ['http.status', 'unknown', http, 8.3835e-05],
      [STRANGE_NAME, 'unknown', { __name__: STRANGE_NAME, [STRANGE_LABEL]: '6' }, 10],
    ]);
    const fam = parseExposition(OM_INPUT, { format: 'openmetrics', strict: false }).families[0];
    expect([fam.help, fam.unit]).toEqual(['A summary of the GC invocation durations.', 'seconds']);
  });

  it('reads a quoted exemplar label name', () => {
    const r = parseExposition('# TYPE c counter\nc_total 1 # {"id.thing"="x"} 4\n# EOF\n', { format: 'openmetrics' });
    expect(r.families[0].samples[0].exemplar).toEqual({ labels: { 'id.thing': 'x' }, value: 4 });
  });

  it.each([
    ['a quoted name after a metric name', 'foo{"x"} 1\n# EOF\n', /unexpected metric name "x"/],
    ['a quoted name in exemplar labels', 'a 1 # {"x"} 1\n# EOF\n', /unexpected metric name "x"/],
    ['braces without a name', '{a="ok"} 1\n# EOF\n', /expected metric name/],
    ['an unterminated quoted name', '# TYPE "a gauge\n# EOF\n', /unterminated quoted name/],
  ])('fails on %s', (_, text, message) => {
    expect(errorOf(text, 'openmetrics')).toMatch(message);
  });
});

describe('writing UTF-8 names', () => {
  const families = [{ name: 'my.metric', type: 'gauge' as const, help: 'h', samples: [{ labels: { __name__: 'my.metric', 'label.name': 'x', job: 'j' }, value: 1 }] }];

  it('quotes names that are not legacy ones, and reads back what it wrote, in both formats', () => {
    const text = writeText(families);
    expect(text).toBe('# HELP "my.metric" h\n# TYPE "my.metric" gauge\n{"my.metric","label.name"="x",job="j"} 1\n');
    expect(samplesOf(text, 'prometheus')).toEqual([['my.metric', 'gauge', { __name__: 'my.metric', 'label.name': 'x', job: 'j' }, 1]]);
    const om = writeText(families, { format: 'openmetrics' });
    expect(samplesOf(om, 'openmetrics')).toEqual([['my.metric', 'gauge', { __name__: 'my.metric', 'label.name': 'x', job: 'j' }, 1]]);
  });

  it.each([
    ['underscores', '# HELP my_metric h\n# TYPE my_metric gauge\nmy_metric{label_name="x",job="j"} 1\n'],
    ['dots', '# HELP my_dot_metric h\n# TYPE my_dot_metric gauge\nmy_dot_metric{label_dot_name="x",job="j"} 1\n'],
    ['values', '# HELP U__my_2e_metric h\n# TYPE U__my_2e_metric gauge\nU__my_2e_metric{U__label_2e_name="x",job="j"} 1\n'],
  ] as const)('escapes names with escaping=%s', (scheme, expected) => {
    expect(writeText(families, { escaping: scheme })).toBe(expected);
  });
});

describe('name escaping schemes', () => {
  // Cases of prometheus/common model's TestEscapeName.
  it.each([
    ['', '', '', ''],
    ['no:escaping_required', 'no:escaping_required', 'no:escaping__required', 'no:escaping_required'],
    ['mysystem.prod.west.cpu.load', 'mysystem_prod_west_cpu_load', 'mysystem_dot_prod_dot_west_dot_cpu_dot_load', 'U__mysystem_2e_prod_2e_west_2e_cpu_2e_load'],
    ['mysystem.prod.west.cpu.load_total', 'mysystem_prod_west_cpu_load_total', 'mysystem_dot_prod_dot_west_dot_cpu_dot_load__total', 'U__mysystem_2e_prod_2e_west_2e_cpu_2e_load__total'],
    ['http.status:sum', 'http_status:sum', 'http_dot_status:sum', 'U__http_2e_status:sum'],
    ['label with 😱', 'label_with__', 'label__with____', 'U__label_20_with_20__1f631_'],
    ['label with \u{0010ffff}', 'label_with__', 'label__with____', 'U__label_20_with_20__10ffff_'],
  ])('escapes %j', (name, underscores, dots, values) => {
    expect([escapeName(name, 'underscores'), escapeName(name, 'dots'), escapeName(name, 'values'), escapeName(name, 'allow-utf-8')]).toEqual([underscores, dots, values, name]);
  });

  it('takes the escaping an Accept header asks for, a known one only, underscores when none is asked for', () => {
    expect(negotiateEscaping(undefined)).toBe('underscores');
    expect(negotiateEscaping('text/plain;version=0.0.4')).toBe('underscores');
    expect(negotiateEscaping('text/plain;version=1.0.0;escaping=allow-utf-8')).toBe('allow-utf-8');
    expect(negotiateEscaping('application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited; escaping=dots')).toBe('dots');
    expect(negotiateEscaping('text/plain;escaping=latin1')).toBe('underscores');
  });
});
