import { useState } from 'preact/hooks';
import { useApi } from '../api';
import { LabelBadges } from '../components/labels';
import { LoadedView } from '../components/loaded';
import { ago } from '../format';
import type { PageProps } from '../shell';

interface PushedMetric {
  readonly labels: Record<string, string>;
  readonly value?: string;
  readonly count?: string;
  readonly sum?: string;
  readonly buckets?: Record<string, string>;
  readonly quantiles?: Record<string, string>;
}

interface PushedFamily {
  readonly time_stamp: string;
  readonly type: string;
  readonly help?: string;
  readonly metrics: PushedMetric[];
}

/** One group of GET /api/v1/metrics: its grouping labels, whether the last push worked, its families by name. */
type PushedGroup = { readonly labels: Record<string, string>; readonly last_push_successful: boolean } & Record<string, unknown>;

const PUSH_TIME = 'push_time_seconds';
const PUSH_FAILURE_TIME = 'push_failure_time_seconds';

/**
 * `/metrics/job/<job>/<label>/<value>...` of a grouping key, as the Pushgateway takes it: a value
 * that is empty or holds a `/` goes as `@base64` (URL-safe base64, `=` for the empty value).
 */
export function groupPath(labels: Readonly<Record<string, string>>): string {
  const seg = (name: string, value: string): string => {
    if (value === '') return `${name}@base64/=`;
    if (value.includes('/')) {
      const b64 = btoa(String.fromCharCode(...new TextEncoder().encode(value))).replace(/\+/g, '-').replace(/\//g, '_');
      return `${name}@base64/${b64}`;
    }
    return `${name}/${encodeURIComponent(value)}`;
  };
  const { job = '', ...rest } = labels;
  return `/metrics/${seg('job', job)}${Object.entries(rest)
    .map(([k, v]) => `/${seg(k, v)}`)
    .join('')}`;
}

function pushTime(g: PushedGroup, name: string): number | undefined {
  const f = g[name] as PushedFamily | undefined;
  const v = Number(f?.metrics[0]?.value);
  return f === undefined || !Number.isFinite(v) || v === 0 ? undefined : v * 1000;
}

function valueText(m: PushedMetric): string {
  if (m.value !== undefined) return m.value;
  const parts = [`count=${m.count ?? ''}`, `sum=${m.sum ?? ''}`];
  for (const [k, v] of Object.entries(m.buckets ?? {})) parts.push(`le=${k}: ${v}`);
  for (const [k, v] of Object.entries(m.quantiles ?? {})) parts.push(`q=${k}: ${v}`);
  return parts.join(', ');
}

/**
 * The Pushgateway's page: every group with its grouping labels, the last push (and failed push)
 * time, its metric families and samples, and a button that deletes the group
 * (DELETE /metrics/job/...), as the Pushgateway's own UI offers.
 */
export default function PushgatewayPage(_: PageProps) {
  const [loaded, reload] = useApi<PushedGroup[]>('/api/v1/metrics');
  const [deleting, setDeleting] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  const remove = async (g: PushedGroup) => {
    const path = groupPath(g.labels);
    if (!confirm(`Delete the group ${path}?`)) return;
    setDeleting(path);
    setError(undefined);
    try {
      const res = await fetch(path, { method: 'DELETE' });
      if (!res.ok) setError(`DELETE ${path}: ${res.status} ${await res.text()}`);
    } catch (err) {
      setError(`DELETE ${path}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setDeleting(undefined);
      reload();
    }
  };

  return (
    <>
      <h1>Pushgateway</h1>
      <div class="filters">
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </div>
      {error !== undefined && <p class="error">{error}</p>}
      <LoadedView loaded={loaded}>
        {(groups) =>
          groups.length === 0 ? (
            <p class="muted" data-testid="no-groups">
              No groups have been pushed.
            </p>
          ) : (
            <div data-testid="groups">
              {groups.map((g) => {
                const path = groupPath(g.labels);
                const pushed = pushTime(g, PUSH_TIME);
                const failed = pushTime(g, PUSH_FAILURE_TIME);
                const families = Object.entries(g).filter(([k]) => k !== 'labels' && k !== 'last_push_successful') as [string, PushedFamily][];
                return (
                  <details class="group" key={path} data-testid="group" data-group={path}>
                    <summary>
                      <LabelBadges labels={g.labels} />{' '}
                      <span class={`badge ${g.last_push_successful ? 'ok' : 'err'}`}>{g.last_push_successful ? 'last push ok' : 'last push failed'}</span>{' '}
                      <span class="muted" title={pushed === undefined ? '' : new Date(pushed).toISOString()}>
                        pushed {pushed === undefined ? 'never' : ago(pushed)}
                        {failed !== undefined && `, failed ${ago(failed)}`}
                      </span>{' '}
                      <button
                        type="button"
                        class="danger"
                        disabled={deleting === path}
                        onClick={(e) => {
                          e.preventDefault();
                          void remove(g);
                        }}
                      >
                        Delete group
                      </button>
                    </summary>
                    <table>
                      <thead>
                        <tr>
                          <th>Metric</th>
                          <th>Type</th>
                          <th>Labels</th>
                          <th>Value</th>
                          <th>Pushed</th>
                        </tr>
                      </thead>
                      <tbody>
                        {families.flatMap(([name, f]) =>
                          f.metrics.map((m, i) => (
                            <tr key={`${name}-${i}`} data-metric={name}>
                              <td>
                                <code title={f.help ?? ''}>{name}</code>
                              </td>
                              <td>{f.type.toLowerCase()}</td>
                              <td>
                                <LabelBadges labels={m.labels} />
                              </td>
                              <td class="value">{valueText(m)}</td>
                              <td class="muted" title={f.time_stamp}>
                                {ago(f.time_stamp)}
                              </td>
                            </tr>
                          )),
                        )}
                      </tbody>
                    </table>
                  </details>
                );
              })}
            </div>
          )
        }
      </LoadedView>
    </>
  );
}
