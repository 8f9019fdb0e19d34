import { describe, expect, it } from 'vitest';
import { detectFormat, endpointOf } from './import-format.js';

describe('detectFormat', () => {
  it('tells JSON lines, OpenMetrics and the Prometheus text format apart from their first lines', () => {
    expect(detectFormat(['', '{"metric":{"__name__":"a"},"values":[1],"timestamps":[1]}'], undefined)).toBe('vm-json');
    expect(detectFormat(['# TYPE a counter', 'a_total 1 1700000000'], undefined)).toBe('openmetrics');
    expect(detectFormat(['a{b="c d"} 1 1700000000.250'], undefined)).toBe('openmetrics');
    expect(detectFormat(['# HELP a x', 'a{b="c"} 1 1700000000000'], undefined)).toBe('prometheus');
    expect(detectFormat(['a_total 1 1700000000 # {trace="1"} 1'], undefined)).toBe('openmetrics');
    expect(detectFormat(['# TYPE a gauge', '# UNIT a_seconds seconds'], undefined)).toBe('openmetrics');
  });

  it('waits while the lines do not tell, and takes a CSV spec as CSV', () => {
    expect(detectFormat(['# HELP a x', 'a 1'], undefined)).toBeUndefined();
    expect(detectFormat(['1,2,3'], '1:metric:a')).toBe('csv');
  });
});

describe('endpointOf', () => {
  it('sends OpenMetrics to the Prometheus import endpoint with its content type, and CSV with its format', () => {
    expect(endpointOf('openmetrics', undefined)).toEqual({ path: '/api/v1/import/prometheus', contentType: 'application/openmetrics-text; version=1.0.0' });
    expect(endpointOf('csv', '1:metric:a,2:time:unix_s').path).toBe('/api/v1/import/csv?format=1%3Ametric%3Aa%2C2%3Atime%3Aunix_s');
  });
});
