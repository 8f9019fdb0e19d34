import { useEffect, useState } from 'preact/hooks';
import { amFetch, matcherText, type AmSilence } from '../alertmanager-api';
import { ago } from '../format';
import type { PageProps } from '../shell';

const STATES = ['active', 'pending', 'expired'] as const;
type State = (typeof STATES)[number];

/**
 * Alertmanager's silences (/api/v2/silences) in three tabs, active, pending and expired, each with
 * its matchers, times, creator and comment; active and pending ones can be expired
 * (DELETE /api/v2/silence/<id>) or edited, expired ones recreated. `?id=` shows one silence.
 */
export default function AlertmanagerSilencesPage({ params, setParams }: PageProps) {
  const tab = (STATES as readonly string[]).includes(params.get('state') ?? '') ? (params.get('state') as State) : 'active';
  const only = params.get('id');
  const [silences, setSilences] = useState<AmSilence[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    amFetch<AmSilence[]>('GET', '/api/v2/silences', undefined, abort.signal).then(setSilences, (err: unknown) => {
      if (!abort.signal.aborted) setError(err instanceof Error ? err.message : String(err));
    });
    return () => abort.abort();
  }, [generation]);

  const expire = async (s: AmSilence) => {
    if (!confirm(`Expire silence ${s.id}?`)) return;
    try {
      await amFetch('DELETE', `/api/v2/silence/${encodeURIComponent(s.id)}`);
      setError(undefined);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
    setGeneration((g) => g + 1);
  };

  const shown = (silences ?? []).filter((s) => (only !== null ? s.id === only : s.status.state === tab));
  return (
    <>
      <h1>Silences</h1>
      <div class="filters">
        <a class="button primary" href="/alertmanager/silences/new">
          New silence
        </a>
      </div>
      {only === null && (
        <div class="tabs" role="tablist">
          {STATES.map((st) => (
            <button type="button" key={st} role="tab" class={st === tab ? 'active' : ''} onClick={() => setParams(new URLSearchParams(st === 'active' ? {} : { state: st }))}>
              {st[0].toUpperCase() + st.slice(1)} <span data-testid={`count-${st}`}>({(silences ?? []).filter((s) => s.status.state === st).length})</span>
            </button>
          ))}
        </div>
      )}
      {error !== undefined && <p class="error">{error}</p>}
      {silences === undefined && error === undefined && <p class="muted">Loading…</p>}
      {silences !== undefined && shown.length === 0 && <p class="muted">No {only === null ? tab : ''} silences.</p>}
      {shown.length > 0 && (
        <table data-testid="silences">
          <thead>
            <tr>
              <th>Matchers</th>
              <th>State</th>
              <th>Starts</th>
              <th>Ends</th>
              <th>Created by</th>
              <th>Comment</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {shown.map((s) => (
              <tr key={s.id} data-testid="silence" data-id={s.id} data-state={s.status.state}>
                <td>
                  <span class="labels">
                    {s.matchers.map((m) => (
                      <span class="label" key={matcherText(m)}>
                        {matcherText(m)}
                      </span>
                    ))}
                  </span>
                  <div class="muted">
                    <code>{s.id}</code>
                  </div>
                </td>
                <td>
                  <span class={`badge ${s.status.state === 'active' ? 'ok' : s.status.state === 'pending' ? 'pending' : 'inactive'}`}>{s.status.state}</span>
                </td>
                <td title={s.startsAt}>{ago(s.startsAt)}</td>
                <td title={s.endsAt}>{ago(s.endsAt)}</td>
                <td>{s.createdBy}</td>
                <td>{s.comment}</td>
                <td>
                  <a class="button" href={`/alertmanager/silences/new?id=${encodeURIComponent(s.id)}`}>
                    {s.status.state === 'expired' ? 'Recreate' : 'Edit'}
                  </a>{' '}
                  {s.status.state !== 'expired' && (
                    <button type="button" class="danger" data-testid="expire" onClick={() => void expire(s)}>
                      Expire
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
