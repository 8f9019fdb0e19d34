import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExpositionParseError, parseExposition, type ParsedExposition } from '../../schemas/exposition/index.js';
import { conformancePath } from './conformance-dir.js';

// Runs every case of test/conformance/testdata/exposition (see its FORMAT.md) against our parsers.
const ROOT = conformancePath('exposition') + '/';

interface OmCase {
  readonly name: string;
  readonly bytes: Buffer;
  readonly shouldParse: boolean;
  readonly comment?: string;
}

function omCases(): OmCase[] {
  const dir = join(ROOT, 'openmetrics');
  return readdirSync(dir)
    .filter((d) => statSync(join(dir, d, 'test.json'), { throwIfNoEntry: false })?.isFile())
    .sort()
    .map((d) => {
      const meta = JSON.parse(readFileSync(join(dir, d, 'test.json'), 'utf8')) as { file: string; shouldParse: boolean; comment?: string };
      return { name: d, bytes: readFileSync(join(dir, d, meta.file)), shouldParse: meta.shouldParse, comment: meta.comment };
    });
}

function outcome(bytes: Uint8Array, format: 'prometheus' | 'openmetrics'): ParsedExposition | ExpositionParseError {
  try {
    return parseExposition(bytes, { format });
  } catch (e) {
    if (e instanceof ExpositionParseError) return e;
    throw e; // anything else is a bug, and fails the case loudly
  }
}

const om = omCases();
const promDir = join(ROOT, 'prometheus-text', 'expfmt-fuzz-corpus');
const promFiles = readdirSync(promDir).sort();

describe('OpenMetrics conformance cases', () => {
  it('finds all 158 cases', () => {
    expect(om.length).toBe(158);
  });

  for (const c of om) {
    const what = c.shouldParse ? 'accepts' : 'rejects';
    it(`${what} ${c.name}${c.comment ? ` (${c.comment})` : ''}`, () => {
      const r = outcome(c.bytes, 'openmetrics');
      if (c.shouldParse) {
        expect(r instanceof ExpositionParseError ? r.message : 'parsed').toBe('parsed');
      } else {
        expect(r).toBeInstanceOf(ExpositionParseError);
        const e = r as ExpositionParseError;
        expect(e.line).toBeGreaterThanOrEqual(1);
        expect(e.column).toBeGreaterThanOrEqual(1);
      }
    });
  }
});

describe('Prometheus text format corpus (expfmt fuzz seeds)', () => {
  it('finds all 26 inputs', () => {
    expect(promFiles.length).toBe(26);
  });

  for (const f of promFiles) {
    const valid = !f.startsWith('from_test_parse_error_');
    it(`${valid ? 'accepts' : 'rejects'} ${f}`, () => {
      const r = outcome(readFileSync(join(promDir, f)), 'prometheus');
      if (valid) expect(r instanceof ExpositionParseError ? r.message : 'parsed').toBe('parsed');
      else expect(r).toBeInstanceOf(ExpositionParseError);
    });
  }
});

function sampleLines(text: string): number {
  return text.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#')).length;
}

function parsed(r: ParsedExposition | ExpositionParseError): ParsedExposition {
  if (r instanceof ExpositionParseError) throw r;
  return r;
}

