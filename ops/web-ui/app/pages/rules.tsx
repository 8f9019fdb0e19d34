import { useApi } from '../api';
import { LabelBadges } from '../components/labels';
import { LoadedView } from '../components/loaded';
import type { RuleGroup } from '../components/prometheus-types';
import { ago, formatSeconds } from '../format';
import type { PageProps } from '../shell';

/** Rule health (/api/v1/rules): per group, each rule's expression, health, last error, last evaluation and its duration. */
export default function RulesPage(_: PageProps) {
  const [loaded, reload] = useApi<{ groups: RuleGroup[] }>('/api/v1/rules');
  return (
    <>
      <h1>Rule health</h1>
      <div class="filters">
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </div>
      <LoadedView loaded={loaded}>
        {({ groups }) =>
          groups.length === 0 ? (
            <p class="muted">No rule groups configured.</p>
          ) : (
            <div data-testid="rules">
              {groups.map((g) => (
                <details class="group" open key={`${g.file}/${g.name}`}>
                  <summary>
                    {g.name} <span class="muted">{g.file} · every {formatSeconds(g.interval)} · last evaluation {ago(g.lastEvaluation)}, took {formatSeconds(g.evaluationTime)}</span>
                  </summary>
                  <table>
                    <thead>
                      <tr>
                        <th>Rule</th>
                        <th>State</th>
                        <th>Error</th>
                        <th>Last evaluation</th>
                        <th>Evaluation time</th>
                      </tr>
                    </thead>
                    <tbody>
                      {g.rules.map((r) => (
                        <tr key={r.name + r.query} class="rule" data-health={r.health}>
                          <td>
                            <div>
                              <strong>{r.type === 'alerting' ? 'alert' : 'record'}:</strong> <code>{r.name}</code>
                            </div>
                            <div>
                              <strong>expr:</strong> <a href={`/query?${new URLSearchParams({ 'g0.expr': r.query, 'g0.tab': 'table' })}`}><code>{r.query}</code></a>
                            </div>
                            {r.type === 'alerting' && r.duration > 0 ? <div><strong>for:</strong> {formatSeconds(r.duration)}</div> : null}
                            {r.labels !== undefined && Object.keys(r.labels).length > 0 ? (
                              <div>
                                <strong>labels:</strong> <LabelBadges labels={r.labels} />
                              </div>
                            ) : null}
                          </td>
                          <td>
                            <span class={`badge ${r.health}`}>{r.health}</span>
                          </td>
                          <td class="error-cell">{r.lastError ?? ''}</td>
                          <td>{ago(r.lastEvaluation)}</td>
                          <td>{formatSeconds(r.evaluationTime)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </details>
              ))}
            </div>
          )
        }
      </LoadedView>
    </>
  );
}
