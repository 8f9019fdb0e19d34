import { useEffect, useLayoutEffect, useMemo, useState } from 'preact/hooks';
import { apiGet, type ApiAnswer } from '../api';
import { formatDuration, formatSeconds, formatTime, parseDuration, parseTime } from '../format';
import { PromqlEditor } from './editor';
import { Graph, graphData, type GraphData } from './graph';
import { autoStepMs, RANGE_STEPS_MS, type PanelParams } from './panel-params';
import { ResultTable } from './result-table';
import type { MatrixSeries, QueryData, QueryResult } from './result-types';

type Outcome =
  | { readonly state: 'idle' }
  | { readonly state: 'running' }
  | { readonly state: 'error'; readonly message: string }
  | {
      readonly state: 'done';
      readonly result: QueryResult;
      readonly graph?: GraphData;
      readonly ms: number;
      readonly stepMs?: number;
      readonly samples?: number;
      readonly warnings: readonly string[];
    };

/**
 * One query panel: expression, table/graph tabs and their controls, and the result. The panel's
 * parameters live in the URL (`g<i>.*`), so a panel is shared by copying the address; `change`
 * writes them back, `run` counts executions so that Execute re-runs an unchanged query.
 */
export function QueryPanel({ index, panel, run, change, execute, remove }: {
  index: number;
  panel: PanelParams;
  run: number;
  change: (p: PanelParams) => void;
  execute: (p: PanelParams) => void;
  remove?: () => void;
}) {
  const [draft, setDraft] = useState(panel.expr);
  const [outcome, setOutcome] = useState<Outcome>({ state: 'idle' });
  useEffect(() => setDraft(panel.expr), [panel.expr]);

  // A layout effect: the request leaves before the editor (a child's plain effect) is built.
  useLayoutEffect(() => {
    if (panel.expr.trim() === '') {
      setOutcome({ state: 'idle' });
      return;
    }
    const abort = new AbortController();
    setOutcome({ state: 'running' });
    performance.mark(QUERY_STARTED);
    runQuery(panel, abort.signal).then(setOutcome, (err: unknown) => {
      if (!abort.signal.aborted) setOutcome({ state: 'error', message: err instanceof Error ? err.message : String(err) });
    });
    return () => abort.abort();
  }, [panel.expr, panel.tab, panel.rangeMs, panel.endMs, panel.stepMs, panel.momentMs, run]);

  return (
    <section class="panel" data-testid={`panel-${index}`}>
      <div class="expression-row">
        <PromqlEditor value={panel.expr} onChange={setDraft} onExecute={() => execute({ ...panel, expr: draft })} />
        <button type="button" class="primary" data-testid="execute" onClick={() => execute({ ...panel, expr: draft })}>
          Execute
        </button>
        {remove !== undefined ? (
          <button type="button" title="Remove panel" onClick={remove}>
            ✕
          </button>
        ) : null}
      </div>
      <div class="tabs" role="tablist">
        {(['table', 'graph'] as const).map((t) => (
          <button type="button" role="tab" key={t} aria-selected={panel.tab === t} class={panel.tab === t ? 'active' : ''} onClick={() => change({ ...panel, tab: t })}>
            {t === 'table' ? 'Table' : 'Graph'}
          </button>
        ))}
        <Stats outcome={outcome} />
      </div>
      {panel.tab === 'graph' ? <GraphControls panel={panel} change={change} /> : <TableControls panel={panel} change={change} />}
      <Result outcome={outcome} panel={panel} />
    </section>
  );
}

/** User Timing mark when a panel starts its query (the web-ui benchmark reads it). */
export const QUERY_STARTED = 'tidemark:query-started';

async function runQuery(panel: PanelParams, signal: AbortSignal): Promise<Outcome> {
  if (panel.tab === 'table') {
    const time = panel.momentMs === undefined ? undefined : panel.momentMs / 1000;
    const a = await apiGet<QueryData>('/api/v1/query', { query: panel.expr, time, stats: 'all' }, signal);
    return { state: 'done', result: a.data, ms: a.ms, samples: samplesOf(a), warnings: a.warnings };
  }
  const endMs = panel.endMs ?? Date.now();
  const startMs = endMs - panel.rangeMs;
  const stepMs = panel.stepMs ?? autoStepMs(panel.rangeMs);
  const a = await apiGet<QueryData>('/api/v1/query_range', { query: panel.expr, start: startMs / 1000, end: endMs / 1000, step: stepMs / 1000, stats: 'all' }, signal);
  const graph = a.data.resultType === 'matrix' ? graphData(a.data.result as MatrixSeries[], startMs, endMs, stepMs) : undefined;
  return { state: 'done', result: a.data, graph, ms: a.ms, stepMs, samples: samplesOf(a), warnings: a.warnings };
}

function samplesOf(a: ApiAnswer<QueryData>): number | undefined {
  return a.data.stats?.samples?.totalQueryableSamples;
}

function Stats({ outcome }: { outcome: Outcome }) {
  if (outcome.state === 'running') return <span class="stats muted">Running…</span>;
  if (outcome.state !== 'done') return null;
  const r = outcome.result;
  const series = r.resultType === 'vector' || r.resultType === 'matrix' ? r.result.length : 1;
  return (
    <span class="stats muted" data-testid="stats">
      Load time: {Math.round(outcome.ms)}ms
      {outcome.stepMs !== undefined ? <> · Resolution: {formatSeconds(outcome.stepMs / 1000)}</> : null}
      {' '}· Result series: {series}
      {outcome.samples !== undefined ? <> · Samples: {outcome.samples}</> : null}
    </span>
  );
}

