import { describe, expect, it } from 'vitest';
import type { ScrapeFormat } from '../../schemas/exposition/index.js';
import { encodeDelimited, METRIC_TYPE } from '../../schemas/exposition/testdata/metric-family-encoder.js';
import { FloatHistogram, Histogram } from '../../schemas/native-histogram/index.js';
import type { Appender } from '../../schemas/sample-sink.js';
import { appendPage, type PageSettings } from './append-page.js';
import { ClassicHistogramGroup, NhcbConversionError, type ClassicHistogramPart } from './classic-histogram-nhcb.js';
import { relabelConfigSchema } from './relabel-config.js';
import { compileRelabelRules } from './relabel.js';
import { ScrapeCache } from './scrape-cache.js';

const bucket = (le: number): ClassicHistogramPart => ({ kind: 'bucket', le });
const COUNT: ClassicHistogramPart = { kind: 'count' };
const SUM: ClassicHistogramPart = { kind: 'sum' };

function collect(parts: [ClassicHistogramPart, number][]): ClassicHistogramGroup {
  const g = new ClassicHistogramGroup();
  g.start({ part: COUNT, labels: { __name__: 'h' }, key: '{__name__="h"}' });
  for (const [part, v] of parts) g.add(part, v, undefined, undefined);
  return g;
}

describe('ClassicHistogramGroup', () => {
  it('turns cumulative integer bucket counts into an integer histogram with the finite bounds as custom values', () => {
    const h = collect([[COUNT, 6], [SUM, 3.5], [bucket(0.1), 1], [bucket(0.5), 3], [bucket(1), 3], [bucket(Infinity), 6]]).convert();
    expect(h).toBeInstanceOf(Histogram);
    expect(h.schema).toBe(-53);
    expect(h.customValues).toEqual([0.1, 0.5, 1]);
    expect(h.toString()).toBe('{count:6, sum:3.5, [-Inf,0.1]:1, (0.1,0.5]:2, (1,+Inf]:3}');
  });

  it('makes a float histogram when a count has a fraction', () => {
    const h = collect([[bucket(1), 0.5], [bucket(Infinity), 2], [COUNT, 2], [SUM, 1]]).convert();
    expect(h).toBeInstanceOf(FloatHistogram);
    expect(h.toString()).toBe('{count:2, sum:1, [-Inf,1]:0.5, (1,+Inf]:1.5}');
  });

  it('takes the count as the +Inf bucket when that is missing, and the highest bucket as the count when the count is', () => {
    expect(collect([[bucket(1), 2], [COUNT, 5]]).convert().toString()).toBe('{count:5, sum:0, [-Inf,1]:2, (1,+Inf]:3}');
    expect(collect([[bucket(1), 2], [bucket(Infinity), 4]]).convert().count).toBe(4);
  });

  it('places a bound exposed out of order and ignores a repeated one', () => {
    const h = collect([[bucket(2), 3], [bucket(1), 1], [bucket(1), 2], [bucket(Infinity), 4], [COUNT, 4]]).convert();
    expect(h.toString()).toBe('{count:4, sum:0, [-Inf,1]:1, (1,2]:2, (2,+Inf]:1}');
  });

  it('refuses counts that go down, a count that is not the +Inf bucket, and a histogram with neither buckets nor count', () => {
    expect(() => collect([[bucket(1), 3], [bucket(2), 1]]).convert()).toThrow(/count is not cumulative: le=2 count=1 < le=1 count=3/);
    expect(() => collect([[bucket(1), 1], [bucket(Infinity), 3], [COUNT, 4]]).convert()).toThrow(/count mismatch: count=4 != le=\+Inf count=3/);
    expect(() => collect([[SUM, 1]]).convert()).toThrow(NhcbConversionError);
    expect(() => collect([[bucket(1), -1]]).convert()).toThrow(/bucket count must be non-negative/);
  });
});

const settings: PageSettings = {
  targetLabels: [['instance', 'h:1'], ['job', 'j']],
  honorLabels: false,
  honorTimestamps: true,
  trackTimestampsStaleness: false,
  metricRelabel: [],
  limits: { labelLimit: 0, labelNameLengthLimit: 0, labelValueLengthLimit: 0 },
  sampleLimit: 0,
  convertClassicHistogramsToNhcb: true,
};

function scrape(page: string | Uint8Array, format: ScrapeFormat, s: PageSettings = settings, cache = new ScrapeCache(), withHistograms = true) {
  const floats: string[] = [];
  const histograms: string[] = [];
  const app: Appender = {
    append: (labels, t, v) => void floats.push(`${labels.__name__}${labels.le === undefined ? '' : `{le=${labels.le}}`} ${t} ${v}`),
    appendHistogram: withHistograms ? (labels, t, h) => void histograms.push(`${JSON.stringify(labels)} ${t} ${h.toString()}`) : undefined,
    commit: async () => {},
    rollback: () => {},
  };
  cache.begin();
  const result = appendPage(page, format, 5000, app, cache, s, 'http://h:1/metrics');
  if (result.error === undefined) cache.endSuccess(() => {});
  return { result, floats, histograms };
}

