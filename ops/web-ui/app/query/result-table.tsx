import { seriesName } from '../components/labels';
import { formatTime } from '../format';
import type { HistogramValue, QueryResult } from './result-types';

/** Rows beyond this are counted, not drawn: a browser table of 100k rows helps no one. */
const MAX_ROWS = 10_000;

/** The table tab: one row per series with its value (or values, for a range vector). */
export function ResultTable({ result }: { result: QueryResult }) {
  switch (result.resultType) {
    case 'scalar':
    case 'string':
      return (
        <table class="results" data-testid="table">
          <tbody>
            <tr>
              <td>{result.resultType}</td>
              <td class="value">{result.result[1]}</td>
            </tr>
          </tbody>
        </table>
      );
    case 'vector':
    case 'matrix': {
      const rows = result.result.slice(0, MAX_ROWS);
      if (rows.length === 0) return <p class="muted">Empty query result</p>;
      return (
        <>
          {result.result.length > MAX_ROWS ? <p class="warning">Showing {MAX_ROWS} of {result.result.length} series.</p> : null}
          <table class="results" data-testid="table">
            <tbody>
              {result.resultType === 'vector'
                ? result.result.slice(0, MAX_ROWS).map((s, i) => (
                    <tr key={i}>
                      <td class="series">{seriesName(s.metric)}</td>
                      <td class="value">{s.value !== undefined ? s.value[1] : s.histogram !== undefined ? <Histogram h={s.histogram[1]} /> : ''}</td>
                    </tr>
                  ))
                : result.result.slice(0, MAX_ROWS).map((s, i) => (
                    <tr key={i}>
                      <td class="series">{seriesName(s.metric)}</td>
                      <td class="value">
                        {(s.values ?? []).map(([t, v]) => (
                          <div key={t}>
                            {v} <span class="muted">@{formatTime(t * 1000)}</span>
                          </div>
                        ))}
                        {(s.histograms ?? []).map(([t, h]) => (
                          <div key={`h${t}`}>
                            <Histogram h={h} /> <span class="muted">@{formatTime(t * 1000)}</span>
                          </div>
                        ))}
                      </td>
                    </tr>
                  ))}
            </tbody>
          </table>
        </>
      );
    }
  }
}

const BRACKETS: ReadonlyArray<readonly [string, string]> = [
  ['(', ']'],
  ['[', ')'],
  ['(', ')'],
  ['[', ']'],
];

/** A native histogram: count and sum, and its buckets as a bar chart of counts with their bounds. */
function Histogram({ h }: { h: HistogramValue }) {
  const buckets = h.buckets ?? [];
  const max = Math.max(1, ...buckets.map((b) => Number(b[3])));
  return (
    <div class="histogram">
      <div>
        Count: {h.count} Sum: {h.sum}
      </div>
      {buckets.length > 0 ? (
        <table class="buckets">
          <tbody>
            {buckets.map(([rule, lo, hi, count]) => (
              <tr key={`${lo}-${hi}`}>
                <td class="bound">
                  {BRACKETS[rule]?.[0] ?? '('}
                  {lo}, {hi}
                  {BRACKETS[rule]?.[1] ?? ']'}
                </td>
                <td>
                  <span class="bar" style={{ width: `${(Number(count) / max) * 100}%` }} />
                </td>
                <td class="count">{count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
