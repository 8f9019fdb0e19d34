import { useState } from 'preact/hooks';
import { useApi } from '../api';
import { LoadedView } from '../components/loaded';
import { formatTime } from '../format';
import type { PageProps } from '../shell';

interface NamedCount {
  readonly name: string;
  readonly value: number;
}

interface TsdbStatus {
  readonly headStats: { numSeries: number; numLabelPairs: number; chunkCount: number; minTime: number; maxTime: number };
  readonly seriesCountByMetricName: NamedCount[];
  readonly labelValueCountByLabelName: NamedCount[];
  readonly memoryInBytesByLabelName: NamedCount[];
  readonly seriesCountByLabelValuePair: NamedCount[];
  readonly totalSeries?: number;
  readonly totalLabelValuePairs?: number;
  readonly seriesCountByLabelName?: NamedCount[];
  readonly seriesCountByFocusLabelValue?: NamedCount[];
}

/** Go's MaxInt64 / MinInt64: an empty head's times. */
const EMPTY_TIME = 9.2e18;

/**
 * TSDB status and cardinality (/api/v1/status/tsdb): Prometheus' head statistics and top lists,
 * with vmui's cardinality-explorer controls (series selector, focus label, day, top N). A click on
 * a metric name narrows the selection to it; a click on a label name focuses on it.
 */
export default function TsdbStatusPage({ params, setParams }: PageProps) {
  const match = params.get('match') ?? '';
  const focus = params.get('focusLabel') ?? '';
  const date = params.get('date') ?? '';
  const limit = params.get('limit') ?? '10';
  const [draft, setDraft] = useState({ match, focus, date, limit });
  const api = new URLSearchParams({ limit });
  if (match !== '') api.set('match[]', match);
  if (focus !== '') api.set('focusLabel', focus);
  if (date !== '') api.set('date', date);
  const [loaded] = useApi<TsdbStatus>('/api/v1/status/tsdb', api, api.toString());

  const apply = (next: { match: string; focus: string; date: string; limit: string }) => {
    const p = new URLSearchParams();
    if (next.match !== '') p.set('match', next.match);
    if (next.focus !== '') p.set('focusLabel', next.focus);
    if (next.date !== '') p.set('date', next.date);
    if (next.limit !== '' && next.limit !== '10') p.set('limit', next.limit);
    setDraft(next);
    setParams(p);
  };

  return (
    <>
      <h1>TSDB status</h1>
      <form
        class="controls"
        data-testid="cardinality-controls"
        onSubmit={(e) => {
          e.preventDefault();
          apply(draft);
        }}
      >
        <label class="field">
          Series selector
          <input type="text" name="match" placeholder='{job="node"}' value={draft.match} onInput={(e) => setDraft({ ...draft, match: e.currentTarget.value })} />
        </label>
        <label class="field">
          Focus label
          <input type="text" name="focusLabel" placeholder="instance" value={draft.focus} onInput={(e) => setDraft({ ...draft, focus: e.currentTarget.value })} />
        </label>
        <label class="field">
          Day (UTC)
          <input type="date" name="date" value={draft.date} onInput={(e) => setDraft({ ...draft, date: e.currentTarget.value })} />
        </label>
        <label class="field">
          Top
          <input type="number" name="limit" min="1" value={draft.limit} onInput={(e) => setDraft({ ...draft, limit: e.currentTarget.value })} />
        </label>
        <button type="submit" class="primary">
          Apply
        </button>
        <button type="button" onClick={() => apply({ match: '', focus: '', date: '', limit: '10' })}>
          Reset
        </button>
      </form>
      <LoadedView loaded={loaded}>
        {(s) => (
          <>
            <h2>Head statistics</h2>
            <table class="kv" data-testid="head-stats">
              <tbody>
                <tr>
                  <th>Number of series</th>
                  <td>{s.headStats.numSeries}</td>
                </tr>
                <tr>
                  <th>Number of chunks</th>
                  <td>{s.headStats.chunkCount}</td>
                </tr>
                <tr>
                  <th>Number of label pairs</th>
                  <td>{s.headStats.numLabelPairs}</td>
                </tr>
                <tr>
                  <th>Current min time</th>
                  <td>{Math.abs(s.headStats.minTime) >= EMPTY_TIME ? 'no data' : `${formatTime(s.headStats.minTime)} (${s.headStats.minTime})`}</td>
                </tr>
                <tr>
                  <th>Current max time</th>
                  <td>{Math.abs(s.headStats.maxTime) >= EMPTY_TIME ? 'no data' : `${formatTime(s.headStats.maxTime)} (${s.headStats.maxTime})`}</td>
                </tr>
                {s.totalSeries !== undefined && (match !== '' || date !== '') && (
                  <tr>
                    <th>Series selected</th>
                    <td data-testid="total-series">{s.totalSeries}</td>
                  </tr>
                )}
              </tbody>
            </table>
            <div class="cardinality">
              <Top
                title="Top series count by metric name"
                head="Name"
                items={s.seriesCountByMetricName}
                total={s.totalSeries}
                testid="by-metric"
                onPick={(name) => apply({ ...draft, match: `{__name__="${name}"}` })}
              />
              {focus !== '' && s.seriesCountByFocusLabelValue !== undefined && (
                <Top title={`Series count by value of ${focus}`} head="Value" items={s.seriesCountByFocusLabelValue} total={s.totalSeries} testid="by-focus" />
              )}
              <Top
                title="Top label names with value count"
                head="Name"
                items={s.labelValueCountByLabelName}
                testid="by-label"
                onPick={(name) => apply({ ...draft, focus: name })}
              />
              <Top title="Top label names with high memory usage" head="Name" unit="B" items={s.memoryInBytesByLabelName} testid="by-memory" />
              <Top title="Top series count by label value pairs" head="Name" items={s.seriesCountByLabelValuePair} total={s.totalSeries} testid="by-pair" />
              {s.seriesCountByLabelName !== undefined && (
                <Top title="Top series count by label name" head="Name" items={s.seriesCountByLabelName} total={s.totalSeries} testid="by-label-series" />
              )}
            </div>
          </>
        )}
      </LoadedView>
    </>
  );
}

/** One top list: name, count, and (with a total) the share as a bar. */
function Top(props: { title: string; head: string; items: NamedCount[]; total?: number; unit?: string; testid: string; onPick?: (name: string) => void }) {
  const { title, head, items, total, unit, testid, onPick } = props;
  return (
    <section class="panel">
      <h2>{title}</h2>
      {items.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <table data-testid={testid}>
          <thead>
            <tr>
              <th>{head}</th>
              <th>{unit === 'B' ? 'Bytes' : 'Count'}</th>
              {total !== undefined && total > 0 && <th>Share</th>}
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.name}>
                <td>
                  {onPick === undefined ? (
                    <code>{e.name}</code>
                  ) : (
                    <a
                      href="#"
                      onClick={(ev) => {
                        ev.preventDefault();
                        onPick(e.name);
                      }}
                    >
                      <code>{e.name}</code>
                    </a>
                  )}
                </td>
                <td class="value">{e.value}</td>
                {total !== undefined && total > 0 && (
                  <td class="share">
                    <span class="bar" style={{ width: `${Math.min(100, (100 * e.value) / total).toFixed(1)}%` }} />
                    {((100 * e.value) / total).toFixed(1)}%
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
