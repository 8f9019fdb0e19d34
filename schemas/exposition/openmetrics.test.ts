import { describe, expect, it } from 'vitest';
import { ExpositionParseError } from './errors.js';
import { createParser, parseExposition } from './parse-exposition.js';

function errorOf(text: string, strict = true): ExpositionParseError {
  try {
    parseExposition(text, { format: 'openmetrics', strict });
  } catch (e) {
    if (e instanceof ExpositionParseError) return e;
    throw e;
  }
  throw new Error('expected a parse error');
}

const om = (text: string, strict = true) => parseExposition(text, { format: 'openmetrics', strict });

describe('OpenMetricsParser', () => {
  it('pulls type, unit, help and series entries and stops at # EOF', () => {
    const p = createParser('# TYPE d_seconds histogram\n# UNIT d_seconds seconds\n# HELP d_seconds Took \\"long\\".\nd_seconds_bucket{le="+Inf"} 2 # {trace_id="abc"} 0.5 1.25\nd_seconds_count 2\nd_seconds_sum 1\n# EOF\n', 'openmetrics');
    const seen: unknown[] = [];
    for (let e = p.next(); e !== undefined; e = p.next()) {
      if (e === 'series') seen.push([p.metricName(), p.value(), p.exemplar(), p.familyName(), p.familyType()]);
      else seen.push([e, p.metadataName(), e === 'type' ? p.type() : e === 'unit' ? p.unit() : p.help()]);
    }
    expect(seen).toEqual([
      ['type', 'd_seconds', 'histogram'],
      ['unit', 'd_seconds', 'seconds'],
      ['help', 'd_seconds', 'Took "long".'],
      ['d_seconds_bucket', 2, { labels: { trace_id: 'abc' }, value: 0.5, timestamp: 1250 }, 'd_seconds', 'histogram'],
      ['d_seconds_count', 2, undefined, 'd_seconds', 'histogram'],
      ['d_seconds_sum', 1, undefined, 'd_seconds', 'histogram'],
    ]);
    expect(p.next()).toBeUndefined();
  });

  it('turns float-second timestamps into rounded milliseconds', () => {
    expect(om('a 1 1520879607.789\n# EOF\n').samples[0].timestamp).toBe(1520879607789);
    expect(om('a 1 -1.5\n# EOF\n').samples[0].timestamp).toBe(-1500);
  });

  it('keeps unknown escapes in label values as written', () => {
    expect(om('a{x="a\\tb\\\\c\\"d\\ne"} 1\n# EOF\n').samples[0].labels.x).toBe('a\\tb\\c"d\ne');
  });

  it('rejects a missing # EOF, text after it and blank lines, with the line', () => {
    expect(errorOf('a 1\n').detail).toBe('expected "# EOF" at the end of the input');
    const after = errorOf('a 1\n# EOF\nx');
    expect([after.line, after.detail]).toEqual([3, 'unexpected data after "# EOF"']);
    expect(errorOf('a 1\n\n# EOF\n').line).toBe(2);
  });

  it('rejects free comments and metadata after samples', () => {
    expect(errorOf('# hello\n# EOF\n').detail).toMatch(/invalid metadata line/);
    expect(errorOf('# TYPE a gauge\na 1\n# HELP a x\n# EOF\n').detail).toBe('metadata line for "a" after its samples');
  });

  it('rejects a family that reappears after another one', () => {
    const e = errorOf('a 1\nb 1\na 2\n# EOF\n');
    expect([e.line, e.detail]).toEqual([3, 'clashing name "a": the family appears twice or another family\'s samples use this name']);
  });

  it('rejects a metric point that reappears and timestamps going backwards', () => {
    expect(errorOf('# TYPE a gauge\na{x="1"} 1\na{x="2"} 1\na{x="1"} 1\n# EOF\n').detail).toMatch(/contiguous/);
    expect(errorOf('a 1 2\na 1 1\n# EOF\n').detail).toBe('timestamps of "a" went backwards');
  });

  it('treats the same labels in another order as the same metric point', () => {
    expect(om('a{x="1",y="2"} 1 1\na{y="2",x="1"} 1 2\n# EOF\n').samples).toHaveLength(2);
    expect(errorOf('a{x="1",y="2"} 1 2\na{y="2",x="1"} 1 1\n# EOF\n').detail).toMatch(/backwards/);
  });

  it('checks histograms: ascending le, +Inf bucket, _count equal to it', () => {
    expect(errorOf('# TYPE h histogram\nh_bucket{le="1"} 0\n# EOF\n').detail).toBe('histogram has no "+Inf" bucket: "h"');
    expect(errorOf('# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 3\nh_sum 1\n# EOF\n').detail).toMatch(/_count does not match/);
  });

  it('in Prometheus-compatible mode accepts value-rule breaches but not syntax or grouping errors', () => {
    const text = '# TYPE h histogram\nh_bucket{le="-1"} 1\nh_bucket{le="+Inf"} 2\nh_count 2\nh_sum -3\n# TYPE c counter\nc_total -1\n# EOF\n';
    expect(errorOf(text).detail).toMatch(/must not be negative/);
    expect(om(text, false).samples.map((s) => s.value)).toEqual([1, 2, 2, -3, -1]);
    expect(errorOf('a{x="1"} 1\na{x="2"} 1\na{x="1"} 1\n# EOF\n', false).detail).toMatch(/contiguous/);
    expect(errorOf('# TYPE g gauge\ng 1 # {a="b"} 1\n# EOF\n', false).detail).toMatch(/exemplars are only allowed/);
  });

  it('rejects exemplar labels longer than 128 code points and counts wide characters once', () => {
    const long = 'x'.repeat(128);
    expect(errorOf(`# TYPE c counter\nc_total 1 # {a="${long}"} 1\n# EOF\n`).detail).toMatch(/129 code points/);
    expect(om(`# TYPE c counter\nc_total 1 # {a="${'😀'.repeat(127)}"} 1\n# EOF\n`).samples[0].exemplar?.labels.a).toHaveLength(254);
  });

  it('sets created timestamps on the samples of the same point', () => {
    const r = om('# TYPE c counter\nc_total{a="1"} 5\nc_created{a="1"} 1700000000.5\nc_total{a="2"} 6\n# EOF\n');
    expect(r.samples.map((s) => s.createdTimestamp)).toEqual([1700000000500, undefined, undefined]);
  });

  it('reads lines that repeat the series of the line before as it reads any line, under the family in force', () => {
    const series = (text: string) => {
      const p = createParser(text, 'openmetrics', { strict: false });
      const out: unknown[] = [];
      for (let e = p.next(); e !== undefined; e = p.next()) if (e === 'series') out.push([p.labels(), p.value(), p.timestamp(), p.familyName(), p.familyType()]);
      return out;
    };
    const text = 'a{x="1"} 1 1\na{x="1"} 2 2\n# TYPE b counter\nb_total{x="1"} 3 3\nb_total{x="1"} 4 4 # {t="e"} 1\nb_total{x="1",y="2"} 5 5\n# EOF\n';
    expect(series(text)).toEqual([
      [{ __name__: 'a', x: '1' }, 1, 1000, 'a', 'unknown'],
      [{ __name__: 'a', x: '1' }, 2, 2000, 'a', 'unknown'],
      [{ __name__: 'b_total', x: '1' }, 3, 3000, 'b', 'counter'],
      [{ __name__: 'b_total', x: '1' }, 4, 4000, 'b', 'counter'],
      [{ __name__: 'b_total', x: '1', y: '2' }, 5, 5000, 'b', 'counter'],
    ]);
    // Errors in a repeated line are where they are in a line of its own.
    const e = errorOf('a{x="1"} 1 1\na{x="1"} 1 x\n# EOF\n', false);
    expect([e.line, e.column]).toEqual([2, 12]);
    expect(errorOf('a{x="1"} 1 2\na{x="1"} 1 1\n# EOF\n', false).message).toMatch(/went backwards/);
  });
});
