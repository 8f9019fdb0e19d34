import { useState } from 'preact/hooks';
import { QueryPanel } from '../query/panel';
import { DEFAULT_PANEL, panelsToParams, parsePanels, type PanelParams } from '../query/panel-params';
import type { PageProps } from '../shell';

/** Prometheus' query page (/query, /graph): panels of PromQL, each as a table or a graph. */
export default function QueryPage({ params, setParams }: PageProps) {
  const panels = parsePanels(params);
  // Execute with an unchanged URL still runs the query again.
  const [runs, setRuns] = useState<number[]>([]);
  const write = (next: PanelParams[], replace = false) => setParams(panelsToParams(next, params), { replace });
  const update = (i: number, p: PanelParams) => write(panels.map((q, j) => (j === i ? p : q)));
  return (
    <div class="query-page">
      {panels.map((p, i) => (
        <QueryPanel
          key={i}
          index={i}
          panel={p}
          run={runs[i] ?? 0}
          change={(next) => update(i, next)}
          execute={(next) => {
            setRuns((r) => Object.assign([...r], { [i]: (r[i] ?? 0) + 1 }));
            update(i, next);
          }}
          remove={panels.length > 1 ? () => write(panels.filter((_, j) => j !== i)) : undefined}
        />
      ))}
      <button type="button" data-testid="add-panel" onClick={() => write([...panels, DEFAULT_PANEL])}>
        Add panel
      </button>
    </div>
  );
}
