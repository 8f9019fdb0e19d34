import { useState } from 'preact/hooks';
import { useApi } from '../api';
import { LabelBadges } from '../components/labels';
import { LoadedView } from '../components/loaded';
import type { Target, TargetsData } from '../components/prometheus-types';
import { ago, formatSeconds } from '../format';
import type { PageProps } from '../shell';

/**
 * Target health (/api/v1/targets): per scrape pool, each target's endpoint, health, labels after
 * relabeling (the labels before it on demand), last scrape, its duration and the last error.
 */
export default function TargetsPage({ params, setParams }: PageProps) {
  const [loaded, reload] = useApi<TargetsData>('/api/v1/targets', { state: 'active' });
  const [search, setSearch] = useState(params.get('search') ?? '');
  const unhealthyOnly = params.get('health') === 'unhealthy';
  const setUnhealthy = (on: boolean) => {
    const p = new URLSearchParams(params);
    if (on) p.set('health', 'unhealthy');
    else p.delete('health');
    setParams(p, { replace: true });
  };
  return (
    <>
      <h1>Target health</h1>
      <div class="filters">
        <label class="check">
          <input type="checkbox" checked={unhealthyOnly} onChange={(e) => setUnhealthy(e.currentTarget.checked)} /> Unhealthy only
        </label>
        <input type="search" placeholder="Filter by endpoint or labels" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </div>
      <LoadedView loaded={loaded}>
        {(data) => {
          const pools = new Map<string, Target[]>();
          for (const t of data.activeTargets) {
            if (unhealthyOnly && t.health === 'up') continue;
            const text = `${t.scrapeUrl} ${Object.entries(t.labels).map(([k, v]) => `${k}="${v}"`).join(' ')}`.toLowerCase();
            if (search !== '' && !text.includes(search.toLowerCase())) continue;
            pools.set(t.scrapePool, [...(pools.get(t.scrapePool) ?? []), t]);
          }
          const all = new Map<string, Target[]>();
          for (const t of data.activeTargets) all.set(t.scrapePool, [...(all.get(t.scrapePool) ?? []), t]);
          if (data.activeTargets.length === 0) return <p class="muted">No scrape targets.</p>;
          return (
            <div data-testid="targets">
              {[...pools].map(([pool, targets]) => {
                const up = (all.get(pool) ?? []).filter((t) => t.health === 'up').length;
                return (
                  <details class="group" open key={pool} data-pool={pool}>
                    <summary>
                      {pool} ({up}/{all.get(pool)?.length ?? 0} up)
                    </summary>
                    <table>
                      <thead>
                        <tr>
                          <th>Endpoint</th>
                          <th>State</th>
                          <th>Labels</th>
                          <th>Last scrape</th>
                          <th>Scrape duration</th>
                          <th>Error</th>
                        </tr>
                      </thead>
                      <tbody>
                        {targets.map((t) => (
                          <TargetRow key={t.scrapeUrl + JSON.stringify(t.labels)} target={t} />
                        ))}
                      </tbody>
                    </table>
                  </details>
                );
              })}
            </div>
          );
        }}
      </LoadedView>
    </>
  );
}

function TargetRow({ target: t }: { target: Target }) {
  const [before, setBefore] = useState(false);
  return (
    <tr class="target" data-health={t.health}>
      <td>
        <a href={t.scrapeUrl} target="_blank" rel="noreferrer">
          {t.scrapeUrl}
        </a>
      </td>
      <td>
        <span class={`badge ${t.health}`}>{t.health}</span>
      </td>
      <td>
        <LabelBadges labels={t.labels} />
        <div>
          <button type="button" class="link" onClick={() => setBefore(!before)}>
            {before ? 'Hide' : 'Show'} labels before relabeling
          </button>
        </div>
        {before ? (
          <div class="before-relabeling">
            <LabelBadges labels={t.discoveredLabels} />
          </div>
        ) : null}
      </td>
      <td>{ago(t.lastScrape)}</td>
      <td>{t.lastScrape.startsWith('0001-') ? '' : formatSeconds(t.lastScrapeDuration)}</td>
      <td class="error-cell">{t.lastError}</td>
    </tr>
  );
}
