import { describe, expect, it } from 'vitest';
import { ExpositionParseError } from './errors.js';
import { createParser, parseExposition } from './parse-exposition.js';

function errorOf(text: string | Uint8Array): ExpositionParseError {
  try {
    parseExposition(text, { format: 'prometheus' });
  } catch (e) {
    if (e instanceof ExpositionParseError) return e;
    throw e;
  }
  throw new Error('expected a parse error');
}

describe('PromTextParser', () => {
  it('pulls help, type, comment and series entries in order, with family name and type', () => {
    const p = createParser('# HELP rq Requests.\n# TYPE rq summary\n# just a comment\nrq_count{a="1"} 3 1000\nrq_sum{a="1"} 4.5\n');
    const seen: string[] = [];
    for (let e = p.next(); e !== undefined; e = p.next()) {
      if (e === 'help') seen.push(`help ${p.metadataName()} ${p.help()}`);
      else if (e === 'type') seen.push(`type ${p.metadataName()} ${p.type()}`);
      else if (e === 'comment') seen.push(`comment ${p.comment()}`);
      else seen.push(`series ${p.metricName()} ${JSON.stringify(p.labels())} ${p.value()} ${p.timestamp()} ${p.familyName()}:${p.familyType()} line ${p.line()}`);
    }
    expect(seen).toEqual([
      'help rq Requests.',
      'type rq summary',
      'comment # just a comment',
      'series rq_count {"__name__":"rq_count","a":"1"} 3 1000 rq:summary line 4',
      'series rq_sum {"__name__":"rq_sum","a":"1"} 4.5 undefined rq:summary line 5',
    ]);
  });

  it('reads untyped samples as family type unknown and accepts the same name again later', () => {
    const r = parseExposition('a 1\nb 2\na{x="y"} 3\n');
    expect(r.families.map((f) => [f.name, f.type, f.samples.length])).toEqual([
      ['a', 'unknown', 2],
      ['b', 'unknown', 1],
    ]);
  });

  it('accepts TYPE words in any case, and gauge_histogram', () => {
    const r = parseExposition('# TYPE a Counter\n# TYPE b GAUGE_HISTOGRAM\na 1\nb_bucket{le="+Inf"} 1\n');
    expect(r.families.map((f) => f.type)).toEqual(['counter', 'gaugehistogram']);
  });

  it('ignores blanks after the value and after the timestamp, as the Prometheus scraper does', () => {
    expect(parseExposition('a 1 \t\nb 2 3 \n').samples).toEqual([
      { labels: { __name__: 'a' }, value: 1 },
      { labels: { __name__: 'b' }, value: 2, timestamp: 3 },
    ]);
  });

  it('rejects an escape other than \\\\, \\" and \\n in a label value, at its column', () => {
    const e = errorOf('m{a="x\\ty"} 1\n');
    expect([e.line, e.column, e.detail]).toEqual([1, 7, "invalid escape sequence '\\t'"]);
  });

  it('rejects the __name__ label and duplicate label names', () => {
    expect(errorOf('m{__name__="x"} 1\n').detail).toBe('label name "__name__" is reserved');
    expect(errorOf('m{a="1",a="2"} 1\n').detail).toBe('duplicate label names for metric "m"');
  });

  it('rejects TYPE after samples, a second HELP, and unknown types, naming the line', () => {
    expect(errorOf('m 1\n# TYPE m gauge\n').line).toBe(2);
    expect(errorOf('# HELP m a\n\n# HELP m b\n').detail).toBe('second HELP line for metric name "m"');
    expect(errorOf('# TYPE m info\n').detail).toBe('unknown metric type "info"');
  });

  it('rejects non-float le and quantile only in histograms and summaries', () => {
    expect(errorOf('# TYPE h histogram\nh_bucket{le="x"} 1\n').detail).toBe(`expected float as value for 'le' label, got "x"`);
    expect(parseExposition('g{le="x"} 1\n').samples[0].labels.le).toBe('x');
  });

  it('rejects a last line without newline, a float timestamp and a missing metric name', () => {
    expect(errorOf('a 1').detail).toBe('unexpected end of input stream');
    expect(errorOf('a 1 2.5\n').detail).toBe('expected integer as timestamp, got "2.5"');
    expect(errorOf('{a="b"} 1\n').detail).toBe('missing metric name');
  });

  it('reports invalid UTF-8 bytes with their line and column', () => {
    const bytes = new Uint8Array([...Buffer.from('a 1\nb{x="'), 0xff, ...Buffer.from('"} 1\n')]);
    const e = errorOf(bytes);
    expect([e.line, e.column]).toEqual([2, 6]);
    expect(e.detail).toBe('invalid UTF-8 byte 0xff');
  });

  it('keeps failing with the same error once it has failed', () => {
    const p = createParser('a{ 1\n');
    expect(() => p.next()).toThrow(ExpositionParseError);
    expect(() => p.next()).toThrow(/invalid label name/);
  });
});
