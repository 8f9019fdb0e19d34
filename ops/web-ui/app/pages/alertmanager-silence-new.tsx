import { useEffect, useState } from 'preact/hooks';
import { MATCH_OPS, amFetch, filterQuery, matcherOf, opOf, parseMatchers, type AmAlert, type AmMatcher, type AmSilence, type MatchOp } from '../alertmanager-api';
import { LabelBadges } from '../components/labels';
import { formatDuration, formatTime, parseDuration, parseTime } from '../format';
import { navigate } from '../router';
import type { PageProps } from '../shell';

interface Row {
  name: string;
  op: MatchOp;
  value: string;
}

interface Draft {
  rows: Row[];
  start: string;
  duration: string;
  end: string;
  createdBy: string;
  comment: string;
}

const DEFAULT_DURATION = 2 * 3600_000;
const CREATOR_KEY = 'tidemark.silence.createdBy';

function rowsOf(matchers: readonly AmMatcher[]): Row[] {
  const rows = matchers.map((m) => ({ name: m.name, op: opOf(m), value: m.value }));
  return rows.length === 0 ? [{ name: '', op: '=', value: '' }] : rows;
}

function newDraft(matchers: readonly AmMatcher[]): Draft {
  const now = Date.now();
  return {
    rows: rowsOf(matchers),
    start: formatTime(now),
    duration: formatDuration(DEFAULT_DURATION),
    end: formatTime(now + DEFAULT_DURATION),
    createdBy: localStorage.getItem(CREATOR_KEY) ?? '',
    comment: '',
  };
}

/** The matchers of the rows that have a name; throws when a regex does not compile. */
function matchersOf(rows: readonly Row[]): AmMatcher[] {
  return rows.filter((r) => r.name.trim() !== '').map((r) => matcherOf(r.name.trim(), r.op, r.value));
}

/**
 * Alertmanager's silence editor: matchers (`=`, `!=`, `=~`, `!~`), start, duration or end (each
 * follows the other), creator and comment, with a live preview of the alerts the matchers catch
 * (GET /api/v2/alerts?filter=...). `?filter={...}` fills the matchers (the Silence button of the
 * alert view); `?id=` edits a silence (an expired one is recreated under a new id).
 */
