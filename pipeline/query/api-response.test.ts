import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { formatTimestamp, formatValue, labelsJson, queryDataJson, writeSuccessJson } from './api-response.js';

describe('Prometheus number formatting', () => {
  it.each([
    [1, '1'],
    [0.1, '0.1'],
    [-2.5, '-2.5'],
    [-0, '-0'],
    [1e21, '1000000000000000000000'],
    [1.5e-7, '0.00000015'],
    [-1.234e22, '-12340000000000000000000'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
  ])('writes the value %d as %s (Go FormatFloat f, -1)', (v, text) => {
    expect(formatValue(v)).toBe(text);
  });

  it('writes millisecond timestamps as seconds with up to three decimals', () => {
    expect(formatTimestamp(1_700_000_000_000)).toBe('1700000000');
    expect(formatTimestamp(1_700_000_000_500)).toBe('1700000000.500');
    expect(formatTimestamp(1_700_000_000_007)).toBe('1700000000.007');
    expect(formatTimestamp(-1500)).toBe('-1.500');
  });

  it('writes labels sorted by name and results in the API shapes', () => {
    expect(labelsJson({ b: '2', __name__: 'x', a: '"q"' })).toBe('{"__name__":"x","a":"\\"q\\"","b":"2"}');
    const matrix = queryDataJson({ resultType: 'matrix', result: [{ metric: { a: '1' }, timestamps: [1000, 2500], values: [1, NaN] }] });
    expect(JSON.parse(matrix)).toEqual({ resultType: 'matrix', result: [{ metric: { a: '1' }, values: [[1, '1'], [2.5, 'NaN']] }] });
    expect(JSON.parse(queryDataJson({ resultType: 'string', result: { t: 1000, v: 'hi' } }))).toEqual({ resultType: 'string', result: [1, 'hi'] });
  });

  it('writes every matrix value as formatValue does, whether or not its series holds values JSON writes otherwise', () => {
    const plain = [0, 1, -2.5, 0.1 + 0.2, 123456.789012345, 1e-6, -1e-6, 999999999999999900000, 1 / 3];
    const special = [NaN, Infinity, -Infinity, -0, 1e-7, -1.5e-300, 1e21, 5e-324];
    const series = [plain, [...plain, special[0]], ...special.map((v) => [1.5, v, 2]), [7]];
    const result = series.map((values, i) => ({ metric: { s: String(i) }, timestamps: values.map((_, k) => 1000 + k * 15_000), values }));
    const parsed = JSON.parse(queryDataJson({ resultType: 'matrix', result })) as { result: { values: [number, string][] }[] };
    expect(parsed.result.map((r) => r.values.map(([, v]) => v))).toEqual(series.map((values) => values.map(formatValue)));
    expect(parsed.result[0].values.map(([, v]) => v)).toEqual(['0', '1', '-2.5', '0.30000000000000004', '123456.789012345', '0.000001', '-0.000001', '999999999999999900000', '0.3333333333333333']);
  });
});

describe('sending an answer', () => {
  it('gives the length of the body in bytes, so a body with non-ASCII label values arrives whole', async () => {
    const data = queryDataJson({ resultType: 'matrix', result: [{ metric: { city: 'Zürich ✓', emoji: '🌊' }, timestamps: [1000], values: [1] }] });
    const server = createServer((_req, res) => writeSuccessJson(res, data));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      const body = await res.text();
      expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(body));
      expect(JSON.parse(body)).toEqual({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { city: 'Zürich ✓', emoji: '🌊' }, values: [[1, '1']] }] } });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
