import { describe, expect, it } from 'vitest';
import { ScrapeError } from './errors.js';
import { parseMediaType, scrapeFormatOf } from './scrape-format.js';

const URL_ = 'http://h:1/metrics';

function failure(contentType: string): ScrapeError {
  try {
    scrapeFormatOf(contentType, undefined, URL_);
  } catch (err) {
    if (err instanceof ScrapeError) return err;
    throw err;
  }
  throw new Error(`${JSON.stringify(contentType)} was accepted`);
}

describe('scrapeFormatOf', () => {
  it('tells the formats by their media type, whatever the parameters', () => {
    expect(scrapeFormatOf('application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited', undefined, URL_)).toBe('protobuf');
    expect(scrapeFormatOf('application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited', undefined, URL_)).toBe('protobuf');
    expect(scrapeFormatOf('application/openmetrics-text; version=1.0.0; charset=utf-8', undefined, URL_)).toBe('openmetrics');
    expect(scrapeFormatOf('Text/Plain; version=0.0.4', undefined, URL_)).toBe('prometheus');
    expect(scrapeFormatOf('text/plain;version=1.0.0;escaping=underscores', 'PrometheusProto', URL_)).toBe('prometheus');
  });

  it('fails a scrape whose Content-Type is blank, unparsable or unsupported when no fallback is set, in Prometheus 3 words', () => {
    expect(failure('').message).toBe('non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target');
    expect(failure('').kind).toBe('content_type');
    expect(failure('text/plain; version').message).toBe('cannot parse Content-Type "text/plain; version" and no fallback_scrape_protocol for target\nmime: invalid media parameter');
    expect(failure('application/json').message).toBe('received unsupported Content-Type "application/json" and no fallback_scrape_protocol specified for target');
  });

  it('reads such a response in the fallback protocol when one is set', () => {
    expect(scrapeFormatOf('', 'PrometheusText0.0.4', URL_)).toBe('prometheus');
    expect(scrapeFormatOf('text/plain; version', 'OpenMetricsText1.0.0', URL_)).toBe('openmetrics');
    expect(scrapeFormatOf('application/octet-stream', 'PrometheusProto', URL_)).toBe('protobuf');
    expect(scrapeFormatOf('constructor', 'PrometheusText1.0.0', URL_)).toBe('prometheus');
  });
});

describe('parseMediaType', () => {
  it('returns the lower-cased media type of a well-formed header', () => {
    expect(parseMediaType('Application/OpenMetrics-Text; version=1.0.0; charset="utf-8";')).toBe('application/openmetrics-text');
    expect(parseMediaType('garbage')).toBe('garbage');
  });

  it.each([
    [' ; a=b', 'mime: no media type'],
    ['text plain', 'mime: expected slash after first token'],
    ['text/', 'mime: expected token after slash'],
    ['text/plain/x', 'mime: unexpected content after media subtype'],
    ['text/plain; a', 'mime: invalid media parameter'],
    ['text/plain; a=1; A=2', 'mime: duplicate parameter name'],
  ])('refuses %j as Go does: %s', (header, message) => {
    expect(() => parseMediaType(header)).toThrow(message);
  });
});