function Result({ outcome, panel }: { outcome: Outcome; panel: PanelParams }) {
  switch (outcome.state) {
    case 'idle':
      return <p class="muted">No data queried yet</p>;
    case 'running':
      return null;
    case 'error':
      return (
        <p class="error" data-testid="query-error">
          Error executing query: {outcome.message}
        </p>
      );
    case 'done':
      return (
        <>
          {outcome.warnings.map((w) => (
            <p class="warning" key={w}>
              Warning: {w}
            </p>
          ))}
          {panel.tab === 'table' ? (
            <ResultTable result={outcome.result} />
          ) : outcome.graph === undefined ? (
            <ResultTable result={outcome.result} />
          ) : (
            <>
              {outcome.graph.histogramOnly > 0 ? (
                <p class="notice">
                  {outcome.graph.histogramOnly} native histogram series are not drawn; graph histogram_quantile(), histogram_count() or histogram_sum() of them.
                </p>
              ) : null}
              {outcome.graph.names.length === 0 ? <p class="muted">Empty query result</p> : <Graph graph={outcome.graph} stacked={panel.stacked} />}
            </>
          )}
        </>
      );
  }
}

function GraphControls({ panel, change }: { panel: PanelParams; change: (p: PanelParams) => void }) {
  const stepRange = (dir: 1 | -1) => {
    const steps = dir === 1 ? RANGE_STEPS_MS : [...RANGE_STEPS_MS].reverse();
    const next = steps.find((s) => (dir === 1 ? s > panel.rangeMs : s < panel.rangeMs));
    if (next !== undefined) change({ ...panel, rangeMs: next });
  };
  const shiftEnd = (dir: 1 | -1) => {
    const end = (panel.endMs ?? Date.now()) + (dir * panel.rangeMs) / 2;
    change({ ...panel, endMs: dir === 1 && end >= Date.now() ? undefined : end });
  };
  return (
    <div class="controls">
      <button type="button" title="Shrink the time range" onClick={() => stepRange(-1)}>
        −
      </button>
      <LazyInput
        label="Range"
        testid="range"
        value={formatDuration(panel.rangeMs)}
        parse={(t) => parseDuration(t)}
        apply={(v) => v !== undefined && v > 0 && change({ ...panel, rangeMs: v })}
      />
      <button type="button" title="Widen the time range" onClick={() => stepRange(1)}>
        +
      </button>
      <button type="button" title="Move back" onClick={() => shiftEnd(-1)}>
        «
      </button>
      <LazyInput
        label="End time (UTC)"
        testid="end"
        placeholder="now"
        value={panel.endMs === undefined ? '' : formatTime(panel.endMs)}
        parse={(t) => (t.trim() === '' ? null : parseTime(t))}
        apply={(v) => v !== undefined && change({ ...panel, endMs: v ?? undefined })}
      />
      <button type="button" title="Move forward" onClick={() => shiftEnd(1)}>
        »
      </button>
      <LazyInput
        label="Resolution"
        testid="step"
        placeholder={`auto (${formatSeconds(autoStepMs(panel.rangeMs) / 1000)})`}
        value={panel.stepMs === undefined ? '' : formatDuration(panel.stepMs)}
        parse={(t) => (t.trim() === '' ? null : parseDuration(t))}
        apply={(v) => v !== undefined && change({ ...panel, stepMs: v ?? undefined })}
      />
      <label class="check">
        <input type="checkbox" checked={panel.stacked} data-testid="stacked" onChange={(e) => change({ ...panel, stacked: e.currentTarget.checked })} /> Stacked
      </label>
    </div>
  );
}

function TableControls({ panel, change }: { panel: PanelParams; change: (p: PanelParams) => void }) {
  return (
    <div class="controls">
      <LazyInput
        label="Evaluation time (UTC)"
        testid="moment"
        placeholder="now"
        value={panel.momentMs === undefined ? '' : formatTime(panel.momentMs)}
        parse={(t) => (t.trim() === '' ? null : parseTime(t))}
        apply={(v) => v !== undefined && change({ ...panel, momentMs: v ?? undefined })}
      />
    </div>
  );
}

/**
 * A text input applied on Enter or when it loses focus; text that does not parse (parse gives
 * undefined) is marked and not applied. `null` from parse means "cleared".
 */
function LazyInput<T>({ label, testid, value, placeholder, parse, apply }: {
  label: string;
  testid: string;
  value: string;
  placeholder?: string;
  parse: (text: string) => T | undefined;
  apply: (v: T | undefined) => unknown;
}) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const valid = useMemo(() => parse(text) !== undefined, [text]);
  const commit = () => {
    if (text !== value && valid) apply(parse(text));
  };
  return (
    <label class="field">
      <span>{label}</span>
      <input
        type="text"
        data-testid={testid}
        class={valid ? '' : 'invalid'}
        value={text}
        placeholder={placeholder}
        onInput={(e) => setText(e.currentTarget.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
      />
    </label>
  );
}
