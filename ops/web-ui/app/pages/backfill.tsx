import { useEffect, useState } from 'preact/hooks';
import { ago } from '../format';
import type { PageProps } from '../shell';

/** One sample of the role's own `/metrics` (Prometheus text format). */
interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** The samples of the families whose names start with one of `prefixes`. */
export function parseMetrics(text: string, prefixes: readonly string[]): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || !prefixes.some((p) => line.startsWith(p))) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

const sum = (samples: readonly Sample[], name: string, match: (l: Record<string, string>) => boolean): number =>
  samples.filter((s) => s.name === name && match(s.labels)).reduce((a, s) => a + s.value, 0);

/**
 * Backfill as this role sees it, from its own /metrics every 2 s: what the import endpoints took
 * (tidemark import, vmctl, curl), per endpoint, and each shard being rebuilt from the bus with
 * how far it has replayed.
 */
export default function BackfillPage(_: PageProps) {
  const [samples, setSamples] = useState<Sample[] | Error | undefined>(undefined);
  useEffect(() => {
    let stopped = false;
    const load = async () => {
      try {
        const res = await fetch('/metrics');
        if (!res.ok) throw new Error(`/metrics: ${res.status} ${res.statusText}`);
        const parsed = parseMetrics(await res.text(), ['tidemark_import_', 'tidemark_store_rebuild_']);
        if (!stopped) setSamples(parsed);
      } catch (err) {
        if (!stopped) setSamples(err instanceof Error ? err : new Error(String(err)));
      }
    };
    void load();
    const t = setInterval(load, 2000);
    return () => {
      stopped = true;
      clearInterval(t);
    };
  }, []);
  if (samples === undefined) return <p class="muted">Loading…</p>;
  if (samples instanceof Error) return <p class="error">{samples.message}</p>;
  const endpoints = [...new Set(samples.filter((s) => s.name.startsWith('tidemark_import_')).map((s) => s.labels.endpoint))].sort();
  const rebuilds = samples.filter((s) => s.name === 'tidemark_store_rebuild_target_records');
  return (
    <>
      <h1>Backfill</h1>
      <h2>Imports received</h2>
      {endpoints.length === 0 ? (
        <p class="muted">No import request yet (tidemark import, vmctl and the /api/v1/import endpoints count here).</p>
      ) : (
        <table data-testid="imports">
          <thead>
            <tr>
              <th>Endpoint</th>
              <th>Requests stored</th>
              <th>Partly stored</th>
              <th>Refused</th>
              <th>Samples stored</th>
              <th>Lines read</th>
              <th>Bad lines</th>
              <th>Last request</th>
            </tr>
          </thead>
          <tbody>
            {endpoints.map((e) => {
              const of = (name: string, outcome?: string) => sum(samples, name, (l) => l.endpoint === e && (outcome === undefined || l.outcome === outcome));
              const last = of('tidemark_import_last_request_timestamp_seconds');
              return (
                <tr key={e} data-endpoint={e}>
                  <td>
                    <code>{e}</code>
                  </td>
                  <td class="value">{of('tidemark_import_requests_total', 'stored')}</td>
                  <td class="value">{of('tidemark_import_requests_total', 'partial')}</td>
                  <td class="value">{of('tidemark_import_requests_total', 'refused')}</td>
                  <td class="value" data-testid="import-samples">
                    {of('tidemark_import_samples_total')}
                  </td>
                  <td class="value">{of('tidemark_import_lines_total')}</td>
                  <td class="value">{of('tidemark_import_bad_lines_total')}</td>
                  <td>{last > 0 ? ago(last * 1000) : 'never'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <h2>Shards rebuilt from the bus</h2>
      {rebuilds.length === 0 ? (
        <p class="muted">No shard rebuild in this process (started with --rebuild).</p>
      ) : (
        <table data-testid="rebuilds">
          <thead>
            <tr>
              <th>Topic</th>
              <th>Partition</th>
              <th>Records replayed</th>
              <th>Progress</th>
            </tr>
          </thead>
          <tbody>
            {rebuilds.map((r) => {
              const same = (l: Record<string, string>) => l.topic === r.labels.topic && l.partition === r.labels.partition;
              const replayed = sum(samples, 'tidemark_store_rebuild_replayed_records', same);
              const ratio = sum(samples, 'tidemark_store_rebuild_progress_ratio', same);
              return (
                <tr key={`${r.labels.topic}/${r.labels.partition}`} data-partition={r.labels.partition}>
                  <td>
                    <code>{r.labels.topic}</code>
                  </td>
                  <td class="value">{r.labels.partition}</td>
                  <td class="value">
                    {replayed} of {r.value}
                  </td>
                  <td>
                    <progress max={1} value={ratio} /> {(ratio * 100).toFixed(0)}%
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
