import { useEffect, useState } from 'preact/hooks';
import { amFetch, filterQuery, matcherText, parseMatchers, type AmAlertGroup } from '../alertmanager-api';
import { LabelBadges } from '../components/labels';
import { ago } from '../format';
import type { PageProps } from '../shell';

/** The editor's address for a silence of exactly these labels. */
export function silenceLink(labels: Readonly<Record<string, string>>): string {
  const matchers = Object.entries(labels).map(([name, value]) => matcherText({ name, value, isRegex: false, isEqual: true }));
  return `/alertmanager/silences/new?${new URLSearchParams({ filter: `{${matchers.join(', ')}}` }).toString()}`;
}

/**
 * Alertmanager's alert view: the groups of /api/v2/alerts/groups with their receiver, each alert
 * with its labels, annotations, start and state (silenced alerts name their silences), and a
 * Silence button that opens the silence editor with the alert's labels. A matcher filter and
 * silenced/inhibited toggles narrow the list, as in Alertmanager's UI.
 */
export default function AlertmanagerAlertsPage({ params, setParams }: PageProps) {
  const filter = params.get('filter') ?? '';
  const silenced = params.get('silenced') !== 'false';
  const inhibited = params.get('inhibited') !== 'false';
  const [draft, setDraft] = useState(filter);
  const [state, setState] = useState<{ groups?: AmAlertGroup[]; error?: string }>({});
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    let query: string;
    try {
      query = filterQuery(filter === '' ? [] : parseMatchers(filter), { silenced: String(silenced), inhibited: String(inhibited), active: 'true' });
    } catch (err) {
      setState({ error: `filter: ${(err as Error).message}` });
      return;
    }
    amFetch<AmAlertGroup[]>('GET', `/api/v2/alerts/groups${query}`, undefined, abort.signal).then(
      (groups) => setState({ groups }),
      (err: unknown) => {
        if (!abort.signal.aborted) setState({ error: err instanceof Error ? err.message : String(err) });
      },
    );
    const t = setTimeout(() => setGeneration((g) => g + 1), 10_000);
    return () => {
      abort.abort();
      clearTimeout(t);
    };
  }, [filter, silenced, inhibited, generation]);

  const set = (next: { filter?: string; silenced?: boolean; inhibited?: boolean }) => {
    const p = new URLSearchParams();
    const f = next.filter ?? filter;
    if (f !== '') p.set('filter', f);
    if (!(next.silenced ?? silenced)) p.set('silenced', 'false');
    if (!(next.inhibited ?? inhibited)) p.set('inhibited', 'false');
    setParams(p);
  };

  return (
    <>
      <h1>Alerts</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          set({ filter: draft });
        }}
      >
        <input type="search" name="filter" placeholder='{alertname="HighLatency", severity=~"page|critical"}' value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
        <button type="submit">Filter</button>
        <label class="check">
          <input type="checkbox" name="silenced" checked={silenced} onChange={(e) => set({ silenced: e.currentTarget.checked })} /> Silenced
        </label>
        <label class="check">
          <input type="checkbox" name="inhibited" checked={inhibited} onChange={(e) => set({ inhibited: e.currentTarget.checked })} /> Inhibited
        </label>
        <a href="/alertmanager/silences/new">New silence</a>
      </form>
      {state.error !== undefined && <p class="error">{state.error}</p>}
      {state.groups === undefined && state.error === undefined && <p class="muted">Loading…</p>}
      {state.groups !== undefined && state.groups.length === 0 && <p class="muted">No alerts.</p>}
      {state.groups?.map((g) => (
        <details class="group" open key={`${g.receiver.name}/${JSON.stringify(g.labels)}`} data-testid="alert-group">
          <summary>
            {Object.keys(g.labels).length === 0 ? <span class="muted">Not grouped</span> : <LabelBadges labels={g.labels} />}{' '}
            <span class="muted">
              receiver <code>{g.receiver.name}</code>, {g.alerts.length} alert{g.alerts.length === 1 ? '' : 's'}
            </span>
          </summary>
          <table>
            <tbody>
              {g.alerts.map((a) => (
                <tr key={a.fingerprint} data-testid="alert" data-fingerprint={a.fingerprint} data-state={a.status.state}>
                  <td>
                    <span class={`badge ${a.status.state === 'active' ? 'firing' : 'inactive'}`}>
                      {a.status.state === 'suppressed' ? (a.status.silencedBy.length > 0 ? 'silenced' : 'inhibited') : a.status.state}
                    </span>
                  </td>
                  <td>
                    <LabelBadges labels={a.labels} />
                    {Object.entries(a.annotations).map(([k, v]) => (
                      <div class="muted" key={k}>
                        {k}: {v}
                      </div>
                    ))}
                    {a.status.silencedBy.map((id) => (
                      <div key={id} class="muted" data-testid="silenced-by">
                        silenced by <a href={`/alertmanager/silences?id=${encodeURIComponent(id)}`}>{id}</a>
                      </div>
                    ))}
                  </td>
                  <td class="muted" title={a.startsAt}>
                    since {ago(a.startsAt)}
                  </td>
                  <td>
                    <a class="button" href={silenceLink(a.labels)} data-testid="silence-alert">
                      Silence
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ))}
    </>
  );
}