export default function SilenceEditorPage({ params }: PageProps) {
  const id = params.get('id');
  const filter = params.get('filter');
  const [draft, setDraft] = useState<Draft>(() => {
    try {
      return newDraft(filter === null ? [] : parseMatchers(filter));
    } catch {
      return newDraft([]);
    }
  });
  const [editing, setEditing] = useState<AmSilence | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [preview, setPreview] = useState<{ alerts?: AmAlert[]; error?: string }>({});
  const [saving, setSaving] = useState(false);

  // A message about the form is out of date once the form changes.
  useEffect(() => setError(undefined), [draft]);

  // Editing: load the silence into the form.
  useEffect(() => {
    if (id === null) return;
    amFetch<AmSilence>('GET', `/api/v2/silence/${encodeURIComponent(id)}`).then(
      (s) => {
        setEditing(s);
        const expired = s.status.state === 'expired';
        const start = expired ? Date.now() : Date.parse(s.startsAt);
        const end = expired ? start + (Date.parse(s.endsAt) - Date.parse(s.startsAt)) : Date.parse(s.endsAt);
        setDraft({ rows: rowsOf(s.matchers), start: formatTime(start), end: formatTime(end), duration: formatDuration(end - start), createdBy: s.createdBy, comment: s.comment });
      },
      (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
    );
  }, [id]);

  // Preview: the alerts these matchers select, silenced or not, a moment after each change.
  const key = JSON.stringify(draft.rows);
  useEffect(() => {
    const matchers = matchersOf(draft.rows);
    if (matchers.length === 0) {
      setPreview({ alerts: [] });
      return;
    }
    const abort = new AbortController();
    const t = setTimeout(() => {
      amFetch<AmAlert[]>('GET', `/api/v2/alerts${filterQuery(matchers, { silenced: 'true', inhibited: 'true', active: 'true' })}`, undefined, abort.signal).then(
        (alerts) => setPreview({ alerts }),
        (err: unknown) => {
          if (!abort.signal.aborted) setPreview({ error: err instanceof Error ? err.message : String(err) });
        },
      );
    }, 250);
    return () => {
      clearTimeout(t);
      abort.abort();
    };
  }, [key]);

  const setRow = (i: number, patch: Partial<Row>) => setDraft({ ...draft, rows: draft.rows.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
  const onStart = (start: string) => {
    const s = parseTime(start);
    const d = parseDuration(draft.duration);
    setDraft({ ...draft, start, end: s !== undefined && d !== undefined ? formatTime(s + d) : draft.end });
  };
  const onDuration = (duration: string) => {
    const s = parseTime(draft.start);
    const d = parseDuration(duration);
    setDraft({ ...draft, duration, end: s !== undefined && d !== undefined ? formatTime(s + d) : draft.end });
  };
  const onEnd = (end: string) => {
    const s = parseTime(draft.start);
    const e = parseTime(end);
    setDraft({ ...draft, end, duration: s !== undefined && e !== undefined && e > s ? formatDuration(e - s) : draft.duration });
  };

  const submit = async () => {
    const startsAt = parseTime(draft.start);
    const endsAt = parseTime(draft.end);
    const matchers = matchersOf(draft.rows);
    if (matchers.length === 0) return setError('A silence needs at least one matcher.');
    if (startsAt === undefined) return setError('Start: expected YYYY-MM-DD HH:MM:SS (UTC).');
    if (endsAt === undefined) return setError('End: expected YYYY-MM-DD HH:MM:SS (UTC).');
    if (draft.createdBy.trim() === '') return setError('Creator is required.');
    if (draft.comment.trim() === '') return setError('Comment is required.');
    setSaving(true);
    try {
      localStorage.setItem(CREATOR_KEY, draft.createdBy.trim());
      const body = {
        ...(editing !== undefined && editing.status.state !== 'expired' ? { id: editing.id } : {}),
        matchers,
        startsAt: new Date(startsAt).toISOString(),
        endsAt: new Date(endsAt).toISOString(),
        createdBy: draft.createdBy.trim(),
        comment: draft.comment,
      };
      const created = await amFetch<{ silenceID: string }>('POST', '/api/v2/silences', body);
      navigate(`/alertmanager/silences?id=${encodeURIComponent(created.silenceID)}`);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
      <h1>{editing === undefined ? 'New silence' : editing.status.state === 'expired' ? 'Recreate silence' : `Edit silence ${editing.id}`}</h1>
      <form
        class="panel silence-editor"
        data-testid="silence-editor"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h2>Matchers</h2>
        <p class="muted">Alerts with labels matching all of these are silenced.</p>
        {draft.rows.map((r, i) => (
          <div class="controls" key={i} data-testid="matcher-row">
            <input type="text" name="matcher-name" placeholder="label" value={r.name} onInput={(e) => setRow(i, { name: e.currentTarget.value })} />
            <select name="matcher-op" value={r.op} onChange={(e) => setRow(i, { op: e.currentTarget.value as MatchOp })}>
              {MATCH_OPS.map((op) => (
                <option key={op} value={op}>
                  {op}
                </option>
              ))}
            </select>
            <input type="text" name="matcher-value" placeholder="value" value={r.value} onInput={(e) => setRow(i, { value: e.currentTarget.value })} />
            <button type="button" title="Remove this matcher" onClick={() => setDraft({ ...draft, rows: draft.rows.length === 1 ? rowsOf([]) : draft.rows.filter((_, j) => j !== i) })}>
              ✕
            </button>
          </div>
        ))}
        <button type="button" onClick={() => setDraft({ ...draft, rows: [...draft.rows, { name: '', op: '=', value: '' }] })}>
          Add matcher
        </button>
        <h2>Duration</h2>
        <div class="controls">
          <label class="field">
            Start (UTC)
            <input type="text" name="start" value={draft.start} class={parseTime(draft.start) === undefined ? 'invalid' : ''} onInput={(e) => onStart(e.currentTarget.value)} />
          </label>
          <label class="field">
            Duration
            <input type="text" name="duration" value={draft.duration} class={parseDuration(draft.duration) === undefined ? 'invalid' : ''} onInput={(e) => onDuration(e.currentTarget.value)} />
          </label>
          <label class="field">
            End (UTC)
            <input type="text" name="end" value={draft.end} class={parseTime(draft.end) === undefined ? 'invalid' : ''} onInput={(e) => onEnd(e.currentTarget.value)} />
          </label>
        </div>
        <div class="controls">
          <label class="field">
            Creator
            <input type="text" name="createdBy" value={draft.createdBy} onInput={(e) => setDraft({ ...draft, createdBy: e.currentTarget.value })} />
          </label>
          <label class="field">
            Comment
            <input type="text" name="comment" value={draft.comment} onInput={(e) => setDraft({ ...draft, comment: e.currentTarget.value })} />
          </label>
        </div>
        {error !== undefined && <p class="error">{error}</p>}
        <button type="submit" class="primary" disabled={saving} data-testid="create-silence">
          {editing !== undefined && editing.status.state !== 'expired' ? 'Update' : 'Create'}
        </button>
      </form>
      <h2>Affected alerts</h2>
      {preview.error !== undefined && <p class="error">{preview.error}</p>}
      {preview.alerts !== undefined && (
        <div data-testid="preview">
          <p class="muted" data-testid="preview-count">
            {preview.alerts.length} alert{preview.alerts.length === 1 ? '' : 's'} match.
          </p>
          <table>
            <tbody>
              {preview.alerts.map((a) => (
                <tr key={a.fingerprint} data-testid="preview-alert">
                  <td>
                    <LabelBadges labels={a.labels} />
                  </td>
                  <td class="muted">{a.status.state}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
