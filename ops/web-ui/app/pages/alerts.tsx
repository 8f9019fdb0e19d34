import { useState } from 'preact/hooks';
import { useApi } from '../api';
import { LabelBadges, seriesName } from '../components/labels';
import { LoadedView } from '../components/loaded';
import type { Alert, AlertingRule, RuleGroup } from '../components/prometheus-types';
import { ago, formatSeconds } from '../format';
import type { PageProps } from '../shell';

type State = AlertingRule['state'];
const STATES: readonly State[] = ['firing', 'pending', 'inactive'];

/**
 * Alerts: every alerting rule (/api/v1/rules) with its state and, opened, its pending and firing
 * alerts' labels, annotations, value and since when; filtered by state in the URL (`state=`).
 * The active alerts of /api/v1/alerts are counted above.
 */
export default function AlertsPage({ params, setParams }: PageProps) {
  const [rules, reload] = useApi<{ groups: RuleGroup[] }>('/api/v1/rules', { type: 'alert' });
  const [alerts] = useApi<{ alerts: Alert[] }>('/api/v1/alerts');
  const shown = new Set<string>(params.getAll('state').length > 0 ? params.getAll('state') : STATES);
  const toggle = (s: State) => {
    const next = new Set(shown);
    if (next.has(s)) next.delete(s);
    else next.add(s);
    const p = new URLSearchParams(params);
    p.delete('state');
    for (const x of STATES) if (next.has(x)) p.append('state', x);
    setParams(p, { replace: true });
  };
  return (
    <>
      <h1>Alerts</h1>
      {alerts.state === 'done' ? (
        <p class="muted" data-testid="active-alerts">
          {alerts.answer.data.alerts.filter((a) => a.state === 'firing').length} firing, {alerts.answer.data.alerts.filter((a) => a.state === 'pending').length} pending
          alerts.
        </p>
      ) : null}
      <LoadedView loaded={rules}>
        {({ groups }) => {
          const all = groups.flatMap((g) => g.rules.filter((r): r is AlertingRule => r.type === 'alerting').map((r) => ({ group: g.name, rule: r })));
          const count = (s: State) => all.filter((r) => r.rule.state === s).length;
          return (
            <>
              <div class="filters">
                {STATES.map((s) => (
                  <label class="check" key={s}>
                    <input type="checkbox" checked={shown.has(s)} onChange={() => toggle(s)} data-testid={`show-${s}`} />
                    <span class={`badge ${s}`}>{s}</span> ({count(s)})
                  </label>
                ))}
                <button type="button" onClick={reload}>
                  Refresh
                </button>
              </div>
              {all.length === 0 ? <p class="muted">No alerting rules.</p> : null}
              <div data-testid="alert-rules">
                {all
                  .filter(({ rule }) => shown.has(rule.state))
                  .map(({ group, rule }) => (
                    <AlertRule key={`${group}/${rule.name}/${rule.query}`} group={group} rule={rule} />
                  ))}
              </div>
            </>
          );
        }}
      </LoadedView>
    </>
  );
}

function AlertRule({ group, rule }: { group: string; rule: AlertingRule }) {
  const [open, setOpen] = useState(rule.state !== 'inactive');
  return (
    <details class="group alert-rule" open={open} data-state={rule.state} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        <span class={`badge ${rule.state}`}>{rule.state}</span> {rule.name} <span class="muted">({rule.alerts.length} active) · group {group}</span>
      </summary>
      <div class="rule-definition">
        <div>
          <strong>expr:</strong> <code>{rule.query}</code>
        </div>
        {rule.duration > 0 ? (
          <div>
            <strong>for:</strong> {formatSeconds(rule.duration)}
          </div>
        ) : null}
        {rule.labels !== undefined && Object.keys(rule.labels).length > 0 ? (
          <div>
            <strong>labels:</strong> <LabelBadges labels={rule.labels} />
          </div>
        ) : null}
        {rule.lastError !== undefined && rule.lastError !== '' ? <p class="error">{rule.lastError}</p> : null}
      </div>
      {rule.alerts.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th>Labels</th>
              <th>State</th>
              <th>Active since</th>
              <th>Value</th>
              <th>Annotations</th>
            </tr>
          </thead>
          <tbody>
            {[...rule.alerts]
              .sort((a, b) => seriesName(a.labels).localeCompare(seriesName(b.labels)))
              .map((a) => (
              <tr key={JSON.stringify(a.labels)} class="alert" data-state={a.state}>
                <td>
                  <LabelBadges labels={a.labels} />
                </td>
                <td>
                  <span class={`badge ${a.state}`}>{a.state}</span>
                </td>
                <td>{a.activeAt === undefined ? '' : ago(a.activeAt)}</td>
                {/* The API writes values as Go's %e (3e+01). */}
                <td class="value">{Number.isNaN(Number(a.value)) ? a.value : String(Number(a.value))}</td>
                <td>
                  {Object.entries(a.annotations).map(([k, v]) => (
                    <div key={k}>
                      <strong>{k}:</strong> {v}
                    </div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </details>
  );
}
