import { useApi } from '../api';
import { LabelBadges } from '../components/labels';
import { LoadedView } from '../components/loaded';
import type { Labels, TargetsData } from '../components/prometheus-types';
import type { PageProps } from '../shell';

/** Service discovery (/api/v1/targets): per scrape pool, each discovered target's labels and what relabeling made of it (or that it dropped it). */
export default function ServiceDiscoveryPage(_: PageProps) {
  const [loaded] = useApi<TargetsData>('/api/v1/targets', { state: 'any' });
  return (
    <>
      <h1>Service discovery</h1>
      <LoadedView loaded={loaded}>
        {(data) => {
          const pools = new Map<string, Array<{ discovered: Labels; target?: Labels }>>();
          const add = (pool: string, e: { discovered: Labels; target?: Labels }) => pools.set(pool, [...(pools.get(pool) ?? []), e]);
          for (const t of data.activeTargets) add(t.scrapePool, { discovered: t.discoveredLabels, target: t.labels });
          for (const t of data.droppedTargets) add(t.scrapePool ?? t.discoveredLabels.job ?? '', { discovered: t.discoveredLabels });
          if (pools.size === 0) return <p class="muted">No targets discovered.</p>;
          return (
            <div data-testid="service-discovery">
              <ul>
                {[...pools].map(([pool, ts]) => (
                  <li key={pool}>
                    <a href={`#pool-${pool}`}>{pool}</a> ({ts.filter((t) => t.target !== undefined).length} / {ts.length} active targets
                    {data.droppedTargetCounts?.[pool] !== undefined ? `, ${data.droppedTargetCounts[pool]} dropped` : ''})
                  </li>
                ))}
              </ul>
              {[...pools].map(([pool, ts]) => (
                <details class="group" open key={pool} id={`pool-${pool}`}>
                  <summary>{pool}</summary>
                  <table>
                    <thead>
                      <tr>
                        <th>Discovered labels</th>
                        <th>Target labels</th>
                      </tr>
                    </thead>
                    <tbody>
                      {ts.map((t, i) => (
                        <tr key={i}>
                          <td>
                            <LabelBadges labels={t.discovered} />
                          </td>
                          <td>{t.target === undefined ? <span class="muted">Dropped</span> : <LabelBadges labels={t.target} />}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </details>
              ))}
            </div>
          );
        }}
      </LoadedView>
    </>
  );
}