describe('larger real-world expositions', () => {
  const tp = join(ROOT, 'prometheus-text', 'textparse-testdata');
  const ef = join(ROOT, 'prometheus-text', 'expfmt-testdata');

  it('parses expfmt-testdata/text into one sample per sample line', () => {
    const bytes = readFileSync(join(ef, 'text'));
    const r = parsed(outcome(bytes, 'prometheus'));
    expect(r.samples.length).toBe(sampleLines(bytes.toString('utf8')));
    const summary = r.families.find((f) => f.name === 'http_request_duration_microseconds');
    expect(summary?.type).toBe('summary');
    expect(summary?.help).toBe('The HTTP request latencies in microseconds.');
  });

  it('parses alltypes.237mfs.prom.txt into 237 families with the same samples as its copy without metadata', () => {
    const withMeta = readFileSync(join(tp, 'alltypes.237mfs.prom.txt'));
    const noMeta = readFileSync(join(tp, 'alltypes.237mfs.nometa.prom.txt'));
    const a = parsed(outcome(withMeta, 'prometheus'));
    const b = parsed(outcome(noMeta, 'prometheus'));
    expect(a.families.filter((f) => f.samples.length > 0).length).toBe(237);
    expect(a.samples.length).toBe(sampleLines(withMeta.toString('utf8')));
    expect(b.samples).toEqual(a.samples);
    const types = new Set(a.families.map((f) => f.type));
    expect([...types].sort()).toEqual(['counter', 'gauge', 'histogram', 'summary']);
  });

  it('parses 1histogram.om.txt under the strict OpenMetrics rules', () => {
    const bytes = readFileSync(join(tp, '1histogram.om.txt'));
    const r = parsed(outcome(bytes, 'openmetrics'));
    expect(r.families.length).toBe(1);
    expect(r.families[0].type).toBe('histogram');
    expect(r.samples.length).toBe(sampleLines(bytes.toString('utf8')));
  });

  // Deliberate deviation (FORMAT.md): this file is valid for Prometheus but breaks the
  // specification's histogram rules, so only the Prometheus-compatible mode accepts it.
  it('accepts alltypes.5mfs.om.txt in Prometheus-compatible mode, with created timestamps and exemplars', () => {
    const bytes = readFileSync(join(tp, 'alltypes.5mfs.om.txt'));
    const r = parseExposition(bytes, { format: 'openmetrics', strict: false });
    expect(r.families.map((f) => f.name)).toEqual([
      'go_build_info',
      'promhttp_metric_handler_errors',
      'rpc_durations_histogram_seconds',
      'rpc_durations_seconds',
      'rpc_requests',
    ]);
    expect(r.samples.length).toBe(sampleLines(bytes.toString('utf8')));
    const enc = r.samples.find((s) => s.labels.__name__ === 'promhttp_metric_handler_errors_total' && s.labels.cause === 'encoding');
    expect(enc?.createdTimestamp).toBe(1726839813016);
    const withExemplar = r.samples.find((s) => s.labels.le === '-0.0002899999999999998');
    expect(withExemplar?.exemplar).toEqual({ labels: { dummyID: '17783' }, value: -0.0003825067330956884, timestamp: 1726839814224 });
  });

  it('rejects alltypes.5mfs.om.txt under the strict rules, for its negative histogram _sum', () => {
    const r = outcome(readFileSync(join(tp, 'alltypes.5mfs.om.txt')), 'openmetrics');
    expect(r).toBeInstanceOf(ExpositionParseError);
    expect((r as ExpositionParseError).detail).toMatch(/must not be negative/);
  });
});