const textPage = [
  '# TYPE up_total counter',
  'up_total 1',
  '# HELP rpc_seconds RPC latency.',
  '# TYPE rpc_seconds histogram',
  'rpc_seconds_bucket{code="200",le="0.1"} 2',
  'rpc_seconds_bucket{code="200",le="1"} 5',
  'rpc_seconds_bucket{code="200",le="+Inf"} 6',
  'rpc_seconds_sum{code="200"} 4.5',
  'rpc_seconds_count{code="200"} 6',
  'rpc_seconds_bucket{code="500",le="0.1"} 0',
  'rpc_seconds_bucket{code="500",le="1"} 1',
  'rpc_seconds_bucket{code="500",le="+Inf"} 1',
  'rpc_seconds_sum{code="500"} 0.7',
  'rpc_seconds_count{code="500"} 1',
  'last_gauge 7',
  '',
].join('\n');

describe('appendPage with convert_classic_histograms_to_nhcb', () => {
  it('appends each classic histogram of a text page as one native histogram with custom buckets named for its family, instead of its series', () => {
    const { result, floats, histograms } = scrape(textPage, 'prometheus');
    expect(result.error).toBeUndefined();
    expect(histograms).toEqual([
      '{"__name__":"rpc_seconds","code":"200","instance":"h:1","job":"j"} 5000 {count:6, sum:4.5, [-Inf,0.1]:2, (0.1,1]:3, (1,+Inf]:1}',
      '{"__name__":"rpc_seconds","code":"500","instance":"h:1","job":"j"} 5000 {count:1, sum:0.7, (0.1,1]:1}',
    ]);
    expect(floats).toEqual(['up_total 5000 1', 'last_gauge 5000 7']);
    expect([result.total, result.added, result.seriesAdded]).toEqual([4, 4, 4]);
    expect(result.metadata.get('rpc_seconds')?.type).toBe('histogram');
  });

  it('keeps the classic series as well with always_scrape_classic_histograms', () => {
    const { result, floats, histograms } = scrape(textPage, 'prometheus', { ...settings, alwaysScrapeClassicHistograms: true });
    expect(histograms).toHaveLength(2);
    expect(floats).toHaveLength(12);
    expect(floats).toContain('rpc_seconds_bucket{le=0.1} 5000 2');
    expect(result.total).toBe(14);
  });

  it('gives a later scrape of the same page the same histograms, none of them added again', () => {
    const cache = new ScrapeCache();
    const first = scrape(textPage, 'prometheus', settings, cache);
    const second = scrape(textPage, 'prometheus', settings, cache);
    expect(second.histograms).toEqual(first.histograms);
    expect(second.floats).toEqual(first.floats);
    expect(second.result.seriesAdded).toBe(0);
  });

  it('reads remembered series texts again when their family is no longer typed histogram', () => {
    const cache = new ScrapeCache();
    const page = (type: string) => `# TYPE h ${type}\nh_bucket{le="+Inf"} 2\nh_count 2\n`;
    expect(scrape(page('histogram'), 'prometheus', settings, cache).histograms).toHaveLength(1);
    const untyped = scrape(page('untyped'), 'prometheus', settings, cache);
    expect([untyped.histograms, untyped.floats]).toEqual([[], ['h_bucket{le=+Inf} 5000 2', 'h_count 5000 2']]);
    expect(scrape(page('histogram'), 'prometheus', settings, cache).histograms).toHaveLength(1);
  });

  it('leaves gauge histograms, untyped families and series of other names as they are', () => {
    const page = '# TYPE g gaugehistogram\ng_bucket{le="+Inf"} 1\ng_gcount 1\n# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 2\nh_created 100\n# TYPE u unknown\nu_bucket{le="1"} 3\n# EOF\n';
    const { result, floats, histograms } = scrape(page, 'openmetrics');
    expect(result.error).toBeUndefined();
    expect(histograms).toEqual(['{"__name__":"h","instance":"h:1","job":"j"} 5000 {count:2, sum:0, [-Inf,+Inf]:2}']);
    expect(floats).toEqual(['g_bucket{le=+Inf} 5000 1', 'g_gcount 5000 1', 'h_created 5000 100', 'u_bucket{le=1} 5000 3']);
  });

  it('appends the classic series when the sink takes no histograms', () => {
    const { floats, histograms } = scrape(textPage, 'prometheus', settings, new ScrapeCache(), false);
    expect(histograms).toEqual([]);
    expect(floats).toHaveLength(12);
  });

  it('leaves out a classic histogram whose buckets are not cumulative, as Prometheus does, and scrapes the rest', () => {
    const page = '# TYPE bad histogram\nbad_bucket{le="1"} 5\nbad_bucket{le="+Inf"} 3\nbad_count 3\n# TYPE ok histogram\nok_bucket{le="+Inf"} 1\nok_count 1\n';
    const { result, floats, histograms } = scrape(page, 'prometheus');
    expect(result.error).toBeUndefined();
    expect(floats).toEqual([]);
    expect(histograms).toEqual(['{"__name__":"ok","instance":"h:1","job":"j"} 5000 {count:1, sum:0, [-Inf,+Inf]:1}']);
    expect(result.total).toBe(1);
  });

  it('uses the series timestamp, applies metric relabeling to the histogram name, and counts it against the sample limit', () => {
    const page = '# TYPE h histogram\nh_bucket{le="+Inf"} 2 1000\nh_count 2 1000\n# TYPE k histogram\nk_bucket{le="+Inf"} 1\nk_count 1\n';
    expect(scrape(page, 'prometheus').histograms[0]).toMatch(/^\{"__name__":"h","instance":"h:1","job":"j"\} 1000 /);
    const dropH = compileRelabelRules([relabelConfigSchema.parse({ source_labels: ['__name__'], regex: 'h', action: 'drop' })]);
    expect(scrape(page, 'prometheus', { ...settings, metricRelabel: dropH }).histograms.map((h) => JSON.parse(h.split(' ')[0]).__name__)).toEqual(['k']);
    expect(scrape(page, 'prometheus', { ...settings, sampleLimit: 1 }).result.error?.kind).toBe('sample_limit');
  });

  it('fails the scrape when a converted histogram has more buckets than native_histogram_bucket_limit', () => {
    const page = '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="2"} 2\nh_bucket{le="+Inf"} 3\nh_count 3\n';
    expect(scrape(page, 'prometheus', { ...settings, nativeHistogramBucketLimit: 2 }).result.error?.kind).toBe('bucket_limit');
    expect(scrape(page, 'prometheus', { ...settings, nativeHistogramBucketLimit: 3 }).result.error).toBeUndefined();
  });

  it('converts an OpenMetrics page, keeping the bucket exemplars that have a timestamp', () => {
    const page = [
      '# TYPE rpc_seconds histogram',
      'rpc_seconds_bucket{le="0.1"} 2 # {trace_id="a"} 0.05 4.5',
      'rpc_seconds_bucket{le="1"} 5 # {trace_id="b"} 0.5',
      'rpc_seconds_bucket{le="+Inf"} 6 # {trace_id="c"} 3 4.2',
      'rpc_seconds_count 6',
      'rpc_seconds_sum 4.5',
      '# EOF',
      '',
    ].join('\n');
    const { result, histograms } = scrape(page, 'openmetrics');
    expect(result.error).toBeUndefined();
    expect(histograms).toEqual(['{"__name__":"rpc_seconds","instance":"h:1","job":"j"} 5000 {count:6, sum:4.5, [-Inf,0.1]:2, (0.1,1]:3, (1,+Inf]:1}']);
    const series = { __name__: 'rpc_seconds', instance: 'h:1', job: 'j' };
    expect(result.exemplars).toEqual([
      { series, labels: { trace_id: 'c' }, value: 3, timestampMs: 4200 },
      { series, labels: { trace_id: 'a' }, value: 0.05, timestampMs: 4500 },
    ]);
  });

  it('converts a classic-only histogram of a protobuf page; a native one stays native, its classic series classic', () => {
    const page = encodeDelimited([
      { name: 'classic', type: METRIC_TYPE.HISTOGRAM, metric: [{ histogram: { sample_count: 3, sample_sum: 2, bucket: [{ cumulative_count: 1, upper_bound: 0.5 }, { cumulative_count: 3, upper_bound: 1 }] } }] },
      {
        name: 'native', type: METRIC_TYPE.HISTOGRAM,
        metric: [{ histogram: { sample_count: 2, sample_sum: 1, schema: 0, positive_span: [{ offset: 0, length: 1 }], positive_delta: [2], bucket: [{ cumulative_count: 2, upper_bound: 1 }] } }],
      },
    ]);
    const { result, floats, histograms } = scrape(page, 'protobuf', { ...settings, nativeHistograms: true, alwaysScrapeClassicHistograms: true });
    expect(result.error).toBeUndefined();
    expect(histograms).toEqual([
      '{"__name__":"classic","instance":"h:1","job":"j"} 5000 {count:3, sum:2, [-Inf,0.5]:1, (0.5,1]:2}',
      '{"__name__":"native","instance":"h:1","job":"j"} 5000 {count:2, sum:1, (0.5,1]:2}',
    ]);
    expect(floats).toEqual([
      'classic_count 5000 3', 'classic_sum 5000 2', 'classic_bucket{le=0.5} 5000 1', 'classic_bucket{le=1.0} 5000 3', 'classic_bucket{le=+Inf} 5000 3',
      'native_count 5000 2', 'native_sum 5000 1', 'native_bucket{le=1.0} 5000 2', 'native_bucket{le=+Inf} 5000 2',
    ]);
  });
});
