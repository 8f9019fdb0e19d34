import { describe, expect, it } from 'vitest';
import { apiValue } from './api-value.js';
import { matrixAnswerColumns } from './matrix-answer.js';

/** What JSON.parse reads from the same answer, as columns. */
function parsed(text: string) {
  const body = JSON.parse(text) as { data: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
  return body.data.result.map((s) => ({ labels: s.metric, timestamps: s.values.map(([t]) => Math.round(t * 1000)), values: s.values.map(([, v]) => apiValue(v)) }));
}

const answer = (result: string, after = '') => `{"status":"success","data":{"resultType":"matrix","result":[${result}]}${after}}`;

describe('matrixAnswerColumns', () => {
  it('reads a float matrix as JSON.parse does: labels with escapes, fractional and whole timestamps, every kind of value', () => {
    const texts = [
      answer('{"metric":{"__name__":"up","job":"a\\"b\\\\c","instance":"h\\u00e9:9100"},"values":[[1733472000,"1"],[1733472060.5,"0.30000000000000004"],[1733472120.125,"-2.5e-7"]]}'
        + ',{"metric":{},"values":[[0,"NaN"],[7,"+Inf"],[8,"-Inf"],[9,"1e308"]]},{"metric":{"a":"}{]["},"values":[]}'),
      answer(''),
      answer('{"metric":{"x":"1"},"values":[[1733472000.0001,"5"]]}', ',"warnings":["a \\"warning\\""],"infos":[]'),
    ];
    for (const text of texts) expect(matrixAnswerColumns(text)).toEqual(parsed(text));
    const [first, second] = matrixAnswerColumns(texts[0]!)!;
    expect(first!.labels).toEqual({ __name__: 'up', job: 'a"b\\c', instance: 'hé:9100' });
    expect(first!.timestamps).toEqual([1733472000000, 1733472060500, 1733472120125]);
    expect(first!.values).toEqual([1, 0.30000000000000004, -2.5e-7]);
    expect(second!.values).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e308]);
  });

  it('leaves anything but the plain shape to JSON.parse', () => {
    for (const text of [
      '{"data":{"resultType":"matrix","result":[]},"status":"success"}',
      '{"status": "success","data":{"resultType":"matrix","result":[]}}',
      '{"status":"error","errorType":"bad_data","error":"parse error"}',
      answer('{"metric":{},"histograms":[[1,{"count":"1","sum":"1"}]]}'),
      answer('{"metric":{},"values":[[1,"1"]],"histograms":[[2,{"count":"1","sum":"1"}]]}'),
      answer('{"metric":{},"values":[[1,"\\u0031"]]}'),
      answer('{"metric":{},"values":[[01,"1"]]}'),
      answer('{"metric":{},"values":[[1,"1"],]}'),
      answer('{"metric":{},"values":[[1,"1"]]}', ',"warnings":'),
      answer('{"metric":{"a":},"values":[[1,"1"]]}'),
      answer('{"metric":{},"values":[[1,"1"]]}').slice(0, -10),
    ]) expect(matrixAnswerColumns(text), text).toBeUndefined();
  });
});
