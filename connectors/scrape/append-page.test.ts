import { describe, expect, it } from 'vitest';
import type { Labels } from '../../schemas/labels.js';
import type { Appender } from '../../schemas/sample-sink.js';
import { encodeDelimited, METRIC_TYPE } from '../../schemas/exposition/testdata/metric-family-encoder.js';
import { appendPage, type PageResult, type PageSettings } from './append-page.js';
import { ScrapeCache } from './scrape-cache.js';

const settings: PageSettings = {
  targetLabels: [
    ['instance', 'h:1'],
    ['job', 'j'],
  ],
  honorLabels: false,
  honorTimestamps: true,
  trackTimestampsStaleness: false,
  metricRelabel: [],
  limits: { labelLimit: 0, labelNameLengthLimit: 0, labelValueLengthLimit: 0 },
  sampleLimit: 0,
};

interface Scraped {
  result: PageResult;
  samples: { labels: Labels; t: number; v: number }[];
}

function scrape(cache: ScrapeCache, text: string): Scraped {
  const samples: Scraped['samples'] = [];
  const app: Appender = { append: (labels, t, v) => void samples.push({ labels, t, v }), commit: async () => {}, rollback: () => {} };
  cache.begin();
  const result = appendPage(text, 'prometheus', 5000, app, cache, settings, 'http://h:1/metrics');
  if (result.error === undefined) cache.endSuccess(() => {});
  else cache.endFailure(() => {});
  return { result, samples };
}

/** What a scrape of `text` gives with nothing remembered from earlier pages. */
const fresh = (text: string) => scrape(new ScrapeCache(), text);

const pages = [
  '# TYPE a counter\na{x="1"} 1\na{x="2"} 2\nb 3\nc{y="q"} 4 1000\n',
  // the same series, new values and timestamps
  '# TYPE a counter\na{x="1"} 10\na{x="2"} 20\nb 30\nc{y="q"} 40 2000\n',
  // one inserted, one removed, one moved
  '# TYPE a counter\nb 31\na{x="0"} 5\na{x="1"} 11\nc{y="q"} 41\n',
  // blanks around the value, a label block after a name seen bare before, labels changed
  '# TYPE a counter\nb   32\nb {z="new"} 7\nb  {z="new2"} 8\na{x="1"}  12 3000\na{x="1",w="2"} 13\nc{y="r"} 42\n',
  // the same series under a different family type than when first read
  '# TYPE a gauge\na{x="1"} 14\nb 33\n',
];

describe('appendPage with the series cache', () => {
  it('gives every scrape of a changing page what a scrape without memory gives', () => {
    const cache = new ScrapeCache();
    for (const page of [...pages, ...pages.slice().reverse(), ...pages]) {
      const got = scrape(cache, page);
      const want = fresh(page);
      expect(got.result.error).toBeUndefined();
      expect(got.samples).toEqual(want.samples);
      expect(got.result.total).toBe(want.result.total);
      expect(got.result.added).toBe(want.result.added);
    }
  });

  it('parses the labels of a series whose text starts like a remembered bare one', () => {
    for (const next of ['b {z="1"} 2\n', 'b  {z="1"} 2\n', 'b\t{z="1"} 2\n']) {
      const cache = new ScrapeCache();
      scrape(cache, 'b 1\n');
      expect(scrape(cache, next).samples).toEqual(fresh(next).samples);
      expect(fresh(next).samples[0].labels.z).toBe('1');
    }
  });

  it('counts only series missing from the previous page as added', () => {
    const cache = new ScrapeCache();
    expect(scrape(cache, pages[0]).result.seriesAdded).toBe(4);
    expect(scrape(cache, pages[1]).result.seriesAdded).toBe(0);
    expect(scrape(cache, pages[2]).result.seriesAdded).toBe(1);
  });

  it('still checks le labels when a family becomes a histogram after its series were cached', () => {
    const cache = new ScrapeCache();
    expect(scrape(cache, '# TYPE h untyped\nh{le="abc"} 1\n').result.error).toBeUndefined();
    const second = scrape(cache, '# TYPE h histogram\nh{le="abc"} 1\n');
    expect(second.result.error?.message).toMatch(/expected float as value for 'le' label/);
  });

  it('reads a remembered series text followed by something that is not a value as a parse error', () => {
    const cache = new ScrapeCache();
    scrape(cache, 'm{a="1"} 1\n');
    expect(scrape(cache, 'm{a="1"} x\n').result.error?.message).toMatch(/expected float/);
    expect(scrape(cache, 'm{a="1"}\n').result.error?.message).toMatch(/expected float/);
  });
});

