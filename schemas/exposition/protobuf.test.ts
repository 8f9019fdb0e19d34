import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FloatHistogram, Histogram } from '../native-histogram/index.js';
import { ExpositionParseError } from './errors.js';
import { formatOpenMetricsFloat, ProtobufParser, type ProtobufParserOptions } from './protobuf.js';
import { decodeDelimited, encodeDelimited, METRIC_TYPE, type MetricFamilyMessage } from './testdata/metric-family-encoder.js';

const EXPFMT = new URL('../../test/conformance/testdata/exposition/prometheus-text/expfmt-testdata/', import.meta.url);
const NATIVE: ProtobufParserOptions = { nativeHistograms: true, classicHistograms: false };

/** Every entry of a page, one line each. */
function entries(body: Uint8Array, options: ProtobufParserOptions = NATIVE): string[] {
  const p = new ProtobufParser(body, options);
  const out: string[] = [];
  for (let e = p.next(); e !== undefined; e = p.next()) {
    if (e === 'help') out.push(`help ${p.metadataName()} ${JSON.stringify(p.help())}`);
    else if (e === 'type') out.push(`type ${p.metadataName()} ${p.type()}`);
    else if (e === 'unit') out.push(`unit ${p.metadataName()} ${p.unit()}`);
    else if (e === 'histogram') out.push(`histogram ${JSON.stringify(p.labels())} ${p.histogram!().toString()} ${p.timestamp()}`);
    else {
      const ex = p.exemplar();
      out.push(`series ${JSON.stringify(p.labels())} ${p.value()} ${p.timestamp()} ${p.familyName()}:${p.familyType()}${ex === undefined ? '' : ` # ${JSON.stringify(ex)}`}`);
    }
  }
  return out;
}

function errorOf(body: Uint8Array): ExpositionParseError {
  try {
    entries(body);
  } catch (e) {
    if (e instanceof ExpositionParseError) return e;
    throw e;
  }
  throw new Error('expected a parse error');
}

/** A counter histogram with native data (schema 0, zero bucket, 2 positive buckets) and two classic buckets. */
const BOTH: MetricFamilyMessage = {
  name: 'rpc_seconds',
  help: 'RPC latency.',
  type: METRIC_TYPE.HISTOGRAM,
  metric: [{
    label: [{ name: 'svc', value: 'a' }],
    histogram: {
      sample_count: 10, sample_sum: 7.5, schema: 0, zero_threshold: 0.001, zero_count: 1,
      positive_span: [{ offset: 0, length: 2 }], positive_delta: [4, 1],
      bucket: [{ cumulative_count: 5, upper_bound: 1 }, { cumulative_count: 9, upper_bound: 2 }],
    },
  }],
};

describe('ProtobufParser', () => {
  it('presents counters, gauges and untyped metrics as series after their help and type, with timestamps and exemplars', () => {
    const body = encodeDelimited([
      {
        name: 'jobs_total', help: 'Jobs.', type: METRIC_TYPE.COUNTER,
        metric: [{ label: [{ name: 'q', value: 'x' }], counter: { value: 3, exemplar: { label: [{ name: 'trace', value: 't1' }], value: 1, timestamp: { seconds: 100, nanos: 5e6 } } } }],
      },
      { name: 'temp_celsius', help: '', type: METRIC_TYPE.GAUGE, unit: 'celsius', metric: [{ gauge: { value: -2.5 }, timestamp_ms: 1_700_000_000_123 }] },
      { name: 'other', type: METRIC_TYPE.UNTYPED, metric: [{ untyped: { value: 1 } }] },
    ]);
    expect(entries(body)).toEqual([
      'help jobs_total "Jobs."',
      'type jobs_total counter',
      'series {"__name__":"jobs_total","q":"x"} 3 undefined jobs_total:counter # {"labels":{"trace":"t1"},"value":1,"timestamp":100005}',
      'help temp_celsius ""',
      'unit temp_celsius celsius',
      'type temp_celsius gauge',
      'series {"__name__":"temp_celsius"} -2.5 1700000000123 temp_celsius:gauge',
      'help other ""',
      'type other unknown',
      'series {"__name__":"other"} 1 undefined other:unknown',
    ]);
  });

  it('presents a summary as its _count, _sum and quantile series, quantiles printed as Prometheus prints them', () => {
    const body = encodeDelimited([{
      name: 'rq', type: METRIC_TYPE.SUMMARY,
      metric: [{ summary: { sample_count: 4, sample_sum: 2, quantile: [{ quantile: 0.5, value: 0.4 }, { quantile: 1, value: 0.9 }] } }],
    }]);
    expect(entries(body).slice(2)).toEqual([
      'series {"__name__":"rq_count"} 4 undefined rq:summary',
      'series {"__name__":"rq_sum"} 2 undefined rq:summary',
      'series {"__name__":"rq","quantile":"0.5"} 0.4 undefined rq:summary',
      'series {"__name__":"rq","quantile":"1.0"} 0.9 undefined rq:summary',
    ]);
  });

  it('presents a classic histogram as _count, _sum and _bucket series, adding the +Inf bucket the exposition left out', () => {
    const body = encodeDelimited([{
      name: 'size_bytes', type: METRIC_TYPE.HISTOGRAM,
      metric: [{ histogram: { sample_count: 6, sample_sum: 900, bucket: [{ cumulative_count: 2, upper_bound: 100 }, { cumulative_count_float: 5.5, upper_bound: 1e6 }] } }],
    }]);
    expect(entries(body).slice(2)).toEqual([
      'series {"__name__":"size_bytes_count"} 6 undefined size_bytes:histogram',
      'series {"__name__":"size_bytes_sum"} 900 undefined size_bytes:histogram',
      'series {"__name__":"size_bytes_bucket","le":"100.0"} 2 undefined size_bytes:histogram',
      'series {"__name__":"size_bytes_bucket","le":"1e+06"} 5.5 undefined size_bytes:histogram',
      'series {"__name__":"size_bytes_bucket","le":"+Inf"} 6 undefined size_bytes:histogram',
    ]);
  });

  it('presents a native histogram as one histogram entry, and as its classic series too when asked for both', () => {
    const body = encodeDelimited([BOTH]);
    expect(entries(body).slice(2)).toEqual(['histogram {"__name__":"rpc_seconds","svc":"a"} {count:10, sum:7.5, [-0.001,0.001]:1, (0.5,1]:4, (1,2]:5} undefined']);
    expect(entries(body, { nativeHistograms: true, classicHistograms: true }).slice(2)).toEqual([
      'histogram {"__name__":"rpc_seconds","svc":"a"} {count:10, sum:7.5, [-0.001,0.001]:1, (0.5,1]:4, (1,2]:5} undefined',
      'series {"__name__":"rpc_seconds_count","svc":"a"} 10 undefined rpc_seconds:histogram',
      'series {"__name__":"rpc_seconds_sum","svc":"a"} 7.5 undefined rpc_seconds:histogram',
      'series {"__name__":"rpc_seconds_bucket","svc":"a","le":"1.0"} 5 undefined rpc_seconds:histogram',
      'series {"__name__":"rpc_seconds_bucket","svc":"a","le":"2.0"} 9 undefined rpc_seconds:histogram',
      'series {"__name__":"rpc_seconds_bucket","svc":"a","le":"+Inf"} 10 undefined rpc_seconds:histogram',
    ]);
  });

  it('presents a native histogram as its classic series when native histograms are off', () => {
    const lines = entries(encodeDelimited([BOTH]), { nativeHistograms: false, classicHistograms: false });
    expect(lines.filter((l) => l.startsWith('histogram'))).toEqual([]);
    expect(lines.slice(2).map((l) => l.split(' ').slice(1, 3).join(' '))).toEqual([
      '{"__name__":"rpc_seconds_count","svc":"a"} 10',
      '{"__name__":"rpc_seconds_sum","svc":"a"} 7.5',
      '{"__name__":"rpc_seconds_bucket","svc":"a","le":"1.0"} 5',
      '{"__name__":"rpc_seconds_bucket","svc":"a","le":"2.0"} 9',
      '{"__name__":"rpc_seconds_bucket","svc":"a","le":"+Inf"} 10',
    ]);
  });

  it('reads integer histograms as delta-encoded integer ones and float-count histograms as float ones; a gauge histogram gets the gauge hint', () => {
    const body = encodeDelimited([
      { name: 'i', type: METRIC_TYPE.HISTOGRAM, metric: [{ histogram: { sample_count: 3, schema: 1, positive_span: [{ offset: -1, length: 2 }], positive_delta: [1, 1] } }] },
      { name: 'f', type: METRIC_TYPE.GAUGE_HISTOGRAM, metric: [{ histogram: { sample_count_float: 2.5, schema: 2, negative_span: [{ offset: 0, length: 1 }], negative_count: [2.5] } }] },
    ]);
    const p = new ProtobufParser(body, NATIVE);
    const got: unknown[] = [];
    for (let e = p.next(); e !== undefined; e = p.next()) if (e === 'histogram') got.push(p.histogram!());
    expect(got[0]).toBeInstanceOf(Histogram);
    expect(got[0]).toMatchObject({ schema: 1, count: 3, positiveSpans: [{ offset: -1, length: 2 }], positiveBuckets: [1, 1], counterResetHint: 'unknown' });
    expect(got[1]).toBeInstanceOf(FloatHistogram);
    expect(got[1]).toMatchObject({ schema: 2, count: 2.5, negativeBuckets: [2.5], counterResetHint: 'gauge' });
  });

  it('takes a histogram with a no-op span as native (no observations yet) and one without spans or zero bucket as classic', () => {
    const body = encodeDelimited([
      { name: 'empty', type: METRIC_TYPE.HISTOGRAM, metric: [{ histogram: { positive_span: [{ offset: 0, length: 0 }] } }] },
      { name: 'plain', type: METRIC_TYPE.HISTOGRAM, metric: [{ histogram: { sample_count: 1, sample_sum: 1 } }] },
    ]);
    const kinds = entries(body).filter((l) => l.startsWith('histogram') || l.startsWith('series')).map((l) => l.split(' ').slice(0, 2).join(' '));
    expect(kinds).toEqual(['histogram {"__name__":"empty"}', 'series {"__name__":"plain_count"}', 'series {"__name__":"plain_sum"}', 'series {"__name__":"plain_bucket","le":"+Inf"}']);
  });

  it('skips families without metrics', () => {
    const body = encodeDelimited([{ name: 'nothing', help: 'x', type: METRIC_TYPE.GAUGE }, { name: 'g', type: METRIC_TYPE.GAUGE, metric: [{ gauge: { value: 1 } }] }]);
    expect(entries(body)).toEqual(['help g ""', 'type g gauge', 'series {"__name__":"g"} 1 undefined g:gauge']);
  });

  it('reads every family of the expfmt test pages as protobufjs decodes them (6 in the multi-message page)', () => {
    for (const file of ['protobuf', 'protobuf-multimessage']) {
      const body = readFileSync(new URL(file, EXPFMT));
      const reference = decodeDelimited(body).filter((f) => Array.isArray(f.metric) && f.metric.length > 0);
      const p = new ProtobufParser(body, NATIVE);
      const types: string[] = [];
      for (let e = p.next(); e !== undefined; e = p.next()) if (e === 'type') types.push(p.metadataName());
      expect(types).toEqual(reference.map((f) => f.name));
      if (file === 'protobuf-multimessage') expect(types).toHaveLength(6);
    }
  });

  it('refuses a truncated page naming the metric family and the byte', () => {
    const body = encodeDelimited([BOTH, BOTH]);
    const err = errorOf(body.subarray(0, body.length - 3));
    expect(err.message).toMatch(/^protobuf parsing error in metric family 2 at byte \d+: /);
    expect(err.format).toBe('protobuf');
  });

  it('takes UTF-8 metric and label names as they are, as Prometheus 3 does', () => {
    const p = new ProtobufParser(encodeDelimited([{ name: '0.bad', type: METRIC_TYPE.GAUGE, metric: [{ label: [{ name: 'a-b', value: '1' }], gauge: { value: 1 } }] }]), NATIVE);
    while (p.next() !== 'series');
    expect(p.labels()).toEqual({ __name__: '0.bad', 'a-b': '1' });
  });

  it('refuses an empty metric name, an empty label name and a unit that is not a suffix of the name', () => {
    expect(errorOf(encodeDelimited([{ name: '', type: METRIC_TYPE.GAUGE, metric: [{ gauge: { value: 1 } }] }])).detail).toBe('invalid metric name: empty');
    expect(errorOf(encodeDelimited([{ name: 'g', type: METRIC_TYPE.GAUGE, metric: [{ label: [{ name: '', value: '1' }], gauge: { value: 1 } }] }])).detail)
      .toBe('invalid label name "" for metric "g"');
    expect(errorOf(encodeDelimited([{ name: 'g_bytes', type: METRIC_TYPE.GAUGE, unit: 'seconds', metric: [{ gauge: { value: 1 } }] }])).detail)
      .toBe('unit "seconds" not a suffix of metric "g_bytes"');
  });

  it('reads UTF-8 label values, short and long, and refuses a string that is not UTF-8', () => {
    const long = 'x'.repeat(70) + 'é';
    const body = encodeDelimited([{ name: 'g', type: METRIC_TYPE.GAUGE, metric: [{ label: [{ name: 'a', value: 'zürich' }, { name: 'b', value: long }], gauge: { value: 1 } }] }]);
    expect(entries(body)[2]).toBe(`series {"__name__":"g","a":"zürich","b":"${long}"} 1 undefined g:gauge`);
    // The label value's bytes are "zürich": put a lone continuation byte where the "ü" starts.
    const bad = Buffer.from(body);
    const at = bad.indexOf(Buffer.from('zürich')) + 1;
    bad[at] = 0x80;
    bad[at + 1] = 0x41;
    expect(errorOf(bad).detail).toBe('string is not valid UTF-8');
  });

  it('prints le and quantile values as Prometheus does: .0 on integers, Go exponent form, +Inf', () => {
    expect([1, 0, 0.25, 100, 1e6, 1e-5, Infinity, -1].map(formatOpenMetricsFloat)).toEqual(['1.0', '0.0', '0.25', '100.0', '1e+06', '1e-05', '+Inf', '-1.0']);
  });
});