describe('expected samples of the valid inputs', () => {
  const prom = (f: string) => parsed(outcome(readFileSync(join(promDir, f)), 'prometheus'));
  const omCase = (n: string) => parsed(outcome(om.find((c) => c.name === n)!.bytes, 'openmetrics'));

  it('from_test_parse_0 (only newlines) has no samples', () => {
    expect(prom('from_test_parse_0').samples).toEqual([]);
  });

  it('minimal gives m{} 0', () => {
    expect(prom('minimal').samples).toEqual([{ labels: { __name__: 'm' }, value: 0 }]);
  });

  it('from_test_parse_1 gives untyped samples with timestamps in milliseconds', () => {
    expect(prom('from_test_parse_1').samples).toEqual([
      { labels: { __name__: 'minimal_metric' }, value: 1.234 },
      { labels: { __name__: 'another_metric' }, value: -3e3, timestamp: 103948 },
      { labels: { __name__: 'no_labels' }, value: 3 },
    ]);
  });

  it('from_test_parse_2 unescapes label values and help, and reads NaN, +Inf and -Inf', () => {
    const r = prom('from_test_parse_2');
    expect(r.samples).toEqual([
      { labels: { __name__: 'name', labelname: 'val1', basename: 'basevalue' }, value: NaN },
      { labels: { __name__: 'name', labelname: 'val2', basename: 'base"v\\al\nue' }, value: 0.23, timestamp: 1234567890 },
      { labels: { __name__: 'name2', labelname: 'val2', basename: 'basevalue2' }, value: Infinity, timestamp: 54321 },
      { labels: { __name__: 'name2', labelname: 'val1' }, value: -Infinity },
    ]);
    expect(r.families.find((f) => f.name === 'name')).toMatchObject({ type: 'counter', help: 'two-line\n doc  str\\ing' });
    expect(r.families.find((f) => f.name === 'name2')).toMatchObject({ type: 'gauge', help: 'doc str"ing 2' });
  });

  it('from_test_parse_3 assigns interleaved _sum/_count lines to their summaries', () => {
    const r = prom('from_test_parse_3');
    const my = r.families.find((f) => f.name === 'my_summary')!;
    expect(my.type).toBe('summary');
    expect(my.samples.map((s) => s.labels.__name__)).toEqual([
      'my_summary', 'my_summary', 'my_summary_count', 'my_summary_sum', 'my_summary_count', 'my_summary_sum', 'my_summary', 'my_summary',
    ]);
    expect(r.families.find((f) => f.name === 'fake_sum')?.type).toBe('unknown');
    expect(r.families.find((f) => f.name === 'decoy')?.samples).toEqual([{ labels: { __name__: 'decoy' }, value: -1, timestamp: -2 }]);
    expect(my.samples[7]).toEqual({ labels: { __name__: 'my_summary', n1: 'val1', n2: 'val2', quantile: '-12.34' }, value: NaN });
  });

  it('from_test_parse_4 gives a classic histogram with its buckets', () => {
    const r = prom('from_test_parse_4');
    expect(r.families).toHaveLength(1);
    expect(r.families[0]).toMatchObject({ name: 'request_duration_microseconds', type: 'histogram', help: 'The response latency.' });
    expect(r.samples.map((s) => [s.labels.__name__, s.labels.le, s.value])).toEqual([
      ['request_duration_microseconds_bucket', '100', 123],
      ['request_duration_microseconds_bucket', '120', 412],
      ['request_duration_microseconds_bucket', '144', 592],
      ['request_duration_microseconds_bucket', '172.8', 1524],
      ['request_duration_microseconds_bucket', '+Inf', 2693],
      ['request_duration_microseconds_sum', undefined, 1756047.3],
      ['request_duration_microseconds_count', undefined, 2693],
    ]);
  });

  it('OpenMetrics escaping keeps unknown escapes and decodes \\\\, \\" and \\n', () => {
    const r = omCase('escaping');
    expect(r.families[0]).toMatchObject({ name: 'a', type: 'counter', help: 'he\n\\l\\tp' });
    expect(r.samples.map((s) => s.labels.foo)).toEqual(['b"a\nr', 'b\\a\\z', 'b"a\nr # ', 'b\\a\\z # ']);
  });

  it('OpenMetrics counter exemplars and timestamps are read, timestamps as milliseconds', () => {
    expect(omCase('counter_exemplars').samples).toEqual([
      { labels: { __name__: 'a_total' }, value: 0, timestamp: 123000, exemplar: { labels: { a: 'b' }, value: 0.5 } },
    ]);
    const g = omCase('gaugehistogram_exemplars').samples[2];
    expect(g).toEqual({ labels: { __name__: 'a_bucket', le: '+Inf' }, value: 3, timestamp: 123000, exemplar: { labels: { a: 'd' }, value: 4, timestamp: 123000 } });
  });

  it('OpenMetrics values: big integers, leading zeros, infinities, NaN', () => {
    expect(omCase('uint64_counter').samples[0].value).toBe(9223372036854775808);
    expect(omCase('leading_zeros_float_gauge').samples[0].value).toBe(0.12);
    expect(omCase('labels_and_infinite').samples.map((s) => s.value)).toEqual([Infinity, -Infinity]);
    expect(omCase('nan').samples[0].value).toBeNaN();
  });

  it('OpenMetrics _created becomes the created timestamp of its counter, and units are kept', () => {
    const r = omCase('counter_unit');
    expect(r.families[0]).toMatchObject({ name: 'cc_seconds', type: 'counter', unit: 'seconds', help: 'A counter' });
    expect(r.samples[0]).toEqual({ labels: { __name__: 'cc_seconds_total' }, value: 1, createdTimestamp: 123456 });
  });

  it('OpenMetrics label values may hold braces, # and a NUL in help', () => {
    expect(omCase('labels_with_curly_braces').samples[0].labels).toEqual({ __name__: 'a_total', foo: 'bar', bar: 'b{a}z' });
    expect(omCase('hash_in_label_value').samples.map((s) => s.labels.foo)).toEqual(['foo # bar', '} foo # bar # ']);
    expect(omCase('null_byte').families[0].help).toBe('he\0lp');
    expect(omCase('no_newline_after_eof').samples).toEqual([{ labels: { __name__: 'a' }, value: 1 }]);
  });

  it('OpenMetrics stateset, info and summary samples keep their special labels', () => {
    expect(omCase('simple_stateset').samples.map((s) => [s.labels.a, s.value])).toEqual([['bar', 0], ['foo', 1]]);
    expect(omCase('info_timestamps').samples.map((s) => s.timestamp)).toEqual([1000, 0]);
    expect(omCase('summary_quantiles').samples.map((s) => s.labels.quantile)).toEqual([undefined, undefined, '0.5', '1']);
  });
});