describe('appendPage metadata', () => {
  it('keeps TYPE, HELP and UNIT per family, untyped as unknown, including families without samples', () => {
    const text = '# HELP a Requests "all".\n# TYPE a counter\na 1\n# TYPE u untyped\nu 2\n# HELP lone No samples.\nb 3\n';
    expect([...fresh(text).result.metadata.values()]).toEqual([
      { metric: 'a', type: 'counter', help: 'Requests "all".', unit: '' },
      { metric: 'u', type: 'unknown', help: '', unit: '' },
      { metric: 'lone', type: 'unknown', help: 'No samples.', unit: '' },
    ]);
  });
});

describe('appendPage with a protobuf page', () => {
  const page = encodeDelimited([
    {
      name: 'rpc_seconds', type: METRIC_TYPE.HISTOGRAM,
      metric: [{
        histogram: {
          sample_count: 10, sample_sum: 7.5, schema: 0, zero_threshold: 0.001, zero_count: 1,
          positive_span: [{ offset: 0, length: 2 }], positive_delta: [4, 1], bucket: [{ cumulative_count: 5, upper_bound: 1 }],
        },
      }],
    },
    { name: 'up_total', type: METRIC_TYPE.COUNTER, metric: [{ counter: { value: 2, exemplar: { label: [{ name: 't', value: '1' }], value: 0.5 } } }] },
  ]);

  function scrapeProto(body: Uint8Array, s: PageSettings, withHistograms = true) {
    const floats: string[] = [];
    const histograms: string[] = [];
    const app: Appender = {
      append: (labels, t, v) => void floats.push(`${JSON.stringify(labels)} ${t} ${v}`),
      appendHistogram: withHistograms ? (labels, t, h) => void histograms.push(`${JSON.stringify(labels)} ${t} ${h.toString()}`) : undefined,
      commit: async () => {},
      rollback: () => {},
    };
    const cache = new ScrapeCache();
    cache.begin();
    const result = appendPage(body, 'protobuf', 5000, app, cache, s, 'http://h:1/metrics');
    return { result, floats, histograms };
  }

  it('appends native histograms with the target labels when native histograms are scraped, counting each as one sample', () => {
    const { result, floats, histograms } = scrapeProto(page, { ...settings, nativeHistograms: true });
    expect(result.error).toBeUndefined();
    expect(histograms).toEqual(['{"__name__":"rpc_seconds","instance":"h:1","job":"j"} 5000 {count:10, sum:7.5, [-0.001,0.001]:1, (0.5,1]:4, (1,2]:5}']);
    expect(floats).toEqual(['{"__name__":"up_total","instance":"h:1","job":"j"} 5000 2']);
    expect([result.total, result.added, result.seriesAdded]).toEqual([2, 2, 2]);
    expect(result.exemplars).toEqual([{ series: { __name__: 'up_total', instance: 'h:1', job: 'j' }, labels: { t: '1' }, value: 0.5, timestampMs: 5000 }]);
    expect(result.metadata.get('rpc_seconds')).toEqual({ metric: 'rpc_seconds', type: 'histogram', help: '', unit: '' });
  });

  it('appends the classic series instead when native histograms are not scraped or the sink carries floats only', () => {
    for (const [s, withHistograms] of [[{ ...settings, nativeHistograms: false }, true], [{ ...settings, nativeHistograms: true }, false]] as const) {
      const { result, floats, histograms } = scrapeProto(page, s, withHistograms);
      expect(result.error).toBeUndefined();
      expect(histograms).toEqual([]);
      expect(floats.map((f) => f.split(' ')[0])).toEqual([
        '{"__name__":"rpc_seconds_count","instance":"h:1","job":"j"}',
        '{"__name__":"rpc_seconds_sum","instance":"h:1","job":"j"}',
        '{"__name__":"rpc_seconds_bucket","le":"1.0","instance":"h:1","job":"j"}',
        '{"__name__":"rpc_seconds_bucket","le":"+Inf","instance":"h:1","job":"j"}',
        '{"__name__":"up_total","instance":"h:1","job":"j"}',
      ]);
    }
  });

  it('appends both the native histogram and its classic series with always_scrape_classic_histograms', () => {
    const { histograms, floats } = scrapeProto(page, { ...settings, nativeHistograms: true, alwaysScrapeClassicHistograms: true });
    expect(histograms).toHaveLength(1);
    expect(floats).toHaveLength(5);
  });

  /** A native histogram of `schema` with two observations in each of buckets 0..3 and `extra` on top. */
  const nativePage = (schema: number, extra: Record<string, unknown> = {}) => encodeDelimited([{
    name: 'lat', type: METRIC_TYPE.HISTOGRAM,
    metric: [{ histogram: { sample_count: 8, sample_sum: 4, schema, positive_span: [{ offset: 0, length: 4 }], positive_delta: [2, 0, 0, 0], ...extra } }],
  }]);

  it('reduces a native histogram of schema 9 to 52 to schema 8, as Prometheus 3 does', () => {
    // Schema 12 buckets 0..3 are buckets 0 (index 0) and 1 (indexes 1..3) of schema 8.
    const { result, histograms } = scrapeProto(nativePage(12), { ...settings, nativeHistograms: true });
    expect(result.error).toBeUndefined();
    expect(histograms).toEqual(['{"__name__":"lat","instance":"h:1","job":"j"} 5000 {count:8, sum:4, (0.9972960560854698,1]:2, (1,1.0027112750502025]:6}']);
  });

  it('reduces native histograms to the schema native_histogram_min_bucket_factor allows', () => {
    const { result, histograms } = scrapeProto(nativePage(2), { ...settings, nativeHistograms: true, nativeHistogramMaxSchema: 0 });
    expect(result.error).toBeUndefined();
    expect(histograms).toEqual(['{"__name__":"lat","instance":"h:1","job":"j"} 5000 {count:8, sum:4, (0.5,1]:2, (1,2]:6}']);
  });

  it('halves the resolution of a native histogram over the bucket limit until it fits', () => {
    const { result, histograms } = scrapeProto(nativePage(0), { ...settings, nativeHistograms: true, nativeHistogramBucketLimit: 2 });
    expect(result.error).toBeUndefined();
    expect(histograms).toEqual(['{"__name__":"lat","instance":"h:1","job":"j"} 5000 {count:8, sum:4, (0.0625,1]:2, (1,16]:6}']);
  });

  it('fails the scrape with "histogram bucket limit exceeded" when no schema fits the limit, still counting the page', () => {
    const body = encodeDelimited([
      { name: 'up_total', type: METRIC_TYPE.COUNTER, metric: [{ counter: { value: 1 } }] },
      { name: 'wide', type: METRIC_TYPE.HISTOGRAM, metric: [{ histogram: { sample_count: 2, schema: 0, positive_span: [{ offset: 0, length: 1 }, { offset: 300, length: 1 }], positive_delta: [1, 0] } }] },
    ]);
    const { result } = scrapeProto(body, { ...settings, nativeHistograms: true, nativeHistogramBucketLimit: 1 });
    expect(result.error?.kind).toBe('bucket_limit');
    expect(result.error?.message).toBe('histogram bucket limit exceeded');
    expect(result.total).toBe(2);
  });

  it('keeps the exemplars of a native histogram that have a timestamp, oldest first', () => {
    const ts = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });
    const own = nativePage(0, {
      exemplars: [
        { label: [{ name: 'trace_id', value: 'b' }], value: 0.7, timestamp: ts(4500) },
        { label: [{ name: 'trace_id', value: 'none' }], value: 0.2 },
        { label: [{ name: 'trace_id', value: 'a' }], value: 0.3, timestamp: ts(4000) },
      ],
      bucket: [{ cumulative_count: 2, upper_bound: 1, exemplar: { label: [{ name: 'trace_id', value: 'bucket' }], value: 0.9, timestamp: ts(4200) } }],
    });
    const series = { __name__: 'lat', instance: 'h:1', job: 'j' };
    expect(scrapeProto(own, { ...settings, nativeHistograms: true }).result.exemplars).toEqual([
      { series, labels: { trace_id: 'a' }, value: 0.3, timestampMs: 4000 },
      { series, labels: { trace_id: 'b' }, value: 0.7, timestampMs: 4500 },
    ]);
    // Without exemplars of its own, those of the classic buckets that have a timestamp.
    const fromBuckets = nativePage(0, {
      bucket: [
        { cumulative_count: 2, upper_bound: 1, exemplar: { label: [{ name: 'trace_id', value: 'c' }], value: 0.9, timestamp: ts(4200) } },
        { cumulative_count: 8, upper_bound: 8, exemplar: { label: [{ name: 'trace_id', value: 'no-ts' }], value: 5 } },
      ],
    });
    expect(scrapeProto(fromBuckets, { ...settings, nativeHistograms: true }).result.exemplars).toEqual([{ series, labels: { trace_id: 'c' }, value: 0.9, timestampMs: 4200 }]);
  });

  it('fails the scrape on an invalid native histogram, naming the series and the reason', () => {
    const bad = encodeDelimited([{
      name: 'bad', type: METRIC_TYPE.HISTOGRAM,
      metric: [{ histogram: { sample_count: 5, schema: 0, positive_span: [{ offset: 0, length: 1 }], positive_delta: [1] } }],
    }]);
    const { result } = scrapeProto(bad, { ...settings, nativeHistograms: true });
    expect(result.error?.kind).toBe('parse');
    expect(result.error?.message).toMatch(/^invalid histogram for series bad\{instance="h:1", job="j"\}: 1 observations found in buckets, but the Count field is 5/);
  });
});
